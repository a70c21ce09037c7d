"""A resident's queue connection: their place in the queue and wait, live, until matched."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from interp.domain.errors import DomainError
from interp.domain.kinds import RequestStatus
from interp.domain.requests import QueuedRequest
from interp.hub import HubMessage, SubscriptionLost
from interp.hub.channels import queue_channel, request_channel
from interp.realtime.close_codes import CloseCode
from interp.realtime.connection import Connection
from interp.realtime.dispatch import Dispatcher
from interp.realtime.handshake import handshake
from interp.realtime.messages import Status
from interp.realtime.protocol import RESIDENT_MESSAGES


class ResidentSession:
    schema = RESIDENT_MESSAGES

    def __init__(self, conn: Connection, dispatcher: Dispatcher, fallback_wait_s: float) -> None:
        self.conn = conn
        self.dispatcher = dispatcher
        self.fallback_wait_s = fallback_wait_s
        self.token = ""
        self.request: QueuedRequest | None = None
        self._last_status: Status | None = None

    async def run(self) -> None:
        self.request = await handshake(
            self.conn, self._welcome, "Send hello with your request link first."
        )
        if self.request is None:
            return
        pump = asyncio.create_task(self._pump())
        try:
            while (message := await self.conn.receive()) is not None:
                if message["type"] == "cancel":
                    await self._cancel()
                else:
                    await self.conn.reject("invalid", "You are already connected.")
        finally:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pump

    async def _welcome(self, hello: dict[str, Any]) -> QueuedRequest | None:
        try:
            request = await self.dispatcher.queue.by_token(hello["token"])
        except DomainError as exc:
            await self.conn.send_error(exc.code, exc.message)
            await self.conn.close(CloseCode.FORBIDDEN, "invalid token")
            return None
        self.token = hello["token"]
        return request

    async def _pump(self) -> None:
        assert self.request is not None
        channels = (request_channel(self.request.id), queue_channel(self.request.language_code))
        try:
            while True:
                async with self.dispatcher.hub.subscribe(*channels) as sub:
                    self.request = await self.dispatcher.queue.get(self.request.id)
                    state = await self.dispatcher.queue_state(self.request.language_code)
                    await self._send_status(state)
                    try:
                        async for message in sub:
                            await self._forward(message)
                    except SubscriptionLost:
                        continue
                    return
        except Exception:
            await self.conn.fail()

    async def _forward(self, message: HubMessage) -> None:
        assert self.request is not None
        event = message.data
        if message.channel.startswith("request:"):
            # The request itself changed: read it back rather than guess its new state.
            self.request = await self.dispatcher.queue.get(self.request.id)
            state = await self.dispatcher.queue_state(self.request.language_code)
            await self._send_status(state)
        elif "order" in event and self.request.status == RequestStatus.OPEN:
            await self._send_status(event)

    async def _send_status(self, queue_state: dict[str, Any]) -> None:
        assert self.request is not None
        order: list[str] = queue_state["order"]
        position = order.index(self.request.id) + 1 if self.request.id in order else None
        # The median recent wait, scaled by how many are ahead: a rough, honest guess.
        estimate = queue_state.get("estimated_wait_s")
        if estimate is not None and position is not None:
            estimate *= position
        status: Status = {
            "type": "status",
            "status": self.request.status,
            "language": self.request.language_code,
            "media": self.request.media,
            "position": position,
            "estimated_wait_s": estimate if position is not None else None,
            "long_wait": self.request.long_wait,
            "fallback_wait_s": self.fallback_wait_s,
            # Waiting, and meanwhile in machine interpretation (opened from another tab).
            "machine": (
                self.request.status == RequestStatus.OPEN and self.request.room_id is not None
            ),
        }
        if self.request.status == RequestStatus.MATCHED or status["machine"]:
            status["call_url"] = f"/call/{self.token}"
        if status != self._last_status:
            self._last_status = status
            await self.conn.send(status)

    async def _cancel(self) -> None:
        try:
            self.request = await self.dispatcher.cancel_request(self.token)
        except DomainError as exc:
            await self.conn.reject(exc.code, exc.message)
