"""Leaving a room: on purpose, by handing the request back, or by dropping.

A connection that drops without ``leave`` is shown to the others as
``peer.reconnecting``; if the same participant is back within the grace period it
simply joins again, otherwise the others see ``peer.left``. An interpreter who never
arrives, or drops before the call started, hands the request back.

The watchers live in this node's memory, so each node also marks the participants it
holds as seen, and sweeps the database for participants no node has seen for longer
than the grace period (their node was killed): the same rules then apply to them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from interp.domain.errors import DomainError, NotAllowed
from interp.domain.kinds import ParticipantRole
from interp.domain.meeting_rules import ends_when_everyone_left, leaving_ends_room
from interp.domain.meetings import MeetingInfo
from interp.domain.rooms import Participant, RoomInfo
from interp.domain.tokens import utcnow
from interp.hub import HubDown, SubscriptionLost
from interp.hub.channels import room_channel
from interp.hub.events import RoomEvent
from interp.realtime.close_codes import CloseCode
from interp.realtime.room.call import Call, Handler, PeerState, RoomServices
from interp.realtime.room.meeting import announce_waiting, seat_for

log = logging.getLogger(__name__)

# How often, at most, a node tells the database that it still holds its participants.
SEEN_EVERY_S = 5.0


class Departures:
    """The connections of each participant on this node, and the grace-period watchers."""

    def __init__(self, services: RoomServices, grace_s: float) -> None:
        self.services = services
        self.grace_s = grace_s
        self._watchers: set[asyncio.Task[None]] = set()
        # Open connections per participant on this node: a quick return needs no watcher.
        self._connected: Counter[str] = Counter()
        # Often enough that a participant seen a grace period ago is surely not held by a
        # live node, even with a short grace.
        self.seen_every_s = min(SEEN_EVERY_S, grace_s / 3)
        self._last_seen_mark = 0.0

    @contextlib.contextmanager
    def connected(self, participant_id: str) -> Iterator[None]:
        """Counts the participant's connection for as long as it is open."""
        self._connected[participant_id] += 1
        try:
            yield
        finally:
            self._connected[participant_id] -= 1

    def connections(self, participant_id: str) -> int:
        """How many connections the participant has open on this node."""
        return self._connected[participant_id]

    def watch(self, me: PeerState, room: RoomInfo) -> None:
        """The connection dropped: the participant has the grace period to come back."""
        task = asyncio.create_task(self._await_return(me, room))
        self._watchers.add(task)
        task.add_done_callback(self._watchers.discard)

    async def _await_return(self, me: PeerState, room: RoomInfo) -> None:
        hub = self.services.hub
        channel = room_channel(room.id)
        async with hub.subscribe(channel) as sub:
            await hub.publish(
                channel, {"event": RoomEvent.PEER_RECONNECTING, "peer": me.as_dict()}
            )
            with contextlib.suppress(TimeoutError, SubscriptionLost):
                async with asyncio.timeout(self.grace_s):
                    async for message in sub:
                        event = message.data
                        if event.get("event") == RoomEvent.ROOM_CLOSED:
                            return
                        if (
                            event.get("event") == RoomEvent.PEER_JOINED
                            and event["peer"]["id"] == me.participant.id
                        ):
                            return  # back in time: nothing to tell anyone
        if self.connections(me.participant.id) <= 0:
            await self.depart(me, room, reason="gone")

    async def depart(self, me: PeerState, room: RoomInfo, reason: str) -> None:
        """The participant has gone for good: the others see them go."""
        everyone_gone = await self.services.rooms.mark_left(me.participant.id)
        if everyone_gone is not None:  # else another node's sweeper saw it first
            await self._gone(me, room, everyone_gone, reason)

    async def _gone(self, me: PeerState, room: RoomInfo, everyone_gone: bool, reason: str) -> None:
        rooms, dispatcher = self.services.rooms, self.services.dispatcher
        try:
            await self.services.hub.publish(
                room_channel(room.id),
                {"event": RoomEvent.PEER_LEFT, "peer": me.as_dict(), "reason": reason},
            )
        except HubDown:
            # Nobody can be told while the hub is down, but the room and the request
            # must still follow the departure.
            log.warning("room %s: a departure was not announced (the hub is down)", room.id)
        current = await rooms.get(room.id)
        if (
            me.participant.role == ParticipantRole.INTERPRETER
            and current.started_at is None
            and current.closed_at is None
            and room.request_id
            and me.participant.user_id
        ):
            # The interpreter went before the call started: the resident goes back to the head.
            try:
                await dispatcher.release(room.request_id, me.participant.user_id)
            except DomainError:
                log.debug("request %s was not handed back", room.request_id, exc_info=True)
        elif everyone_gone and current.started_at is not None and ends_when_everyone_left(
            room.kind
        ):
            # The last one has gone for good: end the call so its links stop working.
            await dispatcher.close_room(room.id, "ended")

    async def depart_waiting(self, me: PeerState, meeting: MeetingInfo) -> None:
        """A guest who was still waiting has gone: nobody but the hosts knew them."""
        await self.services.rooms.mark_left(me.participant.id)
        await announce_waiting(self.services, meeting)

    async def sweep(self) -> None:
        """Mark this node's participants as seen; apply the departures of those no node
        has seen for longer than the grace period, and close the calls everyone has left
        (run by the dispatcher's sweeper). Nodes compare each other's marks: their clocks
        must agree to within a few seconds, as NTP keeps them."""
        loop = asyncio.get_running_loop()
        if loop.time() - self._last_seen_mark >= self.seen_every_s:
            held = [pid for pid, count in self._connected.items() if count > 0]
            await self.services.rooms.mark_seen(held)
            self._last_seen_mark = loop.time()
        unseen_since = utcnow() - timedelta(seconds=self.grace_s + self.seen_every_s)
        for participant in await self.services.rooms.unseen_participants(unseen_since):
            if self.connections(participant.id) == 0:
                await self._sweep_one(participant, unseen_since)
        for room_id, kind in await self.services.rooms.abandoned():
            if ends_when_everyone_left(kind):
                await self.services.dispatcher.close_room(room_id, "ended")

    async def _sweep_one(self, participant: Participant, unseen_since: datetime) -> None:
        services = self.services
        room = await services.rooms.get(participant.room_id)
        seat = await seat_for(services, participant)
        everyone_gone = await services.rooms.mark_left(participant.id, unseen_since)
        if everyone_gone is None:  # back in the meantime, or another node swept them first
            return
        if seat is not None and seat.waiting:
            await announce_waiting(services, seat.meeting)
            return
        # Their page is gone: no session of theirs is left to name.
        me = PeerState(participant, session="", audio=False, video=False)
        await self._gone(me, room, everyone_gone, reason="gone")

    async def mark_dropped(self, participant_id: str) -> None:
        """The grace period starts now for every node's sweeper too, not at the last mark."""
        await self.services.rooms.mark_seen([participant_id])

    async def close(self) -> None:
        for task in list(self._watchers):
            task.cancel()
        for task in list(self._watchers):
            with contextlib.suppress(asyncio.CancelledError):
                await task


