"""``interp serve``: run the web service."""

from __future__ import annotations

import argparse
import asyncio
import sys

from interp.config import load_settings
from interp.store.database import Database, SchemaOutOfDate

# WebSocket frames larger than this close the connection; the protocol's own limit
# (interp.realtime.protocol.MAX_MESSAGE_BYTES) answers smaller oversized messages clearly.
WS_MAX_FRAME_BYTES = 1024 * 1024


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("serve", help="run the web service")
    parser.add_argument("--host", help="address to listen on (default from settings: 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to listen on (default 8000)")
    parser.set_defaults(handler=serve)


async def _check_schema(url: str) -> None:
    db = Database(url)
    try:
        await db.check_schema()
    finally:
        await db.close()


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from interp.app import create_app

    overrides = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    settings = load_settings(args.config, **overrides)
    try:
        asyncio.run(_check_schema(settings.effective_database_url))
    except SchemaOutOfDate as exc:
        print(f"interp: {exc}", file=sys.stderr)
        return 2
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        ws_max_size=WS_MAX_FRAME_BYTES,
        # Messages are small and fan out to many sockets: compressing each costs more CPU
        # than it saves bytes.
        ws_per_message_deflate=False,
    )
    return 0
