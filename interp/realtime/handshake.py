"""The start of every socket that needs a ``hello``: nothing else until it has come.

Until the client's ``hello`` arrives, any other message is refused (and counts
towards the connection's limit of refused messages); a client that sends no hello
within ``HELLO_TIMEOUT_S`` of connecting is closed with ``CloseCode.NO_HELLO``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from interp.realtime.close_codes import CloseCode
from interp.realtime.connection import Connection

HELLO_TIMEOUT_S = 10.0

T = TypeVar("T")


async def handshake(
    conn: Connection,
    welcome: Callable[[dict[str, Any]], Awaitable[T | None]],
    refusal: str,
    timeout_s: float = HELLO_TIMEOUT_S,
) -> T | None:
    """Wait for the client's ``hello`` and answer it with ``welcome``.

    ``welcome`` returns what the session goes on with, or None once it has refused the
    hello: if it closed the connection that is the end, if not the client may send
    another hello. Any other message first is refused with ``refusal``, a sentence for
    the person. None when the client went, was refused for good or said nothing in time.
    """
    deadline = asyncio.get_running_loop().time() + timeout_s
    while conn.open:
        try:
            async with asyncio.timeout_at(deadline):
                message = await conn.receive()
        except TimeoutError:
            await conn.close(CloseCode.NO_HELLO, "no hello")
            return None
        if message is None:
            return None
        if message["type"] != "hello":
            await conn.reject("invalid", refusal)
            continue
        accepted = await welcome(message)
        if accepted is not None:
            return accepted
    return None
