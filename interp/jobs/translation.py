"""Translating a recording's transcript with the installed models (through English when no
model translates the pair directly)."""

from __future__ import annotations

from collections.abc import Callable

from interp.domain.caption_jobs import Transcript
from interp.translation.service import TranslationService
from interp.translation.translator import PIVOT

INSTALL_COMMAND = "interp models install translation {source} {target}"


class MissingTranslation(Exception):
    """No installed model, direct or through English, translates ``source`` to ``target``."""

    def __init__(self, source: str, target: str, pairs: list[tuple[str, str]]) -> None:
        self.source = source
        self.target = target
        self.pairs = pairs
        super().__init__(f"no translation model from {source} to {target}: install "
                         + " and ".join(self.commands))

    @property
    def commands(self) -> list[str]:
        """What installs the missing models, one command per pair."""
        return [INSTALL_COMMAND.format(source=s, target=t) for s, t in self.pairs]


def missing_pairs(
    pairs: set[tuple[str, str]], source: str, target: str
) -> list[tuple[str, str]]:
    """The pairs to install for ``source`` to reach ``target``: the pair itself when one
    side is English, else the two halves of the way through English that are missing."""
    if source in (PIVOT, target) or target == PIVOT:
        return [] if source == target or (source, target) in pairs else [(source, target)]
    return [pair for pair in ((source, PIVOT), (PIVOT, target)) if pair not in pairs]


def reachable(service: TranslationService, source: str, target: str) -> bool:
    return source == target or service.translator.route(source, target) is not None


def check_routes(service: TranslationService, transcript: Transcript, target: str) -> None:
    """Raise ``MissingTranslation`` unless every language spoken in the recording reaches
    ``target``; models installed since the last look are picked up first."""
    translator = service.translator
    for source in transcript.languages():
        if not reachable(service, source, target):
            translator.reload()
        if not reachable(service, source, target):
            raise MissingTranslation(source, target, missing_pairs(translator.pairs, source,
                                                                   target))


async def translate_transcript(
    service: TranslationService,
    transcript: Transcript,
    target: str,
    on_progress: Callable[[float], None] | None = None,
) -> list[str]:
    """Each segment's text in ``target``, in order; ``on_progress`` gets the share done."""
    check_routes(service, transcript, target)
    texts = []
    total = len(transcript.segments)
    for done, segment in enumerate(transcript.segments, 1):
        if segment.language in ("", target):
            texts.append(segment.text)
        else:
            texts.append((await service.translate(segment.text, segment.language, target)).text)
        if on_progress is not None:
            on_progress(done / total)
    return texts
