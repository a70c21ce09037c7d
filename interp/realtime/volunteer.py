"""A volunteer's dashboard connection: live requests in their languages, and accepting one.

The socket holds the rights the account has now, not those it had when it opened: the
account is read again before each request shown and each message that uses it, and an
``account.changed`` event (deactivated, languages changed) makes the session read it at
once. A deactivated account's socket closes; new languages change what it listens to.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from interp.domain.accounts import Account, Accounts
from interp.domain.errors import Conflict, DomainError, InvalidInput
from interp.domain.kinds import AccountRole
from interp.domain.requests import StillInCall
from interp.hub import HubMessage, Subscription, SubscriptionLost
from interp.hub.channels import account_channel, bookings_channel, queue_channel
from interp.realtime.close_codes import CloseCode
from interp.realtime.connection import Connection
from interp.realtime.dispatch import Dispatcher
from interp.realtime.messages import (
    Accepted,
    BookingChanged,
    Error,
    Queue,
    RequestGone,
    RequestLongWait,
    RequestNew,
)
from interp.realtime.protocol import VOLUNTEER_MESSAGES


class VolunteerSession:
    schema = VOLUNTEER_MESSAGES

    def __init__(
        self, conn: Connection, account: Account, dispatcher: Dispatcher, accounts: Accounts
    ) -> None:
        self.conn = conn
        self.account = account
        self.dispatcher = dispatcher
        self.accounts = accounts
        self.available = account.available
        self._sub: Subscription | None = None

    @property
    def channels(self) -> list[str]:
        # Only an available volunteer hears about requests.
        return [queue_channel(code) for code in self.account.languages] if self.available else []

    async def run(self) -> None:
        pump = asyncio.create_task(self._pump())
        try:
            while (message := await self.conn.receive()) is not None:
                await self._handle(message)
        finally:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pump

    async def _snapshot(self) -> None:
        requests = await self.dispatcher.queue.open_for(self.account.languages, self.account.id)
        snapshot: Queue = {
            "type": "queue",
            "available": self.available,
            "requests": [r.as_dict() for r in requests] if self.available else [],
        }
        await self.conn.send(snapshot)

    async def _pump(self) -> None:
        try:
            while True:
                # Bookings are planned ahead: shown whether or not the volunteer is available.
                bookings = [bookings_channel(code) for code in self.account.languages]
                channels = (account_channel(self.account.id), *self.channels, *bookings)
                async with self.dispatcher.hub.subscribe(*channels) as sub:
                    self._sub = sub
                    if not await self._still_allowed():
                        return
                    await self._snapshot()
                    try:
                        async for message in sub:
                            await self._forward(message)
                    except SubscriptionLost:
                        continue  # resubscribe and send a fresh snapshot
                    return
        except Exception:
            await self.conn.fail()

    async def _still_allowed(self) -> bool:
        """Read the account again and follow its languages; if it may no longer take
        requests, close the socket (the page asks the person to sign in) and say no."""
        account = await self.accounts.get(self.account.id)
        if account is None or not account.active or account.role != AccountRole.VOLUNTEER:
            await self.conn.close(CloseCode.UNAUTHORISED, "account deactivated")
            return False
        dropped = set(self.account.languages) - set(account.languages)
        added = set(account.languages) - set(self.account.languages)
        self.account = account
        if self._sub is not None and self.available:
            for code in sorted(dropped):
                await self._sub.remove(queue_channel(code))
            for code in sorted(added):
                await self._sub.add(queue_channel(code))
        return True

    async def _forward(self, message: HubMessage) -> None:
        event: dict[str, Any] = message.data
        kind = event.get("event")
        if kind == "account.changed":
            if await self._still_allowed():
                await self._snapshot()  # the dashboard shows the requests of its languages now
        elif kind in ("request.new", "request.back"):
            if not await self._still_allowed():
                return
            if event["request"]["language"] not in self.account.languages:
                return  # a language the volunteer gave up; its channel is being left
            new: RequestNew = {
                "type": "request.new",
                "request": event["request"],
                "returned": kind != "request.new",
            }
            await self.conn.send(new)
        elif kind == "request.gone":
            gone: RequestGone = {
                "type": "request.gone",
                "id": event["id"],
                "reason": event["reason"],
                "by_you": event.get("by") == self.account.id,
            }
            await self.conn.send(gone)
        elif kind in ("booking.new", "booking.gone"):
            if event.get("language") in self.account.languages:
                booking: BookingChanged = {
                    "type": kind,
                    "booking": event["booking"],
                    "by_you": event.get("by") == self.account.id,
                }
                await self.conn.send(booking)
        elif kind == "request.long_wait":
            long_wait: RequestLongWait = {"type": "request.long_wait", "id": event["id"]}
            await self.conn.send(long_wait)

    async def _handle(self, message: dict[str, Any]) -> None:
        if not await self._still_allowed():
            return
        if message["type"] == "availability":
            await self._set_available(message["available"])
        elif message["type"] == "accept":
            await self._accept(message["request"])

    async def _set_available(self, available: bool) -> None:
        try:
            await self.accounts.set_available(self.account.id, available)
        except InvalidInput as exc:
            # No languages yet: the dashboard explains and links to the account page.
            refused: Error = {"type": "error", "code": "no_languages", "message": exc.message}
            await self.conn.send(refused)
            return
        self.available = available
        if self._sub is not None:
            for code in self.account.languages:
                if available:
                    await self._sub.add(queue_channel(code))
                else:
                    await self._sub.remove(queue_channel(code))
        await self._snapshot()

    async def _accept(self, request_id: str) -> None:
        try:
            match = await self.dispatcher.accept(request_id, self.account)
        except StillInCall as exc:
            busy: Error = {
                "type": "error",
                "code": exc.code,
                "message": exc.message,
                "request": request_id,
            }
            await self.conn.send(busy)
            return
        except Conflict as exc:
            taken: Error = {
                "type": "error",
                "code": "taken",
                "message": exc.message,
                "request": request_id,
            }
            await self.conn.send(taken)
            return
        except DomainError as exc:
            await self.conn.reject(exc.code, exc.message)
            return
        accepted: Accepted = {
            "type": "accepted",
            "request": request_id,
            "room": match.room_id,
            "call_url": f"/rooms/{match.room_id}",
        }
        await self.conn.send(accepted)
