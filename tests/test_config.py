"""Settings: values the service cannot use are refused at load, with the setting named."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from interp.config import ConfigError, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("INTERP_"):
            monkeypatch.delenv(name)


def test_english_via_and_local_language_have_safe_defaults() -> None:
    settings = load_settings()
    assert settings.english_via == "auto" and settings.local_language == "en"
    assert load_settings(english_via="whisper", local_language="es").local_language == "es"


@pytest.mark.parametrize("value", ["bogus", "", "Argos"])
def test_an_unknown_english_source_is_refused(value: str) -> None:
    with pytest.raises(ConfigError, match="english_via.*auto, argos or whisper"):
        load_settings(english_via=value)


@pytest.mark.parametrize("value", ["xx", "", "bfi", "ase"])
def test_local_language_must_be_a_spoken_language(value: str) -> None:
    with pytest.raises(ConfigError, match="local_language.*spoken language") as refused:
        load_settings(local_language=value)
    assert repr(value) in str(refused.value)


def test_bad_values_from_the_environment_and_the_file_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTERP_ENGLISH_VIA", "google")
    with pytest.raises(ConfigError, match="english_via"):
        load_settings()
    monkeypatch.delenv("INTERP_ENGLISH_VIA")
    config = tmp_path / "interp.toml"
    config.write_text('local_language = "bfi"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="local_language"):
        load_settings(config)
