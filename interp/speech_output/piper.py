"""Piper voices (neural, far more natural than espeak-ng) where one is installed with
``interp models install voice LANG``. The engine is the optional ``piper-tts`` package
(it is GPL and brings its own espeak-ng build): without it, installed voices are unused
and espeak-ng speaks instead."""

from __future__ import annotations

import importlib.util
import wave
from io import BytesIO
from pathlib import Path

import numpy as np

from interp.speech_output.espeak import SpeechFailed

VOICES_DIR = "voices"


def voice_files(models_dir: Path, language: str) -> Path | None:
    """The installed Piper voice (``.onnx`` with its ``.onnx.json``) for a language."""
    folder = models_dir / VOICES_DIR / language
    for model in sorted(folder.glob("*.onnx")) if folder.is_dir() else []:
        if model.with_suffix(".onnx.json").is_file():
            return model
    return None


def engine_installed() -> bool:
    return importlib.util.find_spec("piper") is not None


class PiperVoice:
    engine = "piper"

    def __init__(self, model: Path) -> None:
        from piper import PiperVoice as Loaded  # optional: see the module's docstring

        self.model = model
        self._voice = Loaded.load(str(model))

    def synthesize(self, text: str) -> tuple[np.ndarray, int]:
        buffer = BytesIO()
        try:
            with wave.open(buffer, "wb") as out:
                self._voice.synthesize_wav(text, out)
        except Exception as exc:  # the engine's own errors are not documented
            raise SpeechFailed(f"piper failed: {exc}") from exc
        buffer.seek(0)
        with wave.open(buffer, "rb") as read:
            rate = read.getframerate()
            samples = np.frombuffer(read.readframes(read.getnframes()), dtype="<i2").copy()
        return samples, rate
