"""One WebSocket client: validated messages in, JSON messages out, in order."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Mapping
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from interp.realtime.close_codes import CloseCode
from interp.realtime.messages import Pong, error
from interp.realtime.protocol import Field, ProtocolError, parse_message

# A client that keeps sending bad messages is cut off rather than answered forever.
MAX_ERRORS = 20


class Connection:
    def __init__(self, websocket: WebSocket, schema: dict[str, dict[str, Field]]) -> None:
        self.websocket = websocket
        self.schema = schema
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
            raw = frame.get("text")
            if raw is None:
                raw = frame.get("bytes") or b""
            try:
                message = parse_message(raw, self.schema)
            except ProtocolError as exc:
                await self.reject(exc.code, exc.message)
                if self._errors >= MAX_ERRORS:
                    await self.close(CloseCode.POLICY_VIOLATION, "too many invalid messages")
                    return None
                continue
            if message["type"] == "ping":
                await self.send(Pong(type="pong"))
                continue
            return message

    async def reject(self, code: str, message: str) -> None:
        self._errors += 1
        await self.send_error(code, message)

    async def close(self, code: int = CloseCode.DONE, reason: str = "") -> None:
        if self.open:
            # The client may have closed at the same moment.
            with contextlib.suppress(WebSocketDisconnect, RuntimeError):
                await self.websocket.close(code, reason)
