"""Volunteers' records: the calls each one interpreted and their hours, for the volunteer's
own record of volunteering and the coordinator's report to funders.

A call is a room the volunteer joined as its interpreter. It lasts from their first join to
their last departure; where no departure was recorded (the server stopped), or the room
closed first, the room's closing ends it. A call still going on is not counted yet, and a
seat never taken (accepted, then handed back) is no call. Nothing said in a call, and
nothing about the resident, is read here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from interp.domain.kinds import AccountRole, ParticipantRole
from interp.store.database import Database
from interp.store.models import Room, RoomParticipant, User


@dataclass(frozen=True)
class CallRecord:
    started_at: datetime
    language_code: str
    seconds: int


@dataclass(frozen=True)
class MonthHours:
    month: str  # YYYY-MM, of each call's start (UTC)
    calls: int
    seconds: int


@dataclass(frozen=True)
class VolunteerHours:
    user_id: str
    display_name: str
    email: str
    calls: int
    seconds: int


def _call(started: datetime, left: datetime | None, closed: datetime | None) -> int | None:
    """The call's length in seconds, or None while it goes on."""
    ends = [t for t in (left, closed) if t is not None]
    if not ends:
        return None
    return max(0, round((min(ends) - started).total_seconds()))


def by_month(calls: list[CallRecord]) -> list[MonthHours]:
    """Calls and seconds per month, oldest month first."""
    counts: Counter[str] = Counter()
    seconds: Counter[str] = Counter()
    for call in calls:
        month = call.started_at.strftime("%Y-%m")
        counts[month] += 1
        seconds[month] += call.seconds
    return [MonthHours(m, counts[m], seconds[m]) for m in sorted(counts)]


def by_language(calls: list[CallRecord]) -> dict[str, int]:
    """Calls per language, most first."""
    return dict(Counter(call.language_code for call in calls).most_common())


class VolunteerRecords:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def _rows(
        self, start: datetime, end: datetime, user_id: str | None = None
    ) -> list[tuple[str, CallRecord]]:
        query = (
            select(
                RoomParticipant.user_id,
                RoomParticipant.joined_at,
                RoomParticipant.left_at,
                RoomParticipant.language_code,
                Room.closed_at,
            )
            .join(Room, Room.id == RoomParticipant.room_id)
            .where(RoomParticipant.role == ParticipantRole.INTERPRETER)
            .where(RoomParticipant.joined_at.is_not(None))
            .where(RoomParticipant.joined_at >= start, RoomParticipant.joined_at < end)
            .order_by(RoomParticipant.joined_at.desc())
        )
        if user_id is not None:
            query = query.where(RoomParticipant.user_id == user_id)
        async with self.db.session() as session:
            rows = await session.execute(query)
        records = []
        for uid, joined, left, language, closed in rows:
            if uid is None or joined is None:
                continue
            seconds = _call(joined, left, closed)
            if seconds is not None:
                records.append((uid, CallRecord(joined, language or "", seconds)))
        return records

    async def calls(self, user_id: str, start: datetime, end: datetime) -> list[CallRecord]:
        """The volunteer's finished calls that started in [start, end), newest first."""
        return [record for _, record in await self._rows(start, end, user_id)]

    async def hours_by_volunteer(self, start: datetime, end: datetime) -> list[VolunteerHours]:
        """Every volunteer's calls and seconds in [start, end), those with none included."""
        calls: Counter[str] = Counter()
        seconds: Counter[str] = Counter()
        for uid, record in await self._rows(start, end):
            calls[uid] += 1
            seconds[uid] += record.seconds
        async with self.db.session() as session:
            volunteers = await session.scalars(
                select(User).where(User.role == AccountRole.VOLUNTEER).order_by(User.display_name)
            )
            return [
                VolunteerHours(u.id, u.display_name, u.email, calls[u.id], seconds[u.id])
                for u in volunteers
            ]
