"""A meeting's side of a room connection: arriving, waiting to be let in, the host's
powers, and the meeting's own events (the rules are in interp.domain.meeting_rules)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from interp.domain.kinds import ParticipantRole
from interp.domain.meeting_rules import HOSTS, MeetingSeat, seat_of
from interp.domain.meetings import MeetingInfo
from interp.domain.rooms import Participant
from interp.hub.channels import room_channel
from interp.hub.events import RoomEvent
from interp.realtime.messages import MeetingAdmitted, MeetingWaiting
from interp.realtime.room.call import Call, Handler, RoomServices


async def announce_waiting(services: RoomServices, meeting: MeetingInfo) -> None:
    """Tell the hosts who is waiting to be let in now."""
    waiting = [a.as_dict() for a in await services.meetings.waiting(meeting.id)]
    event = {"event": RoomEvent.MEETING_WAITING, "audience": HOSTS, "waiting": waiting}
    await services.hub.publish(room_channel(meeting.room_id), event)


async def seat_for(services: RoomServices, participant: Participant) -> MeetingSeat | None:
    """Where a participant of a meeting's room stands; None outside a meeting, or once a
    host has removed them."""
    meeting = await services.meetings.for_room(participant.room_id)
    if meeting is None:
        return None
    return seat_of(meeting, await services.meetings.attendee(participant.id))


async def end_meeting(services: RoomServices, meeting: MeetingInfo) -> bool:
    """End the meeting for everyone in it; False if it had already ended."""
    ended = await services.meetings.end(meeting.id)
    closed = await services.dispatcher.close_room(meeting.room_id, "ended")
    return ended or closed


class MeetingPart:
    """Carries out the meeting's rules for one connection."""

    def __init__(self, call: Call, let_in: Callable[[], Awaitable[None]]) -> None:
        self.call = call
        # The others meet this guest now, as anyone arriving.
        self.let_in = let_in
        self.events: dict[str, Handler] = {
            RoomEvent.MEETING_ADMITTED: self._admitted,
            RoomEvent.MEETING_REMOVED: self._removed,
        }
        self.messages: dict[str, Handler] = {
            "meeting.admit": self._admit,
            "meeting.remove": self._remove,
            "meeting.end": self._end,
        }

    @property
    def meeting(self) -> MeetingInfo:
        assert self.call.seat is not None
        return self.call.seat.meeting

    async def arrived(self) -> None:
        """The host's arrival starts the meeting (and shows them who waits); an
        interpreter's is noted for the meeting's history."""
        call = self.call
        if call.seat is None:
            return
        meetings = call.services.meetings
        if call.seat.host:
            if await meetings.mark_started(self.meeting.id):
                await call.publish({"event": RoomEvent.MEETING_STARTED})
            waiting = [a.as_dict() for a in await meetings.waiting(self.meeting.id)]
            listed: MeetingWaiting = {"type": "meeting.waiting", "waiting": waiting}
            await call.send(listed)
        elif call.me.participant.role == ParticipantRole.INTERPRETER:
            await meetings.mark_interpreter_joined(self.meeting.id)

    async def announce_waiting(self) -> None:
        await announce_waiting(self.call.services, self.meeting)

    async def relay(self, event: dict[str, Any]) -> None:
        """Meeting events (see interp.http and docs/protocol.md) pass on as they are."""
        fields = {k: v for k, v in event.items() if k not in ("event", "audience")}
        await self.call.send({"type": event["event"], **fields})

    async def _admitted(self, event: dict[str, Any]) -> None:
        call = self.call
        if call.seat is None or not call.seat.waiting:
            return
        call.seat.waiting = False
        # A waiting guest is not shown the room's other events: captions may have been
        # switched on for everyone meanwhile.
        call.room = await call.services.rooms.get(call.room.id)
        admitted: MeetingAdmitted = {
            "type": "meeting.admitted",
            "captions_for_all": call.room.captions_for_all,
        }
        await call.send(admitted)
        await self.let_in()

    async def _removed(self, event: dict[str, Any]) -> None:
        """A host removed this participant: their page closes and the others see them go."""
        call = self.call
        if call.in_call:
            gone = {"event": RoomEvent.PEER_LEFT, "peer": call.me.as_dict(), "reason": "removed"}
            await call.publish(gone)
        await call.close_for_me("removed")

    async def _admit(self, message: dict[str, Any]) -> None:
        guest = await self.call.services.meetings.admit(self.meeting.id, message["participant"])
        await self.call.publish({"event": RoomEvent.MEETING_ADMITTED, "participant": guest.id})
        await self.announce_waiting()

    async def _remove(self, message: dict[str, Any]) -> None:
        gone = await self.call.services.meetings.remove(self.meeting.id, message["participant"])
        await self.call.publish({"event": RoomEvent.MEETING_REMOVED, "participant": gone.id})
        await self.announce_waiting()

    async def _end(self, message: dict[str, Any]) -> None:
        await end_meeting(self.call.services, self.meeting)
