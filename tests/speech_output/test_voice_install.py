"""``interp models install voice LANG --from FILE.onnx``: a Piper voice (model and
settings) checked, placed under the models folder with a receipt of its checksums, and
found by speech output; bad input is refused and changes nothing.

The voice files here are made by the test (a few bytes of model, real-format settings):
no Piper voice can be downloaded on this machine, and the Piper engine is an optional
package, so these tests cover installing and checking voices, not Piper speaking."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from interp.cli import main
from interp.speech_output import SpeechOutput
from interp.speech_output.install import check_voice
from interp.speech_output.piper import voice_files


@pytest.fixture
def models_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "models"
    monkeypatch.setenv("INTERP_MODELS_DIR", str(folder))
    return folder


def piper_voice(folder: Path, name: str, code: str = "es_ES", model: bytes = b"onnx") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    onnx = folder / f"{name}.onnx"
    onnx.write_bytes(model)
    settings = {"audio": {"sample_rate": 22050}, "language": {"code": code}, "espeak": {}}
    (folder / f"{name}.onnx.json").write_text(json.dumps(settings))
    return onnx


def test_a_voice_is_installed_with_its_checksums(
    models_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = piper_voice(tmp_path / "download", "es_ES-davefx-medium")
    assert main(["models", "install", "voice", "es", "--from", str(source)]) == 0
    assert "installed the es voice es_ES-davefx-medium.onnx" in capsys.readouterr().out
    installed = voice_files(models_dir, "es")
    assert installed == models_dir / "voices" / "es" / "es_ES-davefx-medium.onnx"
    assert check_voice(models_dir, "es") is None
    # A file changed after installing is found out.
    installed.write_bytes(b"tampered")
    assert "has changed since it was installed" in str(check_voice(models_dir, "es"))
    # Installing again (from the folder) replaces the voice whole.
    assert main(["models", "install", "voice", "es", "--from", str(source.parent)]) == 0
    assert check_voice(models_dir, "es") is None


@pytest.mark.parametrize(
    ("arrange", "message"),
    [
        (lambda d: piper_voice(d, "fr_FR-siwis-medium", code="fr_FR"), "speaks fr_FR, not es"),
        (lambda d: piper_voice(d, "es_ES-x", model=b""), "is empty"),
        (lambda d: (piper_voice(d, "es_ES-x").with_suffix(".onnx.json").write_text("{")
                    and d / "es_ES-x.onnx"), "is not a Piper voice's settings"),
        (lambda d: (piper_voice(d, "es_ES-x").with_suffix(".onnx.json").unlink()
                    or d / "es_ES-x.onnx"), "is missing"),
        (lambda d: (d.mkdir(parents=True) or d / "voice.txt"), "is not a Piper voice"),
    ],
)
def test_a_bad_voice_is_refused_and_changes_nothing(
    models_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], arrange, message
) -> None:
    first = piper_voice(tmp_path / "good", "es_ES-davefx-medium")
    assert main(["models", "install", "voice", "es", "--from", str(first)]) == 0
    before = sorted(p.name for p in (models_dir / "voices" / "es").iterdir())
    source = arrange(tmp_path / "bad")
    assert main(["models", "install", "voice", "es", "--from", str(source)]) == 1
    assert message in capsys.readouterr().err
    assert sorted(p.name for p in (models_dir / "voices" / "es").iterdir()) == before
    assert check_voice(models_dir, "es") is None


def test_usage_mistakes_are_told(models_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "install", "voice", "es"]) == 2
    assert main(["models", "install", "voice", "--from", "x.onnx"]) == 2
    assert main(["models", "install", "voice", "es-ES!", "--from", "x.onnx"]) == 1
    assert "usage: interp models install voice LANG" in capsys.readouterr().err


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_a_voice_that_cannot_speak_leaves_espeak_ng_speaking(
    models_dir: Path, tmp_path: Path
) -> None:
    # Without the optional Piper engine the voice is unused; with it, this made-up model
    # fails to load: either way espeak-ng speaks, and nothing breaks.
    source = piper_voice(tmp_path / "download", "en_GB-alba-medium", code="en_GB")
    assert main(["models", "install", "voice", "en", "--from", str(source)]) == 0
    voice = SpeechOutput(models_dir).voice("en")
    assert voice is not None and voice.engine == "espeak-ng"
