"""The database layer: migrations, the schema check made at start, UTC timestamps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from interp.store.database import Database, SchemaOutOfDate, head_revision, upgrade_schema
from interp.store.models import OfferedLanguage, User


async def test_migrated_database_is_at_head(database: Database) -> None:
    assert await database.current_revision() == head_revision()
    await database.check_schema()


async def test_unmigrated_database_is_refused_with_the_fix(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    try:
        with pytest.raises(SchemaOutOfDate, match="interp db upgrade"):
            await db.check_schema()
    finally:
        await db.close()


async def test_upgrade_is_idempotent(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'twice.db'}"
    await upgrade_schema(url)
    await upgrade_schema(url)
    db = Database(url)
    try:
        await db.check_schema()
    finally:
        await db.close()


async def test_timestamps_come_back_as_the_same_utc_instant(database: Database) -> None:
    # A non-UTC offset on the way in must not shift the instant stored.
    written = datetime(2026, 3, 1, 14, 30, 5, tzinfo=timezone(timedelta(hours=2)))
    async with database.session() as session:
        session.add(
            User(
                id="u1",
                email="a@example.org",
                display_name="A",
                role="volunteer",
                password_hash="x",
                active=True,
                available=False,
                created_at=written,
            )
        )
    async with database.session() as session:
        user = await session.scalar(select(User))
    assert user is not None
    assert user.created_at.tzinfo is UTC
    assert user.created_at == written


async def test_naive_timestamps_are_rejected(database: Database) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        async with database.session() as session:
            session.add(
                User(
                    id="u2",
                    email="b@example.org",
                    display_name="B",
                    role="volunteer",
                    password_hash="x",
                    active=True,
                    available=False,
                    created_at=datetime(2026, 1, 1),
                )
            )


async def test_failed_unit_of_work_writes_nothing(database: Database) -> None:
    with pytest.raises(RuntimeError):
        async with database.session() as session:
            session.add(OfferedLanguage(language_code="es", position=0))
            await session.flush()
            raise RuntimeError("fault mid-way")
    async with database.session() as session:
        assert list(await session.scalars(select(OfferedLanguage))) == []


async def test_upgrading_an_older_schema_keeps_its_data(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    await upgrade_schema(url, "0001")
    db = Database(url)
    try:
        async with db.session() as session:
            session.add(OfferedLanguage(language_code="so", position=0))
        with pytest.raises(SchemaOutOfDate, match="0001"):
            await db.check_schema()
        await upgrade_schema(url)
        await db.check_schema()
        async with db.session() as session:
            kept = await session.scalar(select(OfferedLanguage.language_code))
        assert kept == "so"
    finally:
        await db.close()
