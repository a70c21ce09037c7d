"""Installing a Piper voice: its ``.onnx`` model and ``.onnx.json`` settings, checked and
placed under the models folder (``voices/LANG/``), never fetched while serving.

No public index publishes sha256 checksums for Piper voices, so the ones seen at install
time are written in a receipt beside the files and checked from then on (``check_voice``),
as for speech models that come from an upstream download.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from interp.modelstore.checksums import sha256_file
from interp.modelstore.install import staging_folder, swap_in
from interp.speech_output.piper import VOICES_DIR, voice_files

RECEIPT = "receipt.json"


class VoiceInstallError(RuntimeError):
    pass


@dataclass(frozen=True)
class InstalledVoice:
    language: str
    model: Path
    sha256: dict[str, str]


def _source_model(source: Path) -> Path:
    """The ``.onnx`` named, or the only one in the folder named."""
    if source.is_dir():
        models = sorted(source.glob("*.onnx"))
        if len(models) != 1:
            raise VoiceInstallError(
                f"{source} holds {len(models)} .onnx files: name the voice's .onnx file"
            )
        return models[0]
    if source.suffix != ".onnx" or not source.is_file():
        raise VoiceInstallError(f"{source} is not a Piper voice (.onnx file)")
    return source


def _check_settings(settings_path: Path, language: str) -> None:
    if not settings_path.is_file():
        raise VoiceInstallError(f"{settings_path.name} is missing: a Piper voice needs it")
    try:
        settings = json.loads(settings_path.read_text(encoding="utf-8"))
        rate = settings["audio"]["sample_rate"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise VoiceInstallError(f"{settings_path.name} is not a Piper voice's settings") from exc
    if not isinstance(rate, int) or rate <= 0:
        raise VoiceInstallError(f"{settings_path.name} has no valid sample rate")
    # Piper writes e.g. {"language": {"code": "es_ES", ...}}: the voice must speak LANG.
    code = str((settings.get("language") or {}).get("code", "")).replace("-", "_")
    if code and code.split("_")[0].lower() != language:
        raise VoiceInstallError(f"this voice speaks {code}, not {language}")


def install_voice(models_dir: Path, language: str, source: Path) -> InstalledVoice:
    """Install the voice at ``source`` for ``language``, replacing the one there (if any)
    only once the new one is complete."""
    if not language.isalpha() or not 2 <= len(language) <= 3:
        raise VoiceInstallError(f"{language!r} is not a language code")
    model = _source_model(source)
    settings = model.with_suffix(".onnx.json")
    _check_settings(settings, language)
    if model.stat().st_size == 0:
        raise VoiceInstallError(f"{model.name} is empty")
    target = models_dir / VOICES_DIR / language
    with staging_folder(target) as stage:
        sums = {}
        for path in (model, settings):
            shutil.copyfile(path, stage / path.name)
            sums[path.name] = sha256_file(stage / path.name)
        (stage / RECEIPT).write_text(json.dumps({"sha256": sums}, indent=2) + "\n")
        swap_in(stage, target)
    return InstalledVoice(language, target / model.name, sums)


def check_voice(models_dir: Path, language: str) -> str | None:
    """None when the installed voice for ``language`` matches its receipt; else what is wrong."""
    model = voice_files(models_dir, language)
    if model is None:
        return "no voice installed"
    try:
        sums = json.loads((model.parent / RECEIPT).read_text())["sha256"]
    except (OSError, ValueError, KeyError):
        return "its receipt is missing: install the voice again"
    for name, expected in sums.items():
        path = model.parent / name
        if not path.is_file() or sha256_file(path) != expected:
            return f"{name} has changed since it was installed: install the voice again"
    return None
