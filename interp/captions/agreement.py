"""LocalAgreement: commit only the words that consecutive passes agree on.

Each partial pass re-recognises the whole utterance so far. A word is committed once
two passes in a row produce the same words up to and including it; committed words
never change until the final pass of the utterance replaces everything. What is not
yet committed is shown as tentative text.
"""

from __future__ import annotations

import re


def _key(word: str) -> str:
    return re.sub(r"[^\w']", "", word.lower())


class LocalAgreement:
    def __init__(self) -> None:
        self.committed: list[str] = []
        self._previous: list[str] = []

    def update(self, text: str) -> tuple[str, str]:
        """Take a new hypothesis; return (committed text, tentative text)."""
        words = text.split()
        agreed = 0
        for a, b in zip(self._previous, words, strict=False):
            if _key(a) != _key(b):
                break
            agreed += 1
        keys = [_key(w) for w in words]
        # Committed words stay; extend them only where this hypothesis continues them.
        if agreed > len(self.committed) and keys[: len(self.committed)] == [
            _key(w) for w in self.committed
        ]:
            self.committed = self.committed + words[len(self.committed) : agreed]
        self._previous = words
        if keys[: len(self.committed)] == [_key(w) for w in self.committed]:
            tentative = words[len(self.committed) :]
        else:
            tentative = []
        return " ".join(self.committed), " ".join(tentative)
