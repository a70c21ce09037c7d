"""The organisation's own words: names of local services, benefits, places, itself.

The coordinator keeps a short list of terms ("Universal Credit", "council tax", the
organisation's name). Speech recognition is given them as hints, so it spells them the
organisation's way, and translation keeps them intact or writes them the way the
organisation chose for a language ("council tax" in Spanish: "impuesto municipal
(council tax)"). Every change is checked whole first: a refused change changes nothing.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from interp.domain.errors import Conflict, InvalidInput, NotFound
from interp.domain.tokens import new_id, utcnow
from interp.i18n import N_
from interp.languages import LANGUAGES
from interp.store.database import Database
from interp.store.models import GlossaryTerm
from interp.translation.glossary import GlossaryEntry

# Whisper's prompt holds about 220 tokens: a few dozen terms reach the recogniser in full,
# and longer lists are cut (recognizer.MAX_HINT_TOKENS). Translation keeps them all.
MAX_TERMS = 200
MAX_TERM_CHARS = 100
MAX_RENDERING_CHARS = 200

# Messages a form shows in the reader's language (``N_`` puts them in the catalogs).
NO_TERM = N_("Write the term.")
TERM_TOO_LONG = N_("A glossary term may be at most 100 characters long.")
RENDERING_TOO_LONG = N_("A term's translation may be at most 200 characters long.")
INVISIBLE = N_("A term and its translations may not contain control or invisible characters.")
TOO_MANY = N_("The glossary holds at most 200 terms: remove one before adding another.")
DUPLICATE = N_("That term is already in the glossary.")
GONE = N_("That term is no longer in the glossary.")
UNKNOWN_LANGUAGE = N_("Unknown language code.")


@dataclass(frozen=True)
class Term:
    id: str
    term: str
    # Language code -> the term as written for readers of that language; a language not
    # named keeps the term as it is.
    renderings: Mapping[str, str] = field(default_factory=dict)


def _clean(value: str, limit: int, too_long: str, name: str) -> str:
    """One line of visible text with single spaces, or InvalidInput saying what is wrong."""
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co") for c in value):
        raise InvalidInput(INVISIBLE, name)
    text = " ".join(value.split())
    if len(text) > limit:
        raise InvalidInput(too_long, name)
    return text


def term_key(term: str) -> str:
    """What two spellings of one term share: "Council  Tax" and "council tax" are one."""
    return " ".join(term.split()).casefold()


def check_term(term: str) -> str:
    text = _clean(term, MAX_TERM_CHARS, TERM_TOO_LONG, "term")
    if not text:
        raise InvalidInput(NO_TERM, "term")
    return text


def check_renderings(renderings: Mapping[str, str]) -> dict[str, str]:
    """Renderings with the empty ones left out (that language keeps the term as it is)."""
    checked: dict[str, str] = {}
    for code, value in renderings.items():
        if code not in LANGUAGES:
            raise InvalidInput(UNKNOWN_LANGUAGE, "renderings")
        text = _clean(value, MAX_RENDERING_CHARS, RENDERING_TOO_LONG, f"rendering_{code}")
        if text:
            checked[code] = text
    return checked


def parse_term_list(text: str) -> list[str]:
    """Terms from a plain text file, one a line (``interp caption --glossary FILE``); blank
    lines and lines starting with ``#`` are skipped. Raises InvalidInput naming the line."""
    terms: list[str] = []
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            term = check_term(line)
        except InvalidInput as exc:
            raise InvalidInput(f"Line {number}: {exc.message}", exc.field) from exc
        if term_key(term) not in seen:
            seen.add(term_key(term))
            terms.append(term)
    if len(terms) > MAX_TERMS:
        raise InvalidInput(TOO_MANY, "term")
    return terms


def _term(row: GlossaryTerm) -> Term:
    return Term(row.id, row.term, json.loads(row.renderings or "{}"))


class Glossary:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def terms(self) -> list[Term]:
        """Every term, in alphabetical order."""
        async with self.db.session() as session:
            rows = await session.scalars(select(GlossaryTerm).order_by(GlossaryTerm.term_key))
            return [_term(row) for row in rows]

    async def entries(self) -> list[GlossaryEntry]:
        """The terms as speech recognition and translation take them."""
        return [GlossaryEntry(t.term, dict(t.renderings)) for t in await self.terms()]

    async def add(self, term: str, renderings: Mapping[str, str] | None = None) -> Term:
        """A new term; InvalidInput for a bad one, Conflict for one already there."""
        text = check_term(term)
        checked = check_renderings(renderings or {})
        try:
            async with self.db.session() as session:
                count = await session.scalar(select(func.count()).select_from(GlossaryTerm))
                if (count or 0) >= MAX_TERMS:
                    raise InvalidInput(TOO_MANY, "term")
                await self._refuse_duplicate(session, text, None)
                row = GlossaryTerm(
                    id=new_id(), term=text, term_key=term_key(text),
                    renderings=json.dumps(checked, ensure_ascii=False, sort_keys=True),
                    created_at=utcnow(),
                )
                session.add(row)
        except IntegrityError as exc:  # the same term added at the same moment elsewhere
            raise Conflict(DUPLICATE) from exc
        return _term(row)

    async def update(
        self, term_id: str, term: str, renderings: Mapping[str, str] | None = None
    ) -> Term:
        """Change a term's spelling and its renderings (all of them, as given)."""
        text = check_term(term)
        checked = check_renderings(renderings or {})
        try:
            async with self.db.session() as session:
                row = await session.get(GlossaryTerm, term_id)
                if row is None:
                    raise NotFound(GONE)
                await self._refuse_duplicate(session, text, term_id)
                row.term = text
                row.term_key = term_key(text)
                row.renderings = json.dumps(checked, ensure_ascii=False, sort_keys=True)
                updated = _term(row)
        except IntegrityError as exc:
            raise Conflict(DUPLICATE) from exc
        return updated

    async def remove(self, term_id: str) -> bool:
        """Whether there was such a term."""
        async with self.db.session() as session:
            result = await session.execute(delete(GlossaryTerm).where(GlossaryTerm.id == term_id))
            return bool(getattr(result, "rowcount", 0))

    @staticmethod
    async def _refuse_duplicate(
        session: AsyncSession, text: str, other_than: str | None
    ) -> None:
        query = select(GlossaryTerm.id).where(GlossaryTerm.term_key == term_key(text))
        existing = await session.scalar(query)
        if existing is not None and existing != other_than:
            raise Conflict(DUPLICATE)
