"""One row per language: what interp can do for its speakers on this server.

Interface catalog, speech recognition (with its published quality), translation to
and from the local language, a voice, and for sign languages what they get instead.
Built from what is installed and from static lists (``argos_index``,
``speech_quality``); nothing here reaches the network.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from interp.coverage.speech_quality import SpeechSupport, speech_support
from interp.coverage.translation_reach import Direction, Pair, Reach, direction
from interp.coverage.voices import VoiceState, voice_state
from interp.i18n import UI_LOCALES
from interp.languages import Language, get_language
from interp.translation.packages import installed_packages

INSTALL_OFFERED = "interp models install --offered"
_UI_CODES = frozenset(locale.code for locale in UI_LOCALES)


class Gap(StrEnum):
    NONE = "none"  # translated both ways (or the local language itself)
    INSTALLABLE = "installable"  # open models exist but are not installed here
    NO_MODEL = "no model"  # no open translation model reaches the language
    SIGNED = "signed"  # a sign language: human interpreters only


@dataclass(frozen=True)
class LanguageCoverage:
    language: Language
    ui: bool
    speech: SpeechSupport
    to_local: Direction
    from_local: Direction
    voice: VoiceState

    @property
    def code(self) -> str:
        return self.language.code

    @property
    def missing_packages(self) -> tuple[Pair, ...]:
        return tuple(dict.fromkeys((*self.to_local.missing, *self.from_local.missing)))

    @property
    def gap(self) -> Gap:
        reaches = {self.to_local.reach, self.from_local.reach}
        if Reach.SIGNED in reaches:
            return Gap.SIGNED
        if Reach.NO_MODEL in reaches:
            return Gap.NO_MODEL
        return Gap.INSTALLABLE if Reach.INSTALLABLE in reaches else Gap.NONE

    @property
    def fix(self) -> str:
        """The one command that fills the gap, if a command can."""
        return INSTALL_OFFERED if self.missing_packages else ""


def language_coverage(
    language: Language, local: str, installed: Iterable[Pair]
) -> LanguageCoverage:
    pairs = set(installed)
    if language.signed:
        to_local = from_local = Direction(Reach.SIGNED)
    else:
        to_local = direction(language.code, local, pairs)
        from_local = direction(local, language.code, pairs)
    return LanguageCoverage(
        language=language,
        ui=language.code in _UI_CODES,
        speech=speech_support(language.code, language.signed),
        to_local=to_local,
        from_local=from_local,
        voice=voice_state(language.code, language.signed),
    )


def coverage_table(codes: Iterable[str], local: str, models_dir: Path) -> list[LanguageCoverage]:
    """A row for each known language in ``codes``, in their order."""
    packages, _problems = installed_packages(models_dir)
    installed = {package.pair for package in packages}
    languages = [lang for code in dict.fromkeys(codes) if (lang := get_language(code))]
    return [language_coverage(language, local, installed) for language in languages]


def packages_to_install(rows: Iterable[LanguageCoverage]) -> list[Pair]:
    return sorted({pair for row in rows for pair in row.missing_packages})