class Leaving:
    """One connection's ways out of the room: ``leave``, ``release``, its end, or a drop."""

    def __init__(self, call: Call, departures: Departures) -> None:
        self.call = call
        self.departures = departures
        self.events: dict[str, Handler] = {
            RoomEvent.ROOM_CLOSED: self._room_closed,
            RoomEvent.INTERPRETER_RELEASED: self._interpreter_released,
        }
        self.messages: dict[str, Handler] = {
            "leave": self._leave,
            "release": self._release,
        }

    async def _room_closed(self, event: dict[str, Any]) -> None:
        await self.call.close_for_me(event["reason"])

    async def _interpreter_released(self, event: dict[str, Any]) -> None:
        if event["user"] == self.call.me.participant.user_id:
            # Handed back while machine interpretation goes on: only this page ends.
            await self.call.close_for_me("released")

    async def _leave(self, message: dict[str, Any]) -> None:
        call = self.call
        call.left = True
        if call.seat is not None and call.seat.waiting:
            await self.departures.depart_waiting(call.me, call.seat.meeting)
        else:
            await self.departures.depart(call.me, call.room, reason="left")
        if leaving_ends_room(call.room.kind, call.me.participant.role):
            await call.services.dispatcher.close_room(call.room.id, "ended")
        await call.conn.close(CloseCode.DONE, "left")

    async def _release(self, message: dict[str, Any]) -> None:
        participant, room = self.call.me.participant, self.call.room
        if (
            participant.role != ParticipantRole.INTERPRETER
            or not room.request_id
            or not participant.user_id
        ):
            raise NotAllowed("Only the interpreter can hand a request back.")
        await self.call.services.dispatcher.release(room.request_id, participant.user_id)

    async def dropped(self) -> None:
        """The socket has ended: if the page neither left nor was closed, nor is back already
        on another socket (it reconnected before the server noticed), watch for its return."""
        call = self.call
        if call.closed_reason is not None or call.left:
            return
        if self.departures.connections(call.me.participant.id) > 1:
            return
        if call.seat is not None and call.seat.waiting:
            await self.departures.depart_waiting(call.me, call.seat.meeting)
        else:
            await self.departures.mark_dropped(call.me.participant.id)
            self.departures.watch(call.me, call.room)
