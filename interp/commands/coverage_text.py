"""The coverage table as text, for ``interp models status`` and ``interp doctor``."""

from __future__ import annotations

from collections.abc import Sequence

from interp.coverage import INSTALL_OFFERED, Gap, LanguageCoverage, argos_index, speech_quality
from interp.coverage.speech_quality import SpeechTier
from interp.coverage.translation_reach import Direction, Reach
from interp.languages import get_language

DASH = "-"


def language_label(code: str) -> str:
    language = get_language(code)
    return f"{language.english_name if language else code} ({code})"


def speech_cell(row: LanguageCoverage) -> str:
    speech = row.speech
    if speech.tier == SpeechTier.SIGNED:
        return DASH
    if speech.wer is not None:
        return f"{speech.tier} ({speech.wer:.1f}% WER)"
    return "not recognised" if speech.tier == SpeechTier.NONE else "unknown"


def direction_cell(direction: Direction) -> str:
    match direction.reach:
        case Reach.INSTALLED:
            return "via English" if direction.through_english else "installed"
        case Reach.INSTALLABLE:
            return "not installed"
        case Reach.NO_MODEL:
            return "no open model"
        case _:
            return DASH


def notes(rows: Sequence[LanguageCoverage]) -> list[str]:
    """What each gap means for a resident, and the command that fills it where one does."""
    lines = []
    installable = [row for row in rows if row.fix]
    if installable:
        names = ", ".join(row.language.english_name for row in installable)
        lines.append(f"translation not installed for {names}; run: {INSTALL_OFFERED}")
    for row in rows:
        if row.gap == Gap.NO_MODEL:
            lines.append(
                f"{row.language.english_name}: no open translation model reaches it; "
                "residents get human interpreters, and machine captions in their own words "
                "untranslated"
            )
        elif row.gap == Gap.SIGNED:
            lines.append(
                f"{row.language.english_name}: a sign language has no text to caption or "
                "translate; residents get human interpreters only"
            )
    return lines


def table_lines(rows: Sequence[LanguageCoverage], local: str) -> list[str]:
    headers = ("language", "interface", "speech", f"to {local}", f"from {local}", "voice")
    cells = [
        (
            language_label(row.code),
            "yes" if row.ui else "no",
            speech_cell(row),
            direction_cell(row.to_local),
            direction_cell(row.from_local),
            DASH if row.language.signed else str(row.voice),
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in [headers, *cells]) for i in range(len(headers))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
             for line in [headers, *cells]]
    return [*lines, *notes(rows)]


def sources_lines() -> list[str]:
    return [
        f"speech: {speech_quality.SOURCE}; good < 10%, fair 10-25%, weak > 25%; "
        "captions here use the configured model (whisper-base by default), less accurate",
        f"translation: Argos Translate packages known from {argos_index.SOURCE}",
    ]
