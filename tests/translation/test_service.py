"""The translation service: where English comes from, and translating onward from Whisper's
English when no model reaches a reader's language from the speaker's.

The installed packages are en→es, es→en and en→fr; German ("de") has none.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from interp.translation.packages import install_package_file
from interp.translation.service import TranslationService
from interp.translation.translator import Translation, Translator

pytestmark = pytest.mark.usefixtures("argos_home")


@pytest.fixture
def translator(tmp_path: Path, argos_archives: dict[tuple[str, str], Path]) -> Translator:
    for archive in argos_archives.values():
        install_package_file(tmp_path, archive)
    return Translator(tmp_path)


@pytest.fixture
def service(translator: Translator, request: pytest.FixtureRequest) -> Iterator[TranslationService]:
    service = TranslationService(translator, getattr(request, "param", "auto"))
    yield service
    service.close()


def texts(results: dict[str, Translation]) -> dict[str, str]:
    return {language: result.text for language, result in results.items()}


def test_an_unknown_english_source_is_refused(translator: Translator) -> None:
    with pytest.raises(ValueError, match="english_via"):
        TranslationService(translator, "bogus")


@pytest.mark.parametrize("service", ["argos"], indirect=True)
def test_argos_never_asks_whisper(service: TranslationService) -> None:
    assert not service.wants_whisper_english("de", ["es", "en"])
    assert not service.wants_whisper_english("es", ["en", "fr"])


def test_auto_asks_whisper_only_where_no_model_reaches(service: TranslationService) -> None:
    assert not service.wants_whisper_english("es", ["en"])  # es→en
    assert not service.wants_whisper_english("es", ["fr", "en"])  # es→en→fr
    assert not service.wants_whisper_english("es", ["es"])  # readers of the speaker's words
    assert not service.wants_whisper_english("es", [])
    assert not service.wants_whisper_english("en", ["de"])  # English already
    assert service.wants_whisper_english("de", ["en"])
    assert service.wants_whisper_english("de", ["es", "de"])


@pytest.mark.parametrize("service", ["whisper"], indirect=True)
def test_whisper_is_asked_whenever_someone_reads_another_language(
    service: TranslationService,
) -> None:
    assert service.wants_whisper_english("es", ["fr"])
    assert not service.wants_whisper_english("es", ["es"])
    assert not service.wants_whisper_english("en", ["es"])


async def test_whispers_english_goes_onward_where_no_model_reaches(
    service: TranslationService,
) -> None:
    results = await service.translate_to(
        "Hallo Welt", "de", ["en", "es", "fr", "de", "es"], english="Hello, Ana!"
    )
    assert texts(results) == {
        "en": "Hello, Ana!",  # as Whisper wrote it, not through any model
        "es": "hola, ana!",
        "fr": "bonjour, ana!",
        "de": "Hallo Welt",
    }
    assert results["en"] == Translation("Hello, Ana!", "de", "en", True, ("de", "en"))
    assert results["es"].translated and results["es"].route == ("de", "en", "es")
    assert results["fr"].route == ("de", "en", "fr")
    assert not results["de"].translated


async def test_a_language_nothing_reaches_keeps_the_speakers_words(
    service: TranslationService,
) -> None:
    results = await service.translate_to("Hallo Welt", "de", ["ar"], english="hello world")
    assert results["ar"] == Translation("Hallo Welt", "de", "ar", False, ())
    # Without Whisper's English German reaches nobody.
    results = await service.translate_to("Hallo Welt", "de", ["es", "en"])
    assert texts(results) == {"es": "Hallo Welt", "en": "Hallo Welt"}
    assert not any(r.translated for r in results.values())


async def test_auto_prefers_a_model_over_whispers_english(service: TranslationService) -> None:
    results = await service.translate_to(
        "hola mundo", "es", ["en", "fr"], english="greetings, planet"
    )
    assert texts(results) == {"en": "hello world", "fr": "bonjour monde"}
    assert results["fr"].route == ("es", "en", "fr")


@pytest.mark.parametrize("service", ["whisper"], indirect=True)
async def test_whisper_mode_uses_whispers_english_even_with_a_model(
    service: TranslationService,
) -> None:
    results = await service.translate_to("hola mundo", "es", ["en", "fr"], english="Good morning")
    assert texts(results) == {"en": "Good morning", "fr": "bon matin"}
    assert results["fr"].route == ("es", "en", "fr")


@pytest.mark.parametrize("service", ["auto", "argos", "whisper"], indirect=True)
async def test_readers_of_the_speakers_language_get_the_words_as_said(
    service: TranslationService,
) -> None:
    results = await service.translate_to("hola mundo", "es", ["es"], english="Good morning")
    assert results["es"] == Translation("hola mundo", "es", "es", False, ("es",))
