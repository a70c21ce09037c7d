"""Asynchronous translation for the live caption fan-out.

One worker thread runs the models, so translation never blocks the event loop
and never competes with speech recognition for more than one core. A segment is
translated once per target language, however many listeners read that language.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from interp.translation.translator import Translation, Translator


class TranslationService:
    def __init__(self, translator: Translator) -> None:
        self.translator = translator
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="translate")

    async def translate(self, text: str, source: str, target: str) -> Translation:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._executor, self.translator.translate, text, source, target
        )

    async def translate_to(
        self, text: str, source: str, targets: Iterable[str]
    ) -> dict[str, Translation]:
        """``text`` in each distinct target language (the source language is passed through)."""
        wanted = sorted(set(targets))
        results = await asyncio.gather(*(self.translate(text, source, t) for t in wanted))
        return dict(zip(wanted, results, strict=True))

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
