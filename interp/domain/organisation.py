"""What the organisation offers: the languages residents may ask for."""

from __future__ import annotations

from sqlalchemy import delete, func, select

from interp.domain.errors import InvalidInput
from interp.languages import DEFAULT_OFFERED, LANGUAGES, Language
from interp.store.database import Database
from interp.store.models import OfferedLanguage


class Organisation:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def offered_languages(self) -> list[Language]:
        async with self.db.session() as session:
            codes = await session.scalars(
                select(OfferedLanguage.language_code).order_by(
                    OfferedLanguage.position, OfferedLanguage.language_code
                )
            )
            return [LANGUAGES[c] for c in codes if c in LANGUAGES]

    async def is_offered(self, code: str) -> bool:
        async with self.db.session() as session:
            return await session.get(OfferedLanguage, code) is not None

    async def set_offered_languages(self, codes: list[str]) -> list[Language]:
        unknown = [c for c in codes if c not in LANGUAGES]
        if unknown:
            raise InvalidInput(f"Unknown language codes: {', '.join(unknown)}.")
        if not codes:
            raise InvalidInput("Offer at least one language.")
        unique = list(dict.fromkeys(codes))
        async with self.db.session() as session:
            await session.execute(delete(OfferedLanguage))
            session.add_all(
                OfferedLanguage(language_code=c, position=i) for i, c in enumerate(unique)
            )
        return [LANGUAGES[c] for c in unique]

    async def seed_defaults(self) -> bool:
        """Offer a sensible default set on first start; returns whether it did."""
        async with self.db.session() as session:
            if await session.scalar(select(func.count()).select_from(OfferedLanguage)):
                return False
            session.add_all(
                OfferedLanguage(language_code=c, position=i) for i, c in enumerate(DEFAULT_OFFERED)
            )
        return True
