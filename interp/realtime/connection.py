"""One WebSocket client: validated messages in, JSON messages out, in order."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from interp.rate_limit import TokenBucket
from interp.realtime.close_codes import CloseCode
from interp.realtime.messages import Pong, error
from interp.realtime.protocol import Field, ProtocolError, parse_message

log = logging.getLogger(__name__)

Endpoint = Callable[[WebSocket], Awaitable[None]]

# A client that keeps sending bad messages (or too many) is cut off rather than answered
# forever.
MAX_ERRORS = 20


class Connection:
    def __init__(
        self, websocket: WebSocket, schema: dict[str, dict[str, Field]], bucket: TokenBucket
    ) -> None:
        self.websocket = websocket
        self.schema = schema
        self.bucket = bucket
        self._send_lock = asyncio.Lock()
        self._errors = 0

    @property
    def open(self) -> bool:
        """Whether messages can still be sent: neither side has closed."""
        return self.websocket.application_state == WebSocketState.CONNECTED

    async def send(self, message: Mapping[str, Any]) -> None:
        """Send, or drop the message if the client has gone (its reader notices and ends)."""
        async with self._send_lock:
            if not self.open:
                return
            try:
                await self.websocket.send_text(json.dumps(message, separators=(",", ":")))
            except (WebSocketDisconnect, RuntimeError):
                self.websocket.application_state = WebSocketState.DISCONNECTED

    async def send_error(self, code: str, message: str) -> None:
        await self.send(error(code, message))

    async def receive(self) -> dict[str, Any] | None:
        """The next valid message, answering invalid ones; None once the client has gone."""
        while True:
            try:
                frame = await self.websocket.receive()
            except (WebSocketDisconnect, RuntimeError):
                return None
            if frame["type"] == "websocket.disconnect":
                return None
            # Paced before parsing: a flood costs the server no more than counting it.
            if not self.bucket.take():
                slow_down = "Too many messages: wait a moment, then go on."
                if await self._refuse("rate_limited", slow_down, "too many messages"):
                    return None
                continue
            raw = frame.get("text")
            if raw is None:
                raw = frame.get("bytes") or b""
            try:
                message = parse_message(raw, self.schema)
            except ProtocolError as exc:
                if await self._refuse(exc.code, exc.message, "too many invalid messages"):
                    return None
                continue
            if message["type"] == "ping":
                await self.send(Pong(type="pong"))
                continue
            return message

    async def _refuse(self, code: str, message: str, reason: str) -> bool:
        """Answer a refused message; True once the client has been cut off for refusals."""
        await self.reject(code, message)
        if self._errors < MAX_ERRORS:
            return False
        await self.close(CloseCode.POLICY_VIOLATION, reason)
        return True

    async def reject(self, code: str, message: str) -> None:
        self._errors += 1
        await self.send_error(code, message)

    async def close(self, code: int = CloseCode.DONE, reason: str = "") -> None:
        if self.open:
            # The client may have closed at the same moment.
            with contextlib.suppress(WebSocketDisconnect, RuntimeError):
                await self.websocket.close(code, reason)

    async def fail(self) -> None:
        """See ``close_after_failure``: for a task of the session's own (its hub pump),
        whose exception nobody else would see; closing ends the session's reading too."""
        await close_after_failure(self.websocket)


async def close_after_failure(websocket: WebSocket) -> None:
    """Called while handling an exception nobody foresaw: log it and close with 1011, so
    that the client is told (rather than left with a dead connection) and reconnects."""
    log.exception("WebSocket handler failed on %s", websocket.url.path)
    if websocket.application_state == WebSocketState.CONNECTED:
        # The client may have closed at the same moment.
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):
            await websocket.close(CloseCode.INTERNAL_ERROR, "server error")


def closing_on_failure(endpoint: Endpoint) -> Endpoint:
    """A WebSocket endpoint whose unforeseen failures are logged and answered with close
    code 1011: left alone, the server would drop the connection with no close frame."""

    @functools.wraps(endpoint)
    async def guarded(websocket: WebSocket) -> None:
        try:
            await endpoint(websocket)
        except Exception:
            await close_after_failure(websocket)

    return guarded
