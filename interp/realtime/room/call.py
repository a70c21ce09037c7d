"""What the parts of one room connection share: the page's place in the room."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from interp.domain.meeting_rules import MeetingSeat, in_call
from interp.domain.meetings import Meetings
from interp.domain.rooms import Participant, RoomInfo, Rooms
from interp.hub import Hub
from interp.hub.channels import room_channel
from interp.live.interface import LiveCaptioning
from interp.realtime.connection import Connection
from interp.realtime.dispatch import Dispatcher
from interp.realtime.messages import Peer, RoomClosed

# (room id, name): a host named who speaks into their microphone.
SpeakerNamed = Callable[[str, str], Awaitable[Any]]
# A hub event, or a client message, handled by one part of the connection.
Handler = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class RoomServices:
    """What every room connection on this node works with."""

    dispatcher: Dispatcher
    rooms: Rooms
    meetings: Meetings
    live: LiveCaptioning
    ice_servers: list[dict[str, Any]]
    # Told each name a host gives a speaker in the room (consent asks them too).
    speaker_named: SpeakerNamed | None = None

    @property
    def hub(self) -> Hub:
        return self.dispatcher.hub


@dataclass
class PeerState:
    participant: Participant
    session: str
    audio: bool = True
    video: bool = True

    def as_dict(self) -> Peer:
        participant = self.participant
        return {
            "id": participant.id,
            "role": participant.role,
            "name": participant.display_name,
            "language": participant.language_code,
            "session": self.session,
            "audio": self.audio,
            "video": self.video,
        }


class Call:
    """One page's place in a room, as its connection's parts see and change it."""

    def __init__(
        self,
        services: RoomServices,
        conn: Connection,
        room: RoomInfo,
        me: PeerState,
        seat: MeetingSeat | None,
    ) -> None:
        self.services = services
        self.conn = conn
        self.room = room
        self.me = me
        self.seat = seat
        self.channel = room_channel(room.id)
        # Names this socket: a page that reconnects keeps its session, and the old socket's
        # end must not stop the captions the new one started.
        self.connection_id = secrets.token_hex(8)
        # Why the room closed for this page (it then stops); None while it goes on.
        self.closed_reason: str | None = None
        self.left = False

    @property
    def in_call(self) -> bool:
        """Not a meeting guest still waiting to be let in."""
        return in_call(self.seat)

    async def send(self, message: Mapping[str, Any]) -> None:
        await self.conn.send(message)

    async def reject(self, code: str, message: str) -> None:
        await self.conn.reject(code, message)

    async def publish(self, event: dict[str, Any]) -> None:
        await self.services.hub.publish(self.channel, event)

    async def close_for_me(self, reason: str) -> None:
        """The room is over for this page: say why; the connection then closes."""
        self.closed_reason = reason
        closed: RoomClosed = {"type": "room.closed", "reason": reason}
        await self.send(closed)
