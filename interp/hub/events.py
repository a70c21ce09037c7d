"""The events on a room's hub channel (``room:<id>``), by the ``event`` field.

The room connections (interp.realtime.room) publish the presence, signalling and
meeting events and pass each on to the pages it concerns; the dispatcher publishes
the room's end and an interpreter's hand-back; live captions publish whose speech is
captioned and whether it keeps up; the consent pages publish ``meeting.consent``.
"""

from __future__ import annotations

from enum import StrEnum


class RoomEvent(StrEnum):
    # Presence: ``peer`` arrived (or came back), answered an arrival (``to``: the
    # newcomer's session), lost its connection, or left for good (``reason``).
    PEER_JOINED = "peer.joined"
    PEER_PRESENT = "peer.present"
    PEER_RECONNECTING = "peer.reconnecting"
    PEER_LEFT = "peer.left"
    # An offer, answer or ICE candidate ``message`` ``from`` one session ``to`` another.
    SIGNAL = "signal"
    MUTE = "mute"
    # Everyone of a call has joined; the room is over (``reason``).
    ROOM_STARTED = "room.started"
    ROOM_CLOSED = "room.closed"
    # An interpreter (``user``) handed the request back; machine interpretation goes on.
    INTERPRETER_RELEASED = "interpreter.released"
    CAPTIONS_STATE = "captions.state"
    # Captions switched on or off for everyone in the call (``on``), by ``peer``.
    CAPTIONS_ALL = "captions.all"
    CAPTIONS_BEHIND = "captions.behind"
    # A meeting's events: each starts with "meeting." (see interp.domain.meeting_rules).
    MEETING_STARTED = "meeting.started"
    MEETING_WAITING = "meeting.waiting"
    MEETING_ADMITTED = "meeting.admitted"
    MEETING_REMOVED = "meeting.removed"
    MEETING_ENDED = "meeting.ended"
    MEETING_CONSENT = "meeting.consent"
