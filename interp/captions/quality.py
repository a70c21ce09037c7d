"""Deciding whether a recognition pass is speech worth showing, and cleaning it up."""

from __future__ import annotations

import re

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


def accept(hypothesis: Hypothesis) -> str:
    """The text to show for ``hypothesis``, or "" when it should be suppressed."""
    if not hypothesis.text:
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
