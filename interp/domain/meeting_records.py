"""A meeting and the people in it, as the domain hands them out; the rules on their
names and languages; and the errors particular to meetings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from interp.domain.errors import Conflict, InvalidInput, InvalidToken, NotAllowed
from interp.domain.kinds import MeetingMode, ParticipantRole
from interp.languages import LANGUAGES
from interp.store.models import Meeting, RoomParticipant

MODES = tuple(MeetingMode)
MAX_TITLE = 200
MAX_LANGUAGES = 10
MAX_NAME = 100
# A meeting is held in these years: a date far outside them is a typing slip, and one at
# the ends of the calendar cannot even be moved into another time zone.
SCHEDULABLE_YEARS = range(2000, 2101)
# The role of a meeting's host in its room (the caseworker who holds it, or a coordinator).
HOST_ROLE = ParticipantRole.CASEWORKER
# Someone the host of an in-room meeting named as speaking (interp.domain.consent adds them).
NAMED_SPEAKER_ROLE = ParticipantRole.SPEAKER


class MeetingEnded(InvalidToken):
    """A link of a meeting that has ended."""

    code = "ended"


class MeetingHasEnded(Conflict):
    """A change asked of a meeting that has ended."""

    code = "ended"


class Removed(NotAllowed):
    """The host removed this participant: their link no longer lets them in."""

    code = "removed"


class MeetingFull(Conflict):
    code = "full"

    def __init__(self, limit: int) -> None:
        super().__init__(f"This meeting is full ({limit} people). Ask the caseworker.")
        self.limit = limit


@dataclass(frozen=True)
class MeetingInfo:
    id: str
    owner_id: str
    title: str
    scheduled_at: datetime | None
    languages: tuple[str, ...]
    mode: str  # a MeetingMode
    room_id: str
    max_participants: int
    request_id: str | None
    created_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    interpreter_joined_at: datetime | None
    # Raised each time the host asks for new links (``Meetings.links`` uses it).
    link_version: int = 0

    @property
    def ended(self) -> bool:
        return self.ended_at is not None

    @property
    def in_room(self) -> bool:
        return self.mode == MeetingMode.IN_ROOM

    @property
    def duration(self) -> timedelta | None:
        """From the host's first arrival to the end; None until both have happened."""
        if self.started_at is None or self.ended_at is None:
            return None
        return self.ended_at - self.started_at

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "scheduled_at": self.scheduled_at.isoformat() if self.scheduled_at else None,
            "languages": list(self.languages),
            "mode": self.mode,
            "room": self.room_id,
            "max_participants": self.max_participants,
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "ended_at": self.ended_at.isoformat() if self.ended_at else None,
            "interpreter_joined": self.interpreter_joined_at is not None,
        }


@dataclass(frozen=True)
class MeetingLinks:
    # Residents join with the invite token; anyone reads the captions with the view token.
    # Only their hashes are stored; the server makes them again from its secret, the
    # meeting and its link version.
    invite_token: str
    view_token: str


@dataclass(frozen=True)
class Attendee:
    """Someone in a meeting's room, and where they stand with the host."""

    id: str
    name: str
    role: str  # a ParticipantRole: caseworker (the host) | resident | interpreter
    language: str | None
    admitted: bool
    removed: bool
    # Their page is connected (or has dropped within the reconnect grace period).
    present: bool
    joined_at: datetime | None

    @property
    def host(self) -> bool:
        return self.role == HOST_ROLE

    @property
    def waiting(self) -> bool:
        """A guest whose page is open, waiting for the host to let them in."""
        return self.present and not self.admitted and not self.removed

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "role": self.role, "language": self.language}


@dataclass(frozen=True)
class Guest:
    attendee: Attendee
    token: str  # their call link's token; shown once, only its hash is stored


@dataclass(frozen=True)
class MeetingSummary:
    """A line of the caseworker's meeting history."""

    meeting: MeetingInfo
    # Everyone who was let in and arrived, host included, in order of arrival.
    people: tuple[Attendee, ...]


def meeting_view(row: Meeting) -> MeetingInfo:
    return MeetingInfo(
        id=row.id,
        owner_id=row.owner_id,
        title=row.title,
        scheduled_at=row.scheduled_at,
        languages=tuple(code for code in row.languages.split(",") if code),
        mode=row.mode,
        room_id=row.room_id,
        max_participants=row.max_participants,
        request_id=row.request_id,
        created_at=row.created_at,
        started_at=row.started_at,
        ended_at=row.ended_at,
        interpreter_joined_at=row.interpreter_joined_at,
        link_version=row.link_version,
    )


def attendee_view(row: RoomParticipant) -> Attendee:
    return Attendee(
        id=row.id,
        name=row.display_name,
        role=row.role,
        language=row.language_code,
        admitted=row.admitted_at is not None,
        removed=row.removed_at is not None,
        present=row.joined_at is not None and row.left_at is None and row.removed_at is None,
        joined_at=row.joined_at,
    )


def check_languages(codes: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(code for code in codes if code))
    unknown = [code for code in chosen if code not in LANGUAGES]
    if unknown:
        raise InvalidInput(f"Unknown language codes: {', '.join(unknown)}.", "languages")
    if len(chosen) > MAX_LANGUAGES:
        raise InvalidInput(f"Choose at most {MAX_LANGUAGES} languages.", "languages")
    return chosen


def check_scheduled(at: datetime | None) -> datetime | None:
    """A meeting time with its time zone, in one of the years meetings are held."""
    if at is None:
        return None
    if at.tzinfo is None:
        raise InvalidInput("The meeting time needs a time zone.", "scheduled_at")
    if at.year not in SCHEDULABLE_YEARS:
        first, last = SCHEDULABLE_YEARS[0], SCHEDULABLE_YEARS[-1]
        raise InvalidInput(f"Choose a date in the years {first} to {last}.", "scheduled_at")
    return at


def clean_name(name: str) -> str:
    """A person's name as others will see it: spaces tidied, no control characters."""
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME or not name.isprintable():
        raise InvalidInput(f"Enter a name of 1 to {MAX_NAME} characters.", "name")
    return name
