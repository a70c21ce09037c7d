"""Translating caption text with the installed packages, pivoting through English.

Thread-safe and synchronous: call it from a worker thread (``TranslationService``
does), never on the event loop.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from interp.translation.packages import TranslationPackage, installed_packages

PIVOT = "en"
# Caption segments are short; a cheap split on sentence-final punctuation is enough
# and needs no downloaded sentence model.
_SENTENCE_END = re.compile(r"(?<=[.!?。！？؟])\s+")


@dataclass(frozen=True)
class Translation:
    # The translated text, or the source text unchanged when no model covers the pair.
    text: str
    source: str
    target: str
    translated: bool
    # Languages the text passed through, e.g. ("es", "en", "fr") when pivoting.
    route: tuple[str, ...]


def find_route(
    pairs: Iterable[tuple[str, str]], source: str, target: str, pivot: str = PIVOT
) -> tuple[str, ...] | None:
    """The languages from source to target: direct, or through the pivot language."""
    available = set(pairs)
    if source == target:
        return (source,)
    if (source, target) in available:
        return (source, target)
    if (source, pivot) in available and (pivot, target) in available:
        return (source, pivot, target)
    return None


class _LoadedPackage:
    def __init__(self, package: TranslationPackage, compute_type: str, threads: int) -> None:
        import ctranslate2

        # Imported here: importing argostranslate creates folders under the user's home.
        from argostranslate.package import Package

        self.argos = Package(package.path)
        self.model = ctranslate2.Translator(
            str(package.path / "model"),
            device="cpu",
            compute_type=compute_type,
            inter_threads=1,
            intra_threads=threads,
        )
        self.lock = threading.Lock()


class Translator:
    """Runs installed Argos packages on short texts, with a cache of recent results."""

    def __init__(
        self,
        models_dir: Path,
        compute_type: str = "int8",
        threads: int = 1,
        beam_size: int = 2,
        cache_size: int = 4096,
    ) -> None:
        self.models_dir = models_dir
        self.compute_type = compute_type
        self.threads = threads
        self.beam_size = beam_size
        self._cache: OrderedDict[tuple[str, str, str], Translation] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self._loaded: dict[tuple[str, str], _LoadedPackage] = {}
        self._packages: dict[tuple[str, str], TranslationPackage] = {}
        # Model runs since start (one per hop); lets callers see that fan-out and the
        # cache really save work.
        self.model_runs = 0
        self.problems: list[str] = []
        self.reload()

    def reload(self) -> None:
        """Pick up packages installed or removed since start."""
        packages, problems = installed_packages(self.models_dir)
        with self._lock:
            self._packages = {p.pair: p for p in packages}
            self._loaded = {k: v for k, v in self._loaded.items() if k in self._packages}
            self._cache.clear()
            self.problems = problems

    @property
    def pairs(self) -> set[tuple[str, str]]:
        return set(self._packages)

    def route(self, source: str, target: str) -> tuple[str, ...] | None:
        return find_route(self._packages, source, target)

    def translate(self, text: str, source: str, target: str) -> Translation:
        key = (source, target, text)
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached
        route = self.route(source, target)
        if route is None:
            return Translation(text, source, target, translated=False, route=())
        result = text
        for hop_from, hop_to in zip(route, route[1:], strict=False):
            result = self._run(self._load(hop_from, hop_to), result)
        translation = Translation(result, source, target, translated=len(route) > 1, route=route)
        with self._lock:
            self._cache[key] = translation
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return translation

    def _load(self, source: str, target: str) -> _LoadedPackage:
        with self._lock:
            loaded = self._loaded.get((source, target))
            if loaded is None:
                loaded = _LoadedPackage(
                    self._packages[(source, target)], self.compute_type, self.threads
                )
                self._loaded[(source, target)] = loaded
            return loaded

    def _run(self, loaded: _LoadedPackage, text: str) -> str:
        sentences = [s for s in _SENTENCE_END.split(text.strip()) if s]
        if not sentences:
            return ""
        tokenizer: Any = loaded.argos.tokenizer
        batch = [tokenizer.encode(sentence) for sentence in sentences]
        prefix = loaded.argos.target_prefix
        with loaded.lock:
            self.model_runs += 1
            results = loaded.model.translate_batch(
                batch,
                target_prefix=[[prefix]] * len(batch) if prefix else None,
                beam_size=self.beam_size,
                replace_unknowns=True,
                # A runaway hypothesis must not hold the worker: captions are short.
                max_decoding_length=max(16, 3 * max(len(tokens) for tokens in batch)),
            )
        out = []
        for result in results:
            value = tokenizer.decode(result.hypotheses[0])
            if prefix and value.startswith(prefix):
                value = value[len(prefix) :]
            out.append(value.strip())
        return " ".join(out)
