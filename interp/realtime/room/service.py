"""The room connections of this node, and what outlives each of them."""

from __future__ import annotations

from typing import Any

from interp.domain.kinds import Media, RoomKind
from interp.domain.meetings import MeetingInfo, Meetings
from interp.domain.rooms import Participant, Rooms
from interp.live.interface import LiveCaptioning
from interp.realtime.close_codes import CloseCode
from interp.realtime.connection import Connection
from interp.realtime.dispatch import Dispatcher
from interp.realtime.messages import RoomClosed
from interp.realtime.protocol import ROOM_MESSAGES
from interp.realtime.room.call import PeerState, RoomServices, SpeakerNamed
from interp.realtime.room.connection import CallConnection
from interp.realtime.room.departures import Departures
from interp.realtime.room.meeting import end_meeting, seat_for


class CallService:
    """Serves room connections on this node and keeps the grace-period watchers."""

    schema = ROOM_MESSAGES

    def __init__(
        self,
        dispatcher: Dispatcher,
        rooms: Rooms,
        ice_servers: list[dict[str, Any]],
        grace_s: float,
        live: LiveCaptioning,
        meetings: Meetings,
        speaker_named: SpeakerNamed | None = None,
    ) -> None:
        self.services = RoomServices(dispatcher, rooms, meetings, live, ice_servers, speaker_named)
        self.departures = Departures(self.services, grace_s)
        dispatcher.also_sweep(self.departures.sweep)

    async def serve(self, conn: Connection, participant: Participant, session: str) -> None:
        services = self.services
        room = await services.rooms.get(participant.room_id)
        seat = None
        if room.kind == RoomKind.MEETING:
            seat = await seat_for(services, participant)
            if seat is None:
                # Removed by the host: this link does not let them back in.
                removed: RoomClosed = {"type": "room.closed", "reason": "removed"}
                await conn.send(removed)
                await conn.close(CloseCode.DONE, "removed")
                return
        me = PeerState(participant, session, audio=True, video=room.media == Media.VIDEO)
        with self.departures.connected(participant.id):
            await CallConnection(services, self.departures, conn, room, me, seat).run()

    async def end_meeting(self, meeting: MeetingInfo) -> bool:
        """End the meeting for everyone in it; False if it had already ended."""
        return await end_meeting(self.services, meeting)

    def connections(self, participant_id: str) -> int:
        """How many connections the participant has open on this node."""
        return self.departures.connections(participant_id)

    async def close(self) -> None:
        await self.departures.close()
        await self.services.live.close()
