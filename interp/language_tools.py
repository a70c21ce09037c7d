"""The speech engine and translation of this process, shared by all that use them.

Live captions, the recordings worker and ``interp caption`` reach the speech model
and the translation models through here, so a process holds one engine and one
translation worker however many features use them. The speech model loads when it
is first needed, off the event loop: a server where nobody uses captions never pays
for it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from enum import StrEnum

from interp.captions.engine import CaptionEngine
from interp.config import Settings
from interp.modelstore import resolve_speech_model
from interp.speech_output import SpeechOutput
from interp.translation.glossary import Glossary, GlossaryEntry
from interp.translation.service import TranslationService
from interp.translation.translator import Translator

log = logging.getLogger(__name__)


# How long this process keeps the glossary it read before reading it again on next use:
# a coordinator signed in on another node may have changed it (on this node a change
# takes effect at once, through ``use_glossary``).
GLOSSARY_TTL_S = 30.0


class Unavailable(StrEnum):
    """Why speech cannot be recognised on this server."""

    OFF = "off"  # captions are switched off in the settings
    NO_MODEL = "no_model"  # no speech model is installed


class SpeechUnavailable(Exception):
    def __init__(self, why: Unavailable) -> None:
        super().__init__(why)
        self.why = why


def speech_engine(settings: Settings, model: str | None = None) -> CaptionEngine:
    """An engine for ``settings.asr_model`` (or ``model``), installed in models_dir.

    Raises ``interp.modelstore.ModelNotInstalledError``, which says what to install.
    """
    path = resolve_speech_model(settings.models_dir, model or settings.asr_model)
    return CaptionEngine(path, workers=settings.asr_workers)


class LanguageTools:
    def __init__(
        self,
        settings: Settings,
        glossary: Callable[[], Awaitable[Iterable[GlossaryEntry]]] | None = None,
    ) -> None:
        self.settings = settings
        # Reads the organisation's glossary (speech hints, terms kept through translation).
        self._read_glossary = glossary
        self._glossary = Glossary()
        self._glossary_read_at: float | None = None
        self._engine: CaptionEngine | None = None
        self._engine_lock = asyncio.Lock()
        self._translation: TranslationService | None = None
        self._speech_output: SpeechOutput | None = None

    def unavailable(self) -> Unavailable | None:
        """None when speech can be recognised here; otherwise why not."""
        if not self.settings.captions:
            return Unavailable.OFF
        if self._engine is not None:
            return None
        try:
            resolve_speech_model(self.settings.models_dir, self.settings.asr_model)
        except Exception as exc:  # the model store says what to install
            log.warning("speech recognition unavailable: %s", exc)
            return Unavailable.NO_MODEL
        return None

    @property
    def speech_output(self) -> SpeechOutput:
        """Captions read aloud (espeak-ng, or a Piper voice where one is installed)."""
        if self._speech_output is None:
            self._speech_output = SpeechOutput(self.settings.models_dir)
        return self._speech_output

    @property
    def english_from_speech(self) -> bool:
        """Whether the speech model writes English from any language it hears (Whisper's
        translate task): every model but the English-only ones ("….en")."""
        return not self.settings.asr_model.endswith(".en")

    @property
    def translation(self) -> TranslationService:
        if self._translation is None:
            translator = Translator(self.settings.models_dir)
            for problem in translator.problems:
                log.warning("translation model: %s", problem)
            self._translation = TranslationService(translator, self.settings.english_via)
            self._translation.glossary = self._glossary
        return self._translation

    async def engine(self) -> CaptionEngine:
        """The process's speech engine, loaded on first use; raises ``SpeechUnavailable``."""
        async with self._engine_lock:
            if self._engine is None:
                why = self.unavailable()
                if why is not None:
                    raise SpeechUnavailable(why)
                # Loading takes a second or two: not on the event loop.
                self._engine = await asyncio.to_thread(speech_engine, self.settings)
                self._engine.hints = self._glossary.hints()
            engine = self._engine
        await self.refresh_glossary()
        return engine

    @property
    def glossary(self) -> Glossary:
        return self._glossary

    def use_glossary(self, glossary: Glossary) -> None:
        """Recognise and translate with these terms from now on (running streams too)."""
        self._glossary = glossary
        self._glossary_read_at = time.monotonic()
        if self._translation is not None:
            self._translation.glossary = glossary
        if self._engine is not None:
            self._engine.hints = glossary.hints()

    async def refresh_glossary(self, force: bool = False) -> Glossary:
        """The glossary, read again when it is older than ``GLOSSARY_TTL_S`` (or ``force``).
        A failed read keeps the terms already known: captions go on without the change."""
        read_at = self._glossary_read_at
        fresh = read_at is not None and time.monotonic() - read_at < GLOSSARY_TTL_S
        if self._read_glossary is None or (fresh and not force):
            return self._glossary
        try:
            self.use_glossary(Glossary(await self._read_glossary()))
        except Exception:
            log.exception("could not read the glossary; keeping the terms already known")
        return self._glossary

    async def close(self) -> None:
        if self._translation is not None:
            self._translation.close()
        if self._engine is not None:
            await asyncio.to_thread(self._engine.close)
