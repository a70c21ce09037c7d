"""``interp db``: apply and inspect database migrations."""

from __future__ import annotations

import argparse
import asyncio
import sys

from interp.commands.data_dir import unwritable_reason
from interp.config import load_settings
from interp.store.database import Database, head_revision, upgrade_schema


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("db", help="database migrations")
    sub = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    sub.add_parser("upgrade", help="apply every pending migration").set_defaults(handler=upgrade)
    sub.add_parser("current", help="show the schema version").set_defaults(handler=current)


def upgrade(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    # The SQLite database lives in the data directory.
    unwritable = (
        unwritable_reason(settings.data_dir)
        if settings.effective_database_url.startswith("sqlite")
        else None
    )
    if unwritable is not None:
        print(unwritable, file=sys.stderr)
        return 2
    asyncio.run(upgrade_schema(settings.effective_database_url))
    print(f"Database schema is at {head_revision()} (latest).")
    return 0


async def _current(url: str) -> str | None:
    db = Database(url)
    try:
        return await db.current_revision()
    finally:
        await db.close()


def current(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    revision = asyncio.run(_current(settings.effective_database_url))
    head = head_revision()
    print(f"current: {revision or 'none (run `interp db upgrade`)'}\nlatest:  {head}")
    return 0 if revision == head else 1
