"""One page's connection to a room: its parts wired together, and the two event tables.

Each part (signalling, captions, chat, the meeting, leaving) names the hub events and the
client messages it handles; the connection looks each one up in the merged tables, so a
new room event or message is added in one place: the table of the part that handles it.
The meeting's rules decide, before any part sees it, whether an event is shown to this
page and whether this participant may send a message.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from typing import Any

from interp.domain.errors import DomainError, InvalidInput
from interp.domain.meeting_rules import MEETING_EVENT_PREFIX, MeetingSeat, check_may_send, shown_to
from interp.domain.rooms import RoomInfo
from interp.hub import Subscription, SubscriptionLost
from interp.hub.channels import account_channel
from interp.hub.events import RoomEvent
from interp.realtime.close_codes import CloseCode
from interp.realtime.connection import Connection
from interp.realtime.messages import Joined
from interp.realtime.room.call import Call, Handler, PeerState, RoomServices
from interp.realtime.room.captions import CaptionsPart
from interp.realtime.room.chat import ChatPart
from interp.realtime.room.departures import Departures, Leaving
from interp.realtime.room.meeting import MeetingPart
from interp.realtime.room.signalling import Signalling


def merged(*tables: Mapping[str, Handler]) -> dict[str, Handler]:
    """One table of several; a name in two of them would leave one handler unused."""
    table: dict[str, Handler] = {}
    for part in tables:
        for name, handler in part.items():
            if name in table:
                raise ValueError(f"two handlers for {name!r}")
            table[name] = handler
    return table


class CallConnection:
    def __init__(
        self,
        services: RoomServices,
        departures: Departures,
        conn: Connection,
        room: RoomInfo,
        me: PeerState,
        seat: MeetingSeat | None,
    ) -> None:
        self.call = Call(services, conn, room, me, seat)
        self.captions = CaptionsPart(self.call)
        self.signalling = Signalling(self.call, self.captions)
        self.meeting = MeetingPart(self.call, self._let_in)
        self.leaving = Leaving(self.call, departures)
        self.chat = ChatPart(self.call)
        parts = (self.signalling, self.captions, self.meeting, self.leaving, self.chat)
        # Hub event name → handler, and client message type → handler.
        self.events = merged(*(part.events for part in parts))
        self.messages = merged(*(part.messages for part in parts), {"hello": self._hello})

    async def run(self) -> None:
        call = self.call
        services = call.services
        try:
            async with services.hub.subscribe(*self._channels()) as sub:
                started = await services.rooms.mark_joined(call.me.participant.id)
                await call.send(self._joined())
                if call.in_call:
                    await self.signalling.arrive()
                    if started and call.seat is None:
                        await call.publish({"event": RoomEvent.ROOM_STARTED})
                    await self.meeting.arrived()
                else:
                    await self.meeting.announce_waiting()
                pump = asyncio.create_task(self._pump(sub))
                if call.in_call:
                    self.captions.follow()
                try:
                    while not call.left and (message := await call.conn.receive()) is not None:
                        await self._handle(message)
                finally:
                    pump.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await pump
                    await self.captions.close()
        finally:
            # However the connection ended, a fault included, the participant must not
            # stay present: the others see them reconnecting, and then gone.
            await self.leaving.dropped()

    def _channels(self) -> tuple[str, ...]:
        """The room's channel and, for a signed-in participant, their account's: a
        deactivated account's call ends at once."""
        user_id = self.call.me.participant.user_id
        return (self.call.channel, account_channel(user_id)) if user_id else (self.call.channel,)

    def _joined(self) -> Joined:
        call = self.call
        joined: Joined = {
            "type": "joined",
            "you": call.me.as_dict(),
            "room": {"id": call.room.id, "media": call.room.media},
            "ice_servers": call.services.ice_servers,
            "captions": self.captions.info(),
        }
        if call.seat is not None:
            meeting = call.seat.meeting
            joined["meeting"] = {
                "id": meeting.id,
                "title": meeting.title,
                "mode": meeting.mode,
                "max_participants": meeting.max_participants,
                "host": call.seat.host,
            }
            joined["waiting"] = call.seat.waiting
        return joined

    async def _let_in(self) -> None:
        """A host let this waiting guest in: the others meet them now."""
        await self.signalling.arrive()
        self.captions.follow()

    async def _pump(self, sub: Subscription) -> None:
        try:
            async for message in sub:
                if message.channel != self.call.channel:
                    if not message.data.get("active", True):  # the account was deactivated
                        await self.call.conn.close(CloseCode.UNAUTHORISED, "account deactivated")
                        return
                    continue
                await self._forward(message.data)
                if self.call.closed_reason is not None:
                    await self.call.conn.close(CloseCode.DONE, "room closed")
                    return
        except SubscriptionLost:
            # Signals may have been lost: make the page reconnect and renegotiate.
            await self.call.conn.close(CloseCode.RESYNCHRONISE, "resynchronise")
        except Exception:
            await self.call.conn.fail()

    async def _forward(self, event: dict[str, Any]) -> None:
        """Pass a room event on to this page, if it is shown to it."""
        call = self.call
        kind = event.get("event")
        if kind is None or not shown_to(
            kind,
            call.me.participant.id,
            call.seat,
            addressed_to=event.get("participant"),
            audience=event.get("audience"),
        ):
            return
        handler = self.events.get(kind)
        if handler is None and kind.startswith(MEETING_EVENT_PREFIX):
            handler = self.meeting.relay
        if handler is not None:
            await handler(event)

    async def _handle(self, message: dict[str, Any]) -> None:
        try:
            check_may_send(message["type"], self.call.seat)
            await self.messages[message["type"]](message)
        except DomainError as exc:
            await self.call.reject(exc.code, exc.message)

    async def _hello(self, message: dict[str, Any]) -> None:
        raise InvalidInput("You have already joined.")
