"""Keeping the organisation's own words through machine translation.

A general translation model knows nothing of "Universal Credit" or the name of the
local advice centre: it translates them word by word ("Crédito Universal"), or into
something else altogether. Before translating, each glossary term found in the text is
replaced by a placeholder the models copy unchanged (a number); afterwards the
placeholder becomes the term again, or its rendering in the target language when the
organisation gave one ("council tax" -> "impuesto municipal (council tax)"). If a model
drops or repeats a placeholder, the text is translated around the terms instead: the
parts between them are translated one by one and the terms put back between them, which
never loses a term but gives the model less context.

This module is plain: the terms come in as strings (``interp.domain.glossary`` keeps them).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

# Placeholders are numbers the text does not already hold, from this one up: translation
# models copy digits through unchanged far more reliably than invented words or symbols.
FIRST_PLACEHOLDER = 7301


@dataclass(frozen=True)
class GlossaryEntry:
    term: str
    # Language code -> how the term is written in that language; languages not named
    # keep the term as it is.
    renderings: Mapping[str, str] = field(default_factory=dict)

    def written_in(self, language: str) -> str:
        return self.renderings.get(language) or self.term


def _pattern(surface: str) -> str:
    words = (re.escape(word) for word in surface.split())
    # Whole words only ("Tax" must not match inside "Taxi"), any spacing between them.
    return r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)"


class Glossary:
    """The terms one organisation keeps through translation and gives speech recognition."""

    def __init__(self, entries: Iterable[GlossaryEntry] = ()) -> None:
        self.entries = tuple(entries)

    def __bool__(self) -> bool:
        return bool(self.entries)

    def hints(self) -> tuple[str, ...]:
        """The terms as they are said, for speech recognition."""
        return tuple(entry.term for entry in self.entries)

    def _matcher(self, source: str) -> tuple[re.Pattern[str], dict[str, GlossaryEntry]] | None:
        """A pattern for every way a term may be written in ``source`` (the term itself
        and its rendering there), longest first so "council tax reduction" wins over
        "council tax"; and the entry each surface form belongs to (case-folded)."""
        forms: dict[str, GlossaryEntry] = {}
        for entry in self.entries:
            for surface in (entry.term, entry.renderings.get(source, "")):
                if surface.strip():
                    forms.setdefault(" ".join(surface.split()).casefold(), entry)
        if not forms:
            return None
        ordered = sorted(forms, key=len, reverse=True)
        return re.compile("|".join(_pattern(f) for f in ordered), re.IGNORECASE), forms

    def translate(
        self, text: str, source: str, target: str, translate: Callable[[str], str]
    ) -> str:
        """``translate(text)`` with every term of the glossary kept (or rendered for
        ``target``); ``translate`` is the model's own translation of a text."""
        matcher = self._matcher(source)
        if matcher is None or source == target:
            return translate(text)
        pattern, forms = matcher
        found = list(pattern.finditer(text))
        if not found:
            return translate(text)
        entries = [forms[" ".join(m.group(0).split()).casefold()] for m in found]
        outputs = [entry.written_in(target) for entry in entries]
        masked, numbers = self._with_placeholders(text, found)
        result = translate(masked)
        slots = [re.compile(rf"(?<!\d){number}(?!\d)") for number in numbers]
        if all(len(slot.findall(result)) == 1 for slot in slots):
            for slot, output in zip(slots, outputs, strict=True):
                result = slot.sub(output.replace("\\", "\\\\"), result)
            return result
        # The model lost or repeated a placeholder: translate the parts between the terms.
        pieces: list[str] = []
        position = 0
        for match, output in zip(found, outputs, strict=True):
            before = text[position:match.start()]
            if before.strip():
                pieces.append(translate(before.strip()))
            pieces.append(output)
            position = match.end()
        after = text[position:]
        if after.strip():
            pieces.append(translate(after.strip()))
        return " ".join(pieces)

    @staticmethod
    def _with_placeholders(
        text: str, found: list[re.Match[str]]
    ) -> tuple[str, list[int]]:
        """The text with each term replaced by a number it does not already hold."""
        taken = {int(n) for n in re.findall(r"\d+", text)}
        numbers: list[int] = []
        candidate = FIRST_PLACEHOLDER
        while len(numbers) < len(found):
            if candidate not in taken:
                numbers.append(candidate)
            candidate += 1
        pieces: list[str] = []
        position = 0
        for match, number in zip(found, numbers, strict=True):
            pieces += [text[position:match.start()], str(number)]
            position = match.end()
        pieces.append(text[position:])
        return "".join(pieces), numbers
