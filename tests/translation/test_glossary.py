"""Glossary terms survive machine translation: kept as they are, or written the way the
organisation chose for the reader's language.

The test Argos packages translate word for word from a small lexicon (en→es, es→en,
en→fr) and copy everything else piece by piece in lower case, so a term made of lexicon
words ("Good Shepherd House") comes out mangled without the glossary.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from interp.translation.glossary import Glossary, GlossaryEntry
from interp.translation.packages import install_package_file
from interp.translation.service import TranslationService
from interp.translation.translator import Translator

pytestmark = pytest.mark.usefixtures("argos_home")

TERMS = Glossary([
    GlossaryEntry("Good Shepherd House"),
    GlossaryEntry("council tax", {"es": "impuesto municipal (council tax)"}),
    GlossaryEntry("Help to Buy", {"fr": "Help to Buy (aide à l'achat)"}),
])


@pytest.fixture
def service(
    tmp_path: Path, argos_archives: dict[tuple[str, str], Path]
) -> Iterator[TranslationService]:
    for archive in argos_archives.values():
        install_package_file(tmp_path, archive)
    service = TranslationService(Translator(tmp_path))
    yield service
    service.close()


async def test_terms_are_mangled_without_the_glossary(service: TranslationService) -> None:
    result = await service.translate("I need help at the Good Shepherd House today.", "en", "es")
    assert result.text == "yo necesito ayuda at el buenos shepherd casa hoy."


async def test_terms_are_kept_or_rendered_with_it(service: TranslationService) -> None:
    service.glossary = TERMS
    kept = await service.translate("I need help at the Good Shepherd House today.", "en", "es")
    assert kept.text == "yo necesito ayuda at el Good Shepherd House hoy."
    assert kept.translated and kept.route == ("en", "es")
    rendered = await service.translate("Where is the council tax form?", "en", "es")
    assert rendered.text == "dónde está el impuesto municipal (council tax) formulario?"
    # Any case and spacing of the term is found; a word that merely contains it is not.
    both = await service.translate("the good  shepherd house and Help to Buy, taxis", "en", "fr")
    assert "Good Shepherd House" in both.text and "Help to Buy (aide à l'achat)" in both.text
    assert "taxis" in both.text


async def test_terms_survive_a_pivot_through_english(service: TranslationService) -> None:
    service.glossary = TERMS
    result = await service.translate("Hola, necesito ayuda con council tax.", "es", "fr")
    assert result.route == ("es", "en", "fr")
    assert "council tax" in result.text
    # The Spanish rendering is read back as the term too, and written for English readers.
    back = await service.translate("Necesito impuesto municipal (council tax) hoy", "es", "en")
    assert back.text.startswith("need") and "council tax" in back.text


async def test_a_pair_without_a_model_is_left_alone(service: TranslationService) -> None:
    service.glossary = TERMS
    result = await service.translate("the council tax", "en", "de")
    assert result.text == "the council tax" and not result.translated


def test_a_model_that_loses_the_placeholder_gets_the_text_around_the_terms() -> None:
    def forgetful(text: str) -> str:  # drops digits, as a model might drop an odd token
        return "".join(c for c in text if not c.isdigit()).upper()

    result = TERMS.translate("pay the council tax by Friday", "en", "es", forgetful)
    assert result == "PAY THE impuesto municipal (council tax) BY FRIDAY"


def test_numbers_already_in_the_text_are_never_taken_for_placeholders() -> None:
    seen: list[str] = []

    def model(text: str) -> str:
        seen.append(text)
        return text

    result = TERMS.translate("7301 pounds of council tax", "en", "es", model)
    assert result == "7301 pounds of impuesto municipal (council tax)"
    assert seen == ["7301 pounds of 7302"]


def test_hints_are_the_terms_as_said() -> None:
    assert TERMS.hints() == ("Good Shepherd House", "council tax", "Help to Buy")
    assert not Glossary()
