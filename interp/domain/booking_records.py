"""A booking as the pages and notifiers see it, its states, and the rules a new one meets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from interp.domain.errors import Conflict, InvalidInput
from interp.domain.request_records import MAX_NOTE
from interp.store.models import Booking

MIN_LENGTH_MIN = 15
MAX_LENGTH_MIN = 4 * 60
# How far ahead a booking may be made.
BOOKING_HORIZON = timedelta(days=365)
# A resident who asks this long before the booked time still reaches the booked volunteer.
EARLY_ARRIVAL = timedelta(minutes=15)


class BookingStatus(StrEnum):
    OPEN = "open"  # waiting for a volunteer to claim it
    CLAIMED = "claimed"
    CANCELLED = "cancelled"


class NoticeEvent(StrEnum):
    CLAIMED = "claimed"  # to the caseworker: a volunteer claimed their booking
    CANCELLED = "cancelled"  # to the volunteer: the caseworker cancelled it
    RELEASED = "released"  # to the caseworker: the volunteer handed it back
    REMINDER = "reminder"  # to both: the booked time is near


class BookingTaken(Conflict):
    """Another volunteer claimed the booking first."""

    code = "taken"


@dataclass(frozen=True)
class BookingView:
    id: str
    created_by: str
    language_code: str
    starts_at: datetime
    length_min: int
    meeting_id: str | None
    resident_link_id: str | None
    note: str
    status: str  # a BookingStatus
    volunteer_id: str | None

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.length_min)

    def as_dict(self) -> dict[str, object]:
        """What a volunteer's dashboard is told of an open booking."""
        return {
            "id": self.id,
            "language": self.language_code,
            "starts_at": self.starts_at.isoformat(),
            "length_min": self.length_min,
            "note": self.note,
        }


@dataclass(frozen=True)
class BookingEntry:
    """A booking on a page: the view, what it is for, and who claimed it."""

    booking: BookingView
    subject: str  # the meeting's title or the resident link's label
    volunteer_name: str | None


@dataclass(frozen=True)
class Notice:
    booking: BookingView
    event: str  # a NoticeEvent
    created_at: datetime


def booking_view(row: Booking) -> BookingView:
    return BookingView(
        id=row.id,
        created_by=row.created_by,
        language_code=row.language_code,
        starts_at=row.starts_at,
        length_min=row.length_min,
        meeting_id=row.meeting_id,
        resident_link_id=row.resident_link_id,
        note=row.note,
        status=row.status,
        volunteer_id=row.volunteer_id,
    )


class BookingNotifier(Protocol):
    """Tells one person about a booking: one method per event. The default records the
    notice for their page; email or Web Push plug in beside it."""

    async def claimed(self, booking: BookingView, caseworker_id: str) -> None: ...

    async def cancelled(self, booking: BookingView, volunteer_id: str) -> None: ...

    async def released(self, booking: BookingView, caseworker_id: str) -> None: ...

    async def reminder(self, booking: BookingView, user_id: str) -> None: ...


def checked_time(starts_at: datetime, length_min: int, now: datetime) -> None:
    if starts_at.tzinfo is None:
        raise InvalidInput("The booked time needs a time zone.", "starts_at")
    if starts_at <= now:
        raise InvalidInput("Choose a time in the future.", "starts_at")
    if starts_at > now + BOOKING_HORIZON:
        raise InvalidInput("Choose a time within a year.", "starts_at")
    if not MIN_LENGTH_MIN <= length_min <= MAX_LENGTH_MIN:
        raise InvalidInput(
            f"The length must be {MIN_LENGTH_MIN} minutes to {MAX_LENGTH_MIN // 60} hours.",
            "length",
        )


def checked_note(note: str) -> str:
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise InvalidInput(f"The note must be at most {MAX_NOTE} characters.", "note")
    return note
