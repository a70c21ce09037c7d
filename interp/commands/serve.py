"""``interp serve``: run the web service."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from interp.commands.data_dir import unwritable_reason
from interp.config import Settings, load_settings
from interp.store.database import Database, SchemaOutOfDate, head_revision, upgrade_schema

# WebSocket frames larger than this close the connection; the protocol's own limit
# (interp.realtime.protocol.MAX_MESSAGE_BYTES) answers smaller oversized messages clearly.
WS_MAX_FRAME_BYTES = 1024 * 1024


def server_options(settings: Settings) -> dict[str, Any]:
    """How uvicorn serves the app (the test suite's live server uses the same)."""
    trusted = settings.trusted_proxy_list
    return {
        "ws_max_size": WS_MAX_FRAME_BYTES,
        # Messages are small and fan out to many sockets: compressing each costs more CPU
        # than it saves bytes.
        "ws_per_message_deflate": False,
        # X-Forwarded-For (and -Proto) are believed only from the trusted proxies; from
        # anyone else they would let a client choose its own address, and so its limits.
        "proxy_headers": bool(trusted),
        "forwarded_allow_ips": trusted,
    }


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("serve", help="run the web service")
    parser.add_argument("--host", help="address to listen on (default from settings: 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to listen on (default 8000)")
    parser.set_defaults(handler=serve)


async def _prepare_schema(url: str) -> bool:
    """Create the schema in a new, empty database (a fresh install starts with one command);
    refuse one migrated to another version, which `interp db upgrade` must move on
    deliberately. Returns whether it created the schema."""
    db = Database(url)
    try:
        if await db.is_empty():
            await upgrade_schema(url)
            return True
        await db.check_schema()
        return False
    finally:
        await db.close()


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from interp.app import create_app

    overrides = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    settings = load_settings(args.config, **overrides)
    unwritable = unwritable_reason(settings.data_dir)
    if unwritable is not None:
        print(unwritable, file=sys.stderr)
        return 2
    try:
        created = asyncio.run(_prepare_schema(settings.effective_database_url))
    except SchemaOutOfDate as exc:
        print(f"interp: {exc}", file=sys.stderr)
        return 2
    if created:
        print(f"Created the database (schema {head_revision()}).", flush=True)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        **server_options(settings),
    )
    return 0
