"""Reading how a server's WebSocket ended."""

from __future__ import annotations

import asyncio

from websockets.exceptions import ConnectionClosed

from tests.live_server import JsonSocket


async def closed_with(socket: JsonSocket, within: float = 10) -> int | None:
    """The close code the server sent, reading (and keeping) whatever came before it."""
    try:
        async with asyncio.timeout(within):
            while True:
                await socket.receive(within)
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd is not None else None
