"""How well Whisper recognises each language: its published error rates, as tiers.

The figures are word error rates (%) of Whisper large-v2 on the FLEURS test set, as
labelled in the chart "WER breakdown by language on Fleurs using large-v2" of the
openai/whisper README (language-breakdown.svg, commit 0b5dcfd, December 2022); the
paper tabulates the same results (Radford et al. 2022, "Robust Speech Recognition via
Large-Scale Weak Supervision", Appendix D). The chart lists the 57 languages below
about 50 %; a language Whisper knows but the chart leaves out has tier "unknown".

interp captions with whisper-base by default, which makes more errors than large-v2 in
every language: the tier ranks languages, it does not promise an error rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

SOURCE = (
    "Whisper large-v2 word error rate on FLEURS (openai/whisper README chart, Dec 2022; "
    "Radford et al. 2022, Appendix D)"
)

# Language codes Whisper recognises (openai/whisper, whisper/tokenizer.py LANGUAGES).
_WHISPER_CODES = """
en zh de es ru ko fr ja pt tr pl ca nl ar sv it id hi fi vi he uk el ms cs ro da hu ta no th
ur hr bg lt la mi ml cy sk te fa lv bn sr az sl kn et mk br eu is hy ne mn bs kk sq sw gl mr
pa si km sn yo so af oc ka be tg sd gu am yi lo uz fo ht ps tk nn mt sa lb my bo tl mg as tt
haw ln ha ba jw su yue
"""
WHISPER_LANGUAGES = frozenset(_WHISPER_CODES.split())

FLEURS_WER_LARGE_V2: dict[str, float] = {
    "es": 3.0, "it": 4.0, "en": 4.2, "pt": 4.3, "de": 4.5, "ja": 5.3, "pl": 5.4, "ru": 5.6,
    "nl": 6.7, "id": 7.1, "ca": 7.3, "fr": 8.3, "tr": 8.4, "sv": 8.5, "uk": 8.6, "ms": 8.7,
    "no": 9.5, "fi": 9.7, "vi": 10.3, "th": 11.5, "sk": 11.7, "el": 12.5, "cs": 13.3,
    "hr": 13.4, "tl": 13.8, "da": 13.8, "ko": 14.3, "ro": 14.4, "bg": 14.6, "zh": 14.7,
    "gl": 15.4, "bs": 15.7, "ar": 16.0, "mk": 16.5, "hu": 17.0, "ta": 17.5, "hi": 21.5,
    "et": 21.9, "ur": 22.6, "sl": 23.1, "lv": 23.1, "az": 23.4, "he": 27.1, "lt": 28.1,
    "fa": 32.9, "cy": 33.0, "sr": 33.9, "af": 36.7, "kn": 37.0, "kk": 37.7, "is": 38.2,
    "mr": 38.3, "mi": 38.5, "sw": 39.3, "hy": 44.6, "be": 45.4, "ne": 47.1,
}

GOOD_BELOW = 10.0
FAIR_UP_TO = 25.0


class SpeechTier(StrEnum):
    GOOD = "good"  # under 10 % of words wrong
    FAIR = "fair"  # 10 to 25 %
    WEAK = "weak"  # over 25 %
    UNKNOWN = "unknown"  # Whisper knows the language; no published figure here
    NONE = "none"  # Whisper does not recognise the language
    SIGNED = "signed"  # a sign language: there is no speech to recognise


@dataclass(frozen=True)
class SpeechSupport:
    tier: SpeechTier
    wer: float | None = None  # the published word error rate, in %


def speech_support(code: str, signed: bool = False) -> SpeechSupport:
    if signed:
        return SpeechSupport(SpeechTier.SIGNED)
    wer = FLEURS_WER_LARGE_V2.get(code)
    if wer is None:
        known = code in WHISPER_LANGUAGES
        return SpeechSupport(SpeechTier.UNKNOWN if known else SpeechTier.NONE)
    if wer < GOOD_BELOW:
        return SpeechSupport(SpeechTier.GOOD, wer)
    return SpeechSupport(SpeechTier.FAIR if wer <= FAIR_UP_TO else SpeechTier.WEAK, wer)
