"""Caption layout for reading: blocks of at most two lines, broken at phrase boundaries.

Follows the BBC subtitle guidelines: lines of at most ``max_chars`` characters (42 by
default), at most two lines per block, line and block breaks after punctuation or
before a conjunction rather than inside a phrase (never right after "the" or "of"),
each block shown long enough to read it (a reading-speed cap in characters per
second, a minimum and a maximum duration), and blocks that never overlap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Words a line should not end with: they bind to what follows.
_BINDING = {
    "a", "an", "the", "of", "to", "in", "on", "at", "for", "with", "by", "from", "and",
    "or", "but", "my", "your", "his", "her", "our", "their", "its", "this", "that", "de",
    "la", "el", "los", "las", "le", "les", "un", "une", "y", "et", "en", "del", "des",
}
# Words a new line may begin with: the start of a new phrase.
_PHRASE_START = {
    "and", "but", "or", "because", "which", "who", "that", "when", "while", "if", "so",
    "although", "y", "pero", "que", "porque", "et", "mais", "qui", "parce",
}
_CLAUSE_END = re.compile(r"[,;:.!?…)\"”]$")
_SENTENCE_END = re.compile(r"[.!?…][\"”)]?$")


@dataclass(frozen=True)
class LayoutOptions:
    max_chars: int = 42
    max_lines: int = 2
    min_duration_s: float = 1.0
    max_duration_s: float = 7.0
    # About 180 words a minute, the BBC's upper reading speed.
    max_chars_per_s: float = 17.0


@dataclass(frozen=True)
class Segment:
    """A finished piece of transcript (one utterance)."""

    start_s: float
    end_s: float
    text: str
    language: str = ""
    speaker: str = ""


@dataclass(frozen=True)
class CaptionBlock:
    start_s: float
    end_s: float
    lines: tuple[str, ...]
    speaker: str = ""

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def _length(words: list[str]) -> int:
    return len(" ".join(words))


def _break_score(words: list[str], i: int) -> float:
    """Cost of breaking before words[i]; lower is better."""
    before, after = words[i - 1], words[i]
    score = 0.0
    if _CLAUSE_END.search(before):
        score -= 10
    if after.lower() in _PHRASE_START:
        score -= 5
    if before.lower().strip(",") in _BINDING:
        score += 10
    return score


def break_lines(words: list[str], max_chars: int) -> list[str] | None:
    """Split one block's words into one or two lines, or None if they do not fit."""
    if _length(words) <= max_chars:
        return [" ".join(words)]
    best: tuple[float, int] | None = None
    for i in range(1, len(words)):
        top, bottom = _length(words[:i]), _length(words[i:])
        if top > max_chars or bottom > max_chars:
            continue
        # Balanced lines read best; a slightly longer bottom line is preferred.
        score = _break_score(words, i) + abs(top - bottom) * 0.4 + (top > bottom) * 1.0
        if best is None or score < best[0]:
            best = (score, i)
    if best is None:
        return None
    return [" ".join(words[: best[1]]), " ".join(words[best[1] :])]


# Costs of a block layout (lower is better): every block costs a little, so that blocks
# are as full as reading allows; a sentence that ends is the best place for a block to
# end; a short block (less than a comfortable line) costs the more the shorter it is, so
# that a sentence's last word never stands alone on screen ("gospel.").
_BLOCK_COST = 4.0
_SENTENCE_END_BONUS = 6.0
_COMFORTABLE_SHARE = 0.6
_SHORTNESS_COST = 0.5


def _block_end_cost(words: list[str], end: int) -> float:
    """Cost of ending a block before words[end] (nothing at the end of the text)."""
    if end == len(words):
        return 0.0
    bonus = _SENTENCE_END_BONUS if _SENTENCE_END.search(words[end - 1]) else 0.0
    return _break_score(words, end) - bonus


def _shortness_cost(chars: int, max_chars: int) -> float:
    return max(0.0, _COMFORTABLE_SHARE * max_chars - chars) * _SHORTNESS_COST


def split_text(text: str, max_chars: int = 42) -> list[list[str]]:
    """The text as blocks of one or two lines each, the blocks chosen together (the
    cheapest layout of the whole text) rather than filled one after another."""
    words = text.split()
    if not words:
        return []
    n = len(words)
    # best[i]: (cost, start of the last block, its lines) of the best layout of words[:i].
    best: list[tuple[float, int, list[str]] | None] = [None] * (n + 1)
    best[0] = (0.0, 0, [])
    for end in range(1, n + 1):
        for start in range(end - 1, -1, -1):
            block = words[start:end]
            if _length(block) > 2 * max_chars + 1 and end - start > 1:
                break  # longer starts only add words
            lines = break_lines(block, max_chars)
            if lines is None and end - start > 1:
                continue
            before = best[start]
            if before is None:
                continue
            whole = start == 0 and end == n  # a short text is one short block: no cost
            cost = (
                before[0]
                + _BLOCK_COST
                + _block_end_cost(words, end)
                + (0.0 if whole else _shortness_cost(_length(block), max_chars))
            )
            current = best[end]
            if current is None or cost < current[0]:
                # A single word longer than a line stands on its own line.
                best[end] = (cost, start, lines or [" ".join(block)])
    blocks: list[list[str]] = []
    end = n
    while end > 0:
        found = best[end]
        assert found is not None
        blocks.append(found[2])
        end = found[1]
    return blocks[::-1]


def layout(segments: list[Segment], options: LayoutOptions | None = None) -> list[CaptionBlock]:
    """Caption blocks for a transcript, timed within each segment by text length."""
    opts = options or LayoutOptions()
    timed: list[tuple[float, float, tuple[str, ...], str]] = []
    for seg in segments:
        blocks = split_text(seg.text, opts.max_chars)
        total = sum(len("".join(lines)) for lines in blocks) or 1
        t = seg.start_s
        for block in blocks:
            share = (seg.end_s - seg.start_s) * len("".join(block)) / total
            timed.append((t, t + share, tuple(block), seg.speaker))
            t += share
    result: list[CaptionBlock] = []
    for i, (start, end, lines, speaker) in enumerate(timed):
        if result:
            start = max(start, result[-1].end_s)
        chars = len(" ".join(lines))
        wanted = max(end - start, opts.min_duration_s, chars / opts.max_chars_per_s)
        end = start + min(wanted, opts.max_duration_s)
        if i + 1 < len(timed):
            # Stretched into the pause before the next block, never over it.
            end = min(end, timed[i + 1][0])
        end = max(end, start + 0.001)
        result.append(CaptionBlock(round(start, 3), round(end, 3), lines, speaker))
    return result
