"""Translating caption text: direct pairs, pivoting through English, missing pairs, caching."""

from __future__ import annotations

from pathlib import Path

import pytest

from interp.translation.packages import install_package_file
from interp.translation.service import TranslationService
from interp.translation.translator import Translator, find_route

pytestmark = pytest.mark.usefixtures("argos_home")


@pytest.fixture
def translator(tmp_path: Path, argos_archives: dict[tuple[str, str], Path]) -> Translator:
    for archive in argos_archives.values():
        install_package_file(tmp_path, archive)
    return Translator(tmp_path)


def test_find_route() -> None:
    pairs = {("en", "es"), ("es", "en"), ("en", "fr")}
    assert find_route(pairs, "en", "es") == ("en", "es")
    assert find_route(pairs, "es", "fr") == ("es", "en", "fr")
    assert find_route(pairs, "es", "es") == ("es",)
    assert find_route(pairs, "fr", "es") is None


def test_direct_translation(translator: Translator) -> None:
    result = translator.translate("Good morning, world!", "en", "es")
    assert result.text == "buenos días, mundo!"
    assert result.translated and result.route == ("en", "es")


def test_each_sentence_of_a_segment_is_translated(translator: Translator) -> None:
    result = translator.translate("Hello world. Where is the doctor?", "en", "es")
    assert result.text == "hola mundo. dónde está el médico?"


def test_pivot_through_english(translator: Translator) -> None:
    result = translator.translate("Hola mundo. Buenos días, necesito ayuda.", "es", "fr")
    assert result.route == ("es", "en", "fr")
    assert result.text == "bonjour monde. bon matin, besoin aide."


def test_a_pair_with_no_model_keeps_the_source_text(translator: Translator) -> None:
    result = translator.translate("hello world", "en", "so")
    assert result.text == "hello world"
    assert not result.translated and result.route == ()


def test_repeated_segments_come_from_the_cache(translator: Translator) -> None:
    translator.translate("hello world", "en", "es")
    runs = translator.model_runs
    assert translator.translate("hello world", "en", "es").text == "hola mundo"
    assert translator.model_runs == runs


def test_packages_installed_later_are_picked_up_on_reload(
    tmp_path: Path, argos_archives: dict[tuple[str, str], Path]
) -> None:
    translator = Translator(tmp_path)
    assert not translator.translate("hello", "en", "es").translated
    install_package_file(tmp_path, argos_archives[("en", "es")])
    translator.reload()
    assert translator.translate("hello", "en", "es").text == "hola"


async def test_fan_out_translates_once_per_language_not_per_listener(
    translator: Translator,
) -> None:
    service = TranslationService(translator)
    try:
        # Three listeners: two read Spanish, one French; the speaker speaks English.
        listeners = ["es", "es", "fr", "en"]
        results = await service.translate_to("good morning", "en", listeners)
        assert {lang: r.text for lang, r in results.items()} == {
            "en": "good morning",
            "es": "buenos días",
            "fr": "bon matin",
        }
        assert translator.model_runs == 2
    finally:
        service.close()
