"""Translating a recording's transcript with the installed models (through English when no
model translates the pair directly), or from the English the speech model made of it
(Whisper's translate task) when no model translates from the language spoken."""

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


def _sources(
    service: TranslationService, transcript: Transcript, target: str
) -> list[tuple[str, str]]:
    """What to translate into ``target``, segment by segment: (text, its language)."""
    spoken = [(s.text, s.language) for s in transcript.segments]
    try:
        check_routes(service, transcript, target)
        return spoken
    except MissingTranslation:
        english = transcript.translations.get(PIVOT)
        if english is None or not reachable(service, PIVOT, target):
            raise
    # A model is missing for a language spoken, but the speech model's English reaches.
    return [
        (text, language) if language in ("", target) else (english_text, PIVOT)
        for (text, language), english_text in zip(spoken, english, strict=True)
    ]


async def translate_transcript(
    service: TranslationService,
    transcript: Transcript,
    target: str,
    on_progress: Callable[[float], None] | None = None,
) -> list[str]:
    """Each segment's text in ``target``, in order; ``on_progress`` gets the share done."""
    sources = _sources(service, transcript, target)
    texts = []
    for done, (text, language) in enumerate(sources, 1):
        if language in ("", target):
            texts.append(text)
        else:
            texts.append((await service.translate(text, language, target)).text)
        if on_progress is not None:
            on_progress(done / len(sources))
    return texts
