"""Asynchronous translation for the live caption fan-out.

One worker thread runs the models, so translation never blocks the event loop
and never competes with speech recognition for more than one core. A segment is
translated once per target language, however many listeners read that language.
Tentative text (a partial caption) is translated only while the worker is idle
(``translate_while_idle``), so it never makes a final wait.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from interp.translation.glossary import Glossary
from interp.translation.translator import PIVOT, Translation, Translator

# Where English comes from when a speaker's language is not English: "argos" (a
# translation model), "whisper" (the speech model's translate task, a second pass
# over the audio) or "auto" (a model when one is installed, Whisper otherwise).
ENGLISH_SOURCES = ("auto", "argos", "whisper")


class TranslationService:
    def __init__(self, translator: Translator, english_via: str = "auto") -> None:
        if english_via not in ENGLISH_SOURCES:
            raise ValueError(f"english_via must be one of {', '.join(ENGLISH_SOURCES)}")
        self.translator = translator
        self.english_via = english_via
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="translate")
        self._waiting = 0  # translations handed to the worker and not yet done
        # The organisation's own words, kept (or rendered) through every translation;
        # replaced as a whole when the coordinator changes them.
        self.glossary = Glossary()

    @property
    def busy(self) -> bool:
        """Whether the worker has a translation to do or under way."""
        return self._waiting > 0

    def wants_whisper_english(self, source: str, targets: Iterable[str]) -> bool:
        """Whether captions in ``source`` should carry Whisper's English for these readers."""
        if source == PIVOT or self.english_via == "argos":
            return False
        # Whisper's English helps readers of English and of languages reached from it.
        helped = [
            t for t in targets
            if t != source and (t == PIVOT or self.translator.route(PIVOT, t) is not None)
        ]
        if not helped:
            return False
        if self.english_via == "whisper":
            return True
        return any(self.translator.route(source, t) is None for t in helped)

    def reachable(self, source: str, target: str) -> bool:
        """Whether captions in ``source`` can reach readers of ``target`` at all."""
        if self.translator.route(source, target) is not None:
            return True
        via_whisper = self.english_via != "argos" and source != PIVOT
        return via_whisper and (target == PIVOT or self.translator.route(PIVOT, target) is not None)

    async def translate(self, text: str, source: str, target: str) -> Translation:
        loop = asyncio.get_running_loop()
        self._waiting += 1
        try:
            return await loop.run_in_executor(
                self._executor, self.translate_now, text, source, target
            )
        finally:
            self._waiting -= 1

    def translate_now(self, text: str, source: str, target: str) -> Translation:
        """``translate`` on the caller's thread (a worker's), with the glossary kept."""
        glossary = self.glossary
        if not glossary or self.translator.route(source, target) is None:
            return self.translator.translate(text, source, target)
        route: tuple[str, ...] = ()

        def model(part: str) -> str:
            nonlocal route
            result = self.translator.translate(part, source, target)
            route = result.route
            return result.text

        kept = glossary.translate(text, source, target, model)
        return Translation(kept, source, target, source != target, route)

    async def translate_while_idle(
        self, text: str, source: str, targets: Iterable[str]
    ) -> dict[str, Translation]:
        """``text`` in each target language, one language after another while nothing else
        waits for the worker; the languages done before it got busy (none if it was)."""
        done: dict[str, Translation] = {}
        for target in sorted(set(targets)):
            if self.busy:
                break
            done[target] = await self.translate(text, source, target)
        return done

    async def translate_to(
        self, text: str, source: str, targets: Iterable[str], english: str | None = None
    ) -> dict[str, Translation]:
        """``text`` in each distinct target language (the source language is passed through).

        ``english`` is the speech model's own English for the same words, when it made
        one: English readers get it as it is, and languages no model reaches from
        ``source`` are translated from it.
        """
        wanted = sorted(set(targets))
        results = await asyncio.gather(
            *(self._one(text, source, target, english) for target in wanted)
        )
        return dict(zip(wanted, results, strict=True))

    async def _one(self, text: str, source: str, target: str, english: str | None) -> Translation:
        whisper_first = english is not None and source not in (PIVOT, target) and (
            self.english_via == "whisper" or self.translator.route(source, target) is None
        )
        if not whisper_first or english is None:
            return await self.translate(text, source, target)
        if target == PIVOT:
            return Translation(english, source, target, True, (source, PIVOT))
        onward = await self.translate(english, PIVOT, target)
        if not onward.translated:
            return Translation(text, source, target, False, ())
        return Translation(onward.text, source, target, True, (source, *onward.route))

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
