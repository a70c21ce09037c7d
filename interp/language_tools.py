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
from enum import StrEnum

from interp.captions.engine import CaptionEngine
from interp.config import Settings
from interp.modelstore import resolve_speech_model
from interp.translation.service import TranslationService
from interp.translation.translator import Translator

log = logging.getLogger(__name__)


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
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._engine: CaptionEngine | None = None
        self._engine_lock = asyncio.Lock()
        self._translation: TranslationService | None = None

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
    def translation(self) -> TranslationService:
        if self._translation is None:
            translator = Translator(self.settings.models_dir)
            for problem in translator.problems:
                log.warning("translation model: %s", problem)
            self._translation = TranslationService(translator, self.settings.english_via)
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
            return self._engine

    async def close(self) -> None:
        if self._translation is not None:
            self._translation.close()
        if self._engine is not None:
            await asyncio.to_thread(self._engine.close)
