"""Translated partials: while someone speaks, readers of other languages follow along.

Each speaker's utterance in progress is translated from its newest partial, once per
language read in the room: its first partial at once, then at most every
``interval_s`` and only when its words grew since the last translation. Finals come
first: a partial is translated only while the translation worker has nothing else to
do, so it never sits in the worker's queue in front of a final; meanwhile newer
partials replace it, and once its utterance's final is out it is dropped, translated
or not.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from interp.translation.service import TranslationService
from interp.translation.translator import Translation

log = logging.getLogger(__name__)

# How often a partial waiting for a busy translation worker looks again.
BUSY_RETRY_S = 0.1

PublishTranslations = Callable[
    [dict[str, Any], str, str, dict[str, Translation]], Awaitable[None]
]


@dataclass(frozen=True)
class _Partial:
    base: dict[str, Any]  # the caption message without its text
    text: str
    source: str
    targets: frozenset[str]

    @property
    def seq(self) -> int:
        return int(self.base["seq"])


def word_count(text: str) -> int:
    return len(text.split())


class PartialTranslations:
    """The translated partials of one speaker's caption stream."""

    def __init__(
        self,
        translation: TranslationService,
        publish: PublishTranslations,
        interval_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.translation = translation
        self.publish = publish
        self.interval_s = interval_s
        self.clock = clock
        self._newest: _Partial | None = None
        self._task: asyncio.Task[None] | None = None
        self._last_started = -math.inf
        self._last_seq = -1  # the utterance of the partial translated last
        self._final_seq = -1  # the last utterance whose final went out
        self._words: dict[int, int] = {}  # utterance -> words in its last translated partial

    def offer(
        self, base: dict[str, Any], text: str, source: str, targets: set[str]
    ) -> None:
        """The newest partial of the utterance ``base["seq"]``; returns at once."""
        if math.isinf(self.interval_s) or not targets or not text.strip():
            return
        partial = _Partial(base, text, source, frozenset(targets))
        if partial.seq <= self._final_seq or word_count(text) <= self._words.get(partial.seq, 0):
            return
        self._newest = partial
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="partial-translations")

    def finished(self, seq: int) -> None:
        """Utterance ``seq`` is final: what is left of its partials is stale."""
        self._final_seq = max(self._final_seq, seq)
        self._words = {s: n for s, n in self._words.items() if s > seq}
        if self._newest is not None and self._newest.seq <= seq:
            self._newest = None

    async def _run(self) -> None:
        while self._newest is not None:
            # A new utterance's first words go at once: the wait is within an utterance.
            wait = self._last_started + self.interval_s - self.clock()
            if wait > 0 and self._newest.seq == self._last_seq:
                await asyncio.sleep(wait)
                continue
            if self.translation.busy:
                await asyncio.sleep(BUSY_RETRY_S)
                continue
            partial, self._newest = self._newest, None
            self._last_started, self._last_seq = self.clock(), partial.seq
            try:
                translations = await self.translation.translate_while_idle(
                    partial.text, partial.source, partial.targets
                )
                if partial.seq <= self._final_seq or not translations:
                    continue  # its final went out meanwhile, or a final took the worker
                self._words[partial.seq] = word_count(partial.text)
                await self.publish(partial.base, partial.text, partial.source, translations)
            except Exception:  # tentative text: the final that follows is what matters
                log.exception("could not translate a partial caption")

    async def close(self) -> None:
        self._newest = None
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
