"""The async engine, sessions, and the schema-version check made at start."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class SchemaOutOfDate(RuntimeError):
    """The database has not been migrated to the version this code needs."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers work while one writer commits; the busy timeout makes
    # concurrent writers wait their turn instead of failing with "database is locked".
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode NORMAL never corrupts and survives a crash of interp; only a power cut
    # can undo the last moments of commits. FULL would fsync on every commit, and the
    # queue commits often.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def create_engine(url: str, **engine_args: Any) -> AsyncEngine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30}, **engine_args)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, pool_pre_ping=True, **engine_args)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = url
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("")).get_current_head()


async def upgrade_schema(url: str, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` (Alembic runs its own loop, so give it a thread)."""
    await asyncio.to_thread(command.upgrade, alembic_config(url), revision)


def rowcount(result: Any) -> int:
    """Rows an UPDATE or DELETE touched (the typed Result hides the cursor's attribute)."""
    return int(result.rowcount)


class Database:
    """One engine per process; ``session()`` gives a unit of work that commits on success."""

    def __init__(self, url: str, **engine_args: Any) -> None:
        self.url = url
        self.engine = create_engine(url, **engine_args)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self._sessions() as session, session.begin():
            yield session

    async def ping(self) -> None:
        """Raise if the database cannot answer a trivial query now."""
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def current_revision(self) -> str | None:
        def read(conn: Connection) -> str | None:
            return MigrationContext.configure(conn).get_current_revision()

        async with self.engine.connect() as conn:
            return await conn.run_sync(read)

    async def is_empty(self) -> bool:
        """True for a database with no tables at all: new, never migrated."""

        def table_names(conn: Connection) -> list[str]:
            return inspect(conn).get_table_names()

        async with self.engine.connect() as conn:
            return not await conn.run_sync(table_names)

    async def check_schema(self) -> None:
        """Refuse to run on a database older (or newer) than this code."""
        current, head = await self.current_revision(), head_revision()
        if current != head:
            found = current or "no schema"
            raise SchemaOutOfDate(
                f"the database at {self.safe_url} is at {found}, this version of interp needs "
                f"{head}. Run `interp db upgrade` first."
            )

    @property
    def safe_url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    async def close(self) -> None:
        await self.engine.dispose()
