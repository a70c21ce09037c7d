"""Word error rate with a plain normalisation, for tests and benchmarks.

References use different conventions (upper case without punctuation, normalised
lower case, full punctuation), so both sides are lower-cased and stripped of
punctuation before words are compared.
"""

from __future__ import annotations

import re
import unicodedata


def normalise(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("-", " ")
    text = re.sub(r"[^\w\s']", " ", text)
    return [w.strip("'") for w in text.split() if w.strip("'")]


def word_error_rate(reference: str, hypothesis: str) -> float:
    """(substitutions + deletions + insertions) / reference words."""
    ref, hyp = normalise(reference), normalise(hypothesis)
    if not ref:
        return float(bool(hyp))
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        current = [i]
        for j, h in enumerate(hyp, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h)))
        previous = current
    return previous[-1] / len(ref)


def _occurrences(words: list[str], term: list[str]) -> int:
    return sum(words[i : i + len(term)] == term for i in range(len(words) - len(term) + 1))


def terms_recognised(terms: tuple[str, ...], reference: str, hypothesis: str) -> tuple[int, int]:
    """(occurrences of the terms said that the hypothesis spells right, occurrences said),
    each term counted as a whole run of words with the normalisation above: "Mariana's"
    is not "Marianas", "Cintra" is not "Sintra"."""
    ref, hyp = normalise(reference), normalise(hypothesis)
    said = found = 0
    for term in terms:
        words = normalise(term)
        if words:
            in_reference = _occurrences(ref, words)
            said += in_reference
            found += min(in_reference, _occurrences(hyp, words))
    return found, said
