"""``interp doctor`` on the offered languages: translation that could be installed but
is not fails it and names the command; what no open model reaches is a warning."""

from __future__ import annotations

import pytest

from interp.cli import main
from interp.config import load_settings
from interp.modelstore import ModelNotInstalledError, resolve_speech_model
from tests.commands.conftest import Operator


def line(out: str, name: str) -> str:
    return next(text for text in out.splitlines() if f"] {name} " in text)


def test_doctor_fails_until_the_offered_languages_are_installed(
    operator: Operator, capsys: pytest.CaptureFixture[str]
) -> None:
    try:  # the rest of doctor must pass, the speech model included
        resolve_speech_model(load_settings().models_dir, "whisper-base")
    except ModelNotInstalledError as exc:
        pytest.skip(f"{exc} (scripts/setup.sh installs whisper-base)")
    operator.offer("es", "so", "bfi")

    assert main(["doctor"]) == 1
    before = capsys.readouterr().out
    assert "[missing] Language Spanish" in before
    assert "translation not installed (es→en, en→es)" in line(before, "Language Spanish")
    assert "fix: interp models install --offered" in before
    assert "[warning] Language Somali" in before
    assert "residents get human interpreters" in line(before, "Language Somali")
    assert "[warning] Language British Sign Language" in before

    assert main(["models", "install", "--offered", "--from", str(operator.downloads)]) == 0
    capsys.readouterr()

    assert main(["doctor"]) == 0
    after = capsys.readouterr().out
    assert "Language Spanish" not in after
    assert "translated to and from en: Spanish" in line(after, "Offered languages")
    assert "[warning] Language Somali" in after  # still said plainly, but no failure
    assert "Everything interp needs is in place" in after
