"""Speaking captions: which voice speaks each language, and speech made off the event loop,
one sentence at a time so that it never takes the processor from live captions."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from interp.speech_output.encode import MIME, to_mp3
from interp.speech_output.espeak import EspeakVoice, SpeechFailed
from interp.speech_output.piper import PiperVoice, engine_installed, voice_files

log = logging.getLogger(__name__)

# Longer texts are cut at a sentence end: a caption is a sentence or two.
MAX_CHARS = 600


class Voice(Protocol):
    engine: str

    def synthesize(self, text: str) -> tuple[np.ndarray, int]: ...


@dataclass(frozen=True)
class Speech:
    audio: bytes
    mime: str
    duration_s: float
    engine: str


class SpeechOutput:
    def __init__(self, models_dir: Path) -> None:
        self.models_dir = models_dir
        self._voices: dict[str, Voice | None] = {}
        # One synthesis at a time per process: speech is a courtesy beside the captions.
        self._turn = asyncio.Semaphore(1)
        # Sentences spoken so far (each once, however many hear it).
        self.sentences_spoken = 0

    def voice(self, language: str) -> Voice | None:
        """The voice that speaks ``language`` here: an installed Piper voice, else espeak-ng's."""
        if language not in self._voices:
            self._voices[language] = self._find_voice(language)
        return self._voices[language]

    def _find_voice(self, language: str) -> Voice | None:
        model = voice_files(self.models_dir, language)
        if model is not None and engine_installed():
            try:
                return PiperVoice(model)
            except Exception as exc:  # a broken voice file: say so, and fall back
                log.warning("speech output: Piper voice %s not usable: %s", model, exc)
        return EspeakVoice(language) if EspeakVoice.available(language) else None

    def speaks(self, language: str) -> bool:
        return self.voice(language) is not None

    async def speak(self, text: str, language: str) -> Speech | None:
        """``text`` spoken in ``language``; None when no voice speaks it or speech failed."""
        voice = self.voice(language)
        text = _bounded(" ".join(text.split()))
        if voice is None or not text:
            return None
        async with self._turn:
            try:
                speech = await asyncio.to_thread(_spoken, voice, text)
            except SpeechFailed as exc:
                log.warning("speech output (%s, %s) failed: %s", voice.engine, language, exc)
                return None
        self.sentences_spoken += 1
        return speech


def _spoken(voice: Voice, text: str) -> Speech:
    samples, rate = voice.synthesize(text)
    if not len(samples):
        raise SpeechFailed("no audio")
    return Speech(to_mp3(samples, rate), MIME, round(len(samples) / rate, 3), voice.engine)


def _bounded(text: str) -> str:
    if len(text) <= MAX_CHARS:
        return text
    cut = max(text.rfind(mark, 0, MAX_CHARS) for mark in (". ", "! ", "? ", "; "))
    return text[: cut + 1] if cut > 0 else text[:MAX_CHARS]
