"""Deciding whether a recognition pass is speech worth showing, and cleaning it up."""

from __future__ import annotations

import re

from interp.captions.phantoms import is_phantom
from interp.captions.recognizer import Hypothesis, compression_ratio

# Whisper's own thresholds: a pass that is probably not speech and not confident.
NO_SPEECH_PROB = 0.6
LOW_LOGPROB = -1.0
# Confidence so low that the text is noise whatever no_speech says.
VERY_LOW_LOGPROB = -1.6
# Text that compresses this well is a loop ("the the the ...").
MAX_COMPRESSION_RATIO = 2.4
# A word or two may be said twice or three times ("no, no, no"); a longer phrase said
# twice in a row is, in practice, the decoder looping.
MAX_SHORT_REPEATS = 3
SHORT_PHRASE_WORDS = 2
# Silero's mean speech probability below which the audio evidence is weak. Breaths and
# room tone between words in the shared speech set, opened by the voicing detector,
# measured 0.00002-0.00003, and Whisper wrote "Let's go." on them at avg_logprob -1.2 to
# -1.6, no_speech_prob 0.45-0.58. Real utterances measured this low too (falsetto,
# whispering: 0.01-0.14), but at avg_logprob -0.15 to -0.48, no_speech_prob 0.00-0.09
# (scripts/bench_phantoms.py).
WEAK_SPEECH_PROBABILITY = 0.2
# What recognition must show for audio the VAD barely heard, and for a phrase Whisper
# is known to invent: every real utterance of the speech benchmarks is inside both.
VOUCHED_LOGPROB = -0.9
VOUCHED_NO_SPEECH = 0.3
# A known phantom phrase is shown only on audio Silero clearly heard as speech.
PHANTOM_SPEECH_PROBABILITY = 0.3


def collapse_repeats(text: str) -> str:
    """Cut a loop: a repeated phrase of three words or more down to one copy, a repeated
    word or pair down to three."""
    out: list[str] = []
    for word in text.split():
        out.append(word)
        for n in range(1, min(8, len(out) // 2) + 1):
            phrase = [_norm(w) for w in out[-n:]]
            copies = 1
            while len(out) >= n * (copies + 1) and [
                _norm(w) for w in out[-n * (copies + 1) : len(out) - n * copies]
            ] == phrase:
                copies += 1
            if copies > (MAX_SHORT_REPEATS if n <= SHORT_PHRASE_WORDS else 1):
                del out[-n:]
                break
    return " ".join(out)


def _norm(word: str) -> str:
    return re.sub(r"[^\w']", "", word.lower())


def vouched(hypothesis: Hypothesis) -> bool:
    """Whether the recogniser itself is confident that it heard speech."""
    return (hypothesis.avg_logprob >= VOUCHED_LOGPROB
            and hypothesis.no_speech_prob <= VOUCHED_NO_SPEECH)


def accept(hypothesis: Hypothesis, speech_probability: float = 1.0) -> str:
    """The text to show for ``hypothesis``, or "" when it should be suppressed.

    ``speech_probability``: the VAD's mean over the audio (vad.Utterance). Weak audio
    evidence needs a confident recognition; a phrase Whisper invents on non-speech (or
    words of the hints alone) needs both a confident recognition and audio the VAD heard
    as speech.
    """
    if not hypothesis.text:
        return ""
    if speech_probability < WEAK_SPEECH_PROBABILITY and not vouched(hypothesis):
        return ""
    # Words of the glossary alone are what Whisper writes on noise when given them as hints
    # (bench_glossary.py): shown on the same terms as a known phantom phrase.
    suspect = hypothesis.echoes_hints or is_phantom(hypothesis.text, hypothesis.language)
    if suspect and not (
        vouched(hypothesis) and speech_probability >= PHANTOM_SPEECH_PROBABILITY
    ):
        return ""
    if hypothesis.no_speech_prob > NO_SPEECH_PROB and hypothesis.avg_logprob < LOW_LOGPROB:
        return ""
    if hypothesis.avg_logprob < VERY_LOW_LOGPROB:
        return ""
    text = collapse_repeats(hypothesis.text)
    if hypothesis.hit_token_cap:
        # The pass was cut short, most likely in a loop: keep whole sentences only.
        ends = [m.end() for m in re.finditer(r"[.!?…](?=\s|$)", text)]
        if ends:
            text = text[: ends[-1]]
    if compression_ratio(text) > MAX_COMPRESSION_RATIO:
        return ""
    if not any(ch.isalnum() for ch in text):
        return ""
    return text
