"""Which languages espeak-ng can read aloud on this server (interp.speech_output speaks
with it, or with a Piper voice where one is installed), for speech output and for the
coverage table.
"""

from __future__ import annotations

import shutil
import subprocess
from enum import StrEnum
from functools import cache

ESPEAK = "espeak-ng"
# interp's language codes that espeak-ng names otherwise.
ESPEAK_NAMES = {"zh": "cmn", "kmr": "ku"}
TIMEOUT_S = 5.0


class VoiceState(StrEnum):
    ESPEAK = "espeak-ng"  # espeak-ng has a voice for the language
    NONE = "none"  # espeak-ng is installed and has no voice for it
    NOT_INSTALLED = "no espeak-ng"  # espeak-ng is not installed on this server
    SIGNED = "signed"  # a sign language is not spoken


def parse_espeak_voices(listing: str) -> frozenset[str]:
    """Language codes from ``espeak-ng --voices``: its second column, e.g. ``fa`` or
    ``en-gb-scotland``; each is counted under its primary subtag as well."""
    codes: set[str] = set()
    for line in listing.splitlines()[1:]:
        columns = line.split()
        if len(columns) >= 2:
            codes.add(columns[1].lower())
            codes.add(columns[1].split("-")[0].lower())
    return frozenset(codes)


@cache
def espeak_languages() -> frozenset[str] | None:
    """The languages espeak-ng speaks here; None when it is not installed (or fails)."""
    program = shutil.which(ESPEAK)
    if program is None:
        return None
    try:
        result = subprocess.run(
            [program, "--voices"], capture_output=True, text=True, timeout=TIMEOUT_S, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return parse_espeak_voices(result.stdout)


def voice_state(code: str, signed: bool = False) -> VoiceState:
    if signed:
        return VoiceState.SIGNED
    languages = espeak_languages()
    if languages is None:
        return VoiceState.NOT_INSTALLED
    return VoiceState.ESPEAK if espeak_name(code) in languages else VoiceState.NONE


def espeak_name(code: str) -> str:
    """espeak-ng's name for the voice of a language."""
    return ESPEAK_NAMES.get(code, code)
