"""A meeting's rules: who may send what, who is shown what, and what ends it.

Pure functions of where a participant stands (their ``MeetingSeat``, None in a call
that is no meeting). The room connection (interp.realtime.room) only carries them
out, the way a Galène group keeps its rules and its connections apply them.

A guest waits, unseen by the others, until a host lets them in; a host may let
people in, remove anyone, end the meeting and, in a meeting held in a room, say who
is speaking into their microphone. Nobody else leaving ends a meeting.
"""

from __future__ import annotations

from dataclasses import dataclass

from interp.domain.errors import InvalidInput, NotAllowed
from interp.domain.kinds import ParticipantRole, RoomKind
from interp.domain.meetings import Attendee, MeetingInfo

# What a guest still waiting to be let in may send.
WHILE_WAITING = frozenset({"leave", "mute", "captions.language"})
# What only a meeting's host may send.
HOST_ONLY = frozenset({"meeting.admit", "meeting.remove", "meeting.end", "captions.speaker"})
# Events about the meeting itself start with this; a waiting guest is shown them too.
MEETING_EVENT_PREFIX = "meeting."
# Events every page of the room is shown, let in or not.
SHOWN_TO_ALL = frozenset({"room.closed"})
# The audience of an event meant for the meeting's hosts only.
HOSTS = "hosts"


class StillWaiting(NotAllowed):
    """A guest the host has not let in yet may not do that."""

    code = "waiting"


@dataclass
class MeetingSeat:
    """A participant's place in a meeting: a host, a guest waiting to be let in, or in."""

    meeting: MeetingInfo
    host: bool
    waiting: bool


def seat_of(meeting: MeetingInfo, attendee: Attendee) -> MeetingSeat | None:
    """Where an attendee stands in the meeting; None once a host has removed them."""
    if attendee.removed:
        return None
    return MeetingSeat(meeting, host=attendee.host, waiting=not attendee.admitted)


def in_call(seat: MeetingSeat | None) -> bool:
    """Whether the participant is in the call: seen and heard by the others, and seeing,
    hearing and reading them. A guest not yet let in is not."""
    return seat is None or not seat.waiting


def is_host(seat: MeetingSeat | None) -> bool:
    return seat is not None and seat.host


def check_may_send(message_type: str, seat: MeetingSeat | None) -> None:
    """Raise ``StillWaiting`` or ``NotAllowed`` if the participant may not send this now."""
    if not in_call(seat) and message_type not in WHILE_WAITING:
        raise StillWaiting("Wait until the host lets you in.")
    if message_type in HOST_ONLY and not is_host(seat):
        raise NotAllowed("Only the meeting's host can do that.")


def shown_to(
    event: str,
    participant_id: str,
    seat: MeetingSeat | None,
    *,
    addressed_to: str | None = None,
    audience: str | None = None,
) -> bool:
    """Whether a room event reaches this participant's pages.

    An event ``addressed_to`` a participant reaches only them, one for the ``hosts``
    audience only the hosts, and a guest still waiting sees nobody: only the events of
    the meeting itself and the room's closing.
    """
    if addressed_to is not None and addressed_to != participant_id:
        return False
    if audience == HOSTS and not is_host(seat):
        return False
    return in_call(seat) or event in SHOWN_TO_ALL or event.startswith(MEETING_EVENT_PREFIX)


def leaving_ends_room(kind: str, role: str) -> bool:
    """Whether this participant's ``leave`` ends the room for everyone: in a resident's call,
    either of the two leaving ends it; a meeting ends only when a host ends it."""
    return kind != RoomKind.MEETING and role in (
        ParticipantRole.RESIDENT,
        ParticipantRole.INTERPRETER,
    )


def ends_when_everyone_left(kind: str) -> bool:
    """Whether a started room ends once everyone has gone for good: a call does; people
    may come and go in a meeting until its host ends it."""
    return kind != RoomKind.MEETING


def check_may_name_speaker(seat: MeetingSeat) -> None:
    """A host names who speaks into their microphone only in a meeting held in a room."""
    if not seat.meeting.in_room:
        raise InvalidInput("Speakers are named only in meetings held in a room.")


def languages_heard(seat: MeetingSeat | None, local_language: str) -> tuple[str, ...]:
    """What the participant's microphone may hear besides their own language: in a meeting
    held in a room the host's device captions everyone, so all the meeting's languages and
    the staff's; () for anyone else."""
    if seat is None or not seat.host or not seat.meeting.in_room:
        return ()
    return (*seat.meeting.languages, local_language)
