"""The languages the organisation offers, read from the shell (``interp models``, ``doctor``).

The coordinator chooses them on the coordinator page and they are kept in the
database. Before the first start there is no list yet: the server will then offer
``DEFAULT_OFFERED``, so that is what a fresh install prepares for.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from interp.config import Settings
from interp.domain.organisation import Organisation
from interp.languages import DEFAULT_OFFERED
from interp.store.database import Database


@dataclass(frozen=True)
class OfferedLanguages:
    codes: tuple[str, ...]
    # "database", or "defaults" where no list has been chosen (or it cannot be read).
    origin: str


async def _read(url: str) -> list[str]:
    db = Database(url)
    try:
        if await db.current_revision() is None:
            return []
        return [language.code for language in await Organisation(db).offered_languages()]
    finally:
        await db.close()


def _sqlite_missing(url: str) -> bool:
    """Reading a SQLite database that does not exist would create an empty file."""
    parsed = make_url(url)
    return parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").is_file()


def offered_languages(settings: Settings) -> OfferedLanguages:
    url = settings.effective_database_url
    codes: list[str] = []
    if not _sqlite_missing(url):
        try:
            codes = asyncio.run(_read(url))
        except Exception:  # any driver error: the defaults are the honest answer then
            codes = []
    if codes:
        return OfferedLanguages(tuple(codes), "database")
    return OfferedLanguages(DEFAULT_OFFERED, "defaults")
