"""The coordinator's figures: demand, outcomes, waits and calls per language over a period,
the languages that need more interpreters, and what is waiting right now.

Every figure comes from what the queue and the rooms already record:

- **Period**: whole days in UTC, first and last day included. A request belongs to the
  period it was created in (``requests.created_at``); a call to the period it started in
  (``rooms.started_at``).
- **Requests**: requests created in the period, per requested language. Each has exactly
  one outcome, checked in this order:

  - *answered by an interpreter*: an interpreter accepted it and did not hand it back
    (``matched_at`` is set; handing back clears it);
  - *machine interpretation only*: no interpreter, and the request's room is a machine
    room (``rooms.kind == "machine"``), whatever happened to it afterwards;
  - *cancelled*: withdrawn by the resident or the caseworker (``status == "cancelled"``);
  - *unanswered*: ended (``closed`` or ``expired``) with neither;
  - *still waiting*: open at the time of the report, with neither yet.

- **Wait**: ``created_at`` to ``matched_at`` of the requests an interpreter answered;
  median and 90th percentile, interpolated between the two nearest waits as
  PostgreSQL's ``percentile_cont`` does. A request handed back and accepted again counts
  its wait until the last acceptance.
- **Waited past the fallback wait**: ``long_wait_at`` is set. The queue's sweeper sets it
  (within a second) on an open request once it has waited ``fallback_wait_s``.
- **Calls**: finished rooms (``started_at`` and ``closed_at`` set) that an interpreter
  joined (an interpreter participant with ``joined_at``), counted once per room and
  interpreter language; their length is ``started_at`` to ``closed_at``.
- **Volunteers**: active volunteer accounts that offer the language now.
- **Unmet demand**: languages where requests waited past the fallback wait or ended
  without an interpreter, most unanswered first, with the volunteers who offer them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import chain
from typing import Any

from sqlalchemy import Executable, and_, case, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from interp.domain.errors import InvalidInput
from interp.domain.kinds import AccountRole, ParticipantRole, RequestStatus, RoomKind
from interp.domain.tokens import utcnow
from interp.i18n import N_
from interp.store.database import Database
from interp.store.durations import seconds_between
from interp.store.models import (
    InterpretationRequest,
    OfferedLanguage,
    Room,
    RoomParticipant,
    User,
    UserLanguage,
)

DEFAULT_DAYS = 30
MAX_DAYS = 400
# The live panel lists at most this many waiting requests (oldest first).
LIVE_LIMIT = 200

BAD_DATE = N_("Write each date as year-month-day, for example 2026-03-31.")
END_BEFORE_START = N_("The end date is before the start date.")
PERIOD_TOO_LONG = N_("Choose a period of at most 400 days.")


@dataclass(frozen=True)
class Period:
    """Whole days in UTC, ``first`` and ``last`` included."""

    first: date
    last: date

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.first, time(), UTC)

    @property
    def ends_before(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(), UTC)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def _day(value: str, field_name: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        raise InvalidInput(BAD_DATE, field_name) from exc


def report_period(start: str | None, end: str | None, today: date | None = None) -> Period:
    """The period the coordinator asked for; by default the last ``DEFAULT_DAYS`` days up to
    today. A missing end is today; a missing start is ``DEFAULT_DAYS`` days before the end."""
    today = today or utcnow().date()
    last = _day(end, "end") if end and end.strip() else today
    first = (
        _day(start, "start")
        if start and start.strip()
        else last - timedelta(days=DEFAULT_DAYS - 1)
    )
    if last < first:
        raise InvalidInput(END_BEFORE_START, "end")
    period = Period(first, last)
    if period.days > MAX_DAYS:
        raise InvalidInput(PERIOD_TOO_LONG, "start")
    return period


@dataclass(frozen=True)
class LanguageFigures:
    """One language's figures over the period (see the module's definitions)."""

    language_code: str
    requests: int = 0
    by_interpreter: int = 0
    by_machine_only: int = 0
    cancelled: int = 0
    unanswered: int = 0
    waiting: int = 0
    long_waits: int = 0
    median_wait_s: float | None = None
    p90_wait_s: float | None = None
    calls: int = 0
    call_seconds: float = 0.0
    volunteers: int = 0

    @property
    def not_by_interpreter(self) -> int:
        """Requests that ended without an interpreter (those still waiting are not counted)."""
        return self.by_machine_only + self.cancelled + self.unanswered


@dataclass(frozen=True)
class Report:
    period: Period
    # Offered languages and any other language asked for or interpreted in the period,
    # most requested first.
    languages: list[LanguageFigures]
    # Every language together (volunteers: every active volunteer account).
    total: LanguageFigures
    # Languages that need interpreters, the most unanswered first.
    unmet: list[LanguageFigures] = field(default_factory=list)


@dataclass(frozen=True)
class WaitingRequest:
    language_code: str
    created_at: datetime
    waited_s: float
    in_machine_interpretation: bool


@dataclass(frozen=True)
class LiveState:
    """What is happening now: requests waiting (oldest first) and volunteers available."""

    waiting: list[WaitingRequest]
    available: dict[str, int]  # language code -> volunteers available now


def percentile(sorted_values: Sequence[float], fraction: float) -> float | None:
    """The value below which ``fraction`` of ``sorted_values`` lie, interpolated linearly
    between the nearest two (PostgreSQL's percentile_cont); None for no values."""
    if not sorted_values:
        return None
    position = fraction * (len(sorted_values) - 1)
    lower = int(position)
    upper = min(lower + 1, len(sorted_values) - 1)
    weight = position - lower
    return sorted_values[lower] + (sorted_values[upper] - sorted_values[lower]) * weight


def _count_where(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))


def _outcomes_query(period: Period) -> Executable:
    r = InterpretationRequest
    answered = r.matched_at.is_not(None)
    # Read only for the few requests no interpreter answered, not joined for every one.
    room_kind = select(Room.kind).where(Room.id == r.room_id).scalar_subquery()
    in_machine_room = and_(r.room_id.is_not(None), room_kind == RoomKind.MACHINE)
    machine = and_(r.matched_at.is_(None), in_machine_room)
    # Neither answered nor in machine interpretation (no room, or a call or meeting room).
    neither = and_(r.matched_at.is_(None), ~func.coalesce(in_machine_room, False))
    ended = r.status.in_((RequestStatus.CLOSED, RequestStatus.EXPIRED))
    return (
        select(
            r.language_code,
            func.count(),
            _count_where(answered),
            _count_where(machine),
            _count_where(and_(neither, r.status == RequestStatus.CANCELLED)),
            _count_where(and_(neither, ended)),
            _count_where(and_(neither, r.status == RequestStatus.OPEN)),
            _count_where(r.long_wait_at.is_not(None)),
        )
        .where(r.created_at >= period.starts_at, r.created_at < period.ends_before)
        .group_by(r.language_code)
    )


def _waits_query(period: Period) -> Executable:
    """Each answered request's language and wait in seconds: two small values a row."""
    r = InterpretationRequest
    return (
        select(r.language_code, seconds_between(r.created_at, r.matched_at))
        .where(r.matched_at.is_not(None))
        .where(r.created_at >= period.starts_at, r.created_at < period.ends_before)
    )


def calls_from_rooms(period: Period) -> Executable:
    """The rooms started in the period, then their interpreters: fast for a short period."""
    interpreted = (
        select(
            Room.id.label("room_id"),
            RoomParticipant.language_code.label("language_code"),
            seconds_between(Room.started_at, Room.closed_at).label("seconds"),
        )
        .join(RoomParticipant, RoomParticipant.room_id == Room.id)
        .where(RoomParticipant.role == ParticipantRole.INTERPRETER)
        .where(RoomParticipant.joined_at.is_not(None))
        .where(RoomParticipant.language_code.is_not(None))
        .where(Room.started_at >= period.starts_at, Room.started_at < period.ends_before)
        .where(Room.closed_at.is_not(None))
        .distinct()  # two interpreters of one language in one room: one call
        .subquery()
    )
    return select(
        interpreted.c.language_code,
        func.count(),
        func.coalesce(func.sum(interpreted.c.seconds), 0.0),
    ).group_by(interpreted.c.language_code)


def calls_from_interpreters(period: Period) -> Executable:
    """The interpreters' own index first, then their rooms: fast for a long period."""
    # Each room's interpreted languages once (two interpreters of one language in one room
    # make one call), from the participants' own index; an interpreter joins before the
    # call starts, so none who joined after the period can be in it.
    p = RoomParticipant
    interpreted = (
        select(p.room_id, p.language_code)
        .where(p.role == ParticipantRole.INTERPRETER)
        .where(p.joined_at.is_not(None), p.joined_at < period.ends_before)
        .where(p.language_code.is_not(None))
        .distinct()
        .subquery()
    )
    return (
        select(
            interpreted.c.language_code,
            func.count(),
            func.coalesce(func.sum(seconds_between(Room.started_at, Room.closed_at)), 0.0),
        )
        .join(Room, Room.id == interpreted.c.room_id)
        .where(Room.started_at >= period.starts_at, Room.started_at < period.ends_before)
        .where(Room.closed_at.is_not(None))
        .group_by(interpreted.c.language_code)
    )


# Above this many days, reading every interpreter's seat beats finding each room's.
LONG_PERIOD_DAYS = 90


def _calls_query(period: Period) -> Executable:
    """Calls started in the period by language, with their total length: the same figures
    either way, read in the order that is quicker for the period's length (a 30-day page
    about 0.1 s, a whole year about half a second on 100,000 requests)."""
    if period.days > LONG_PERIOD_DAYS:
        return calls_from_interpreters(period)
    return calls_from_rooms(period)


def _volunteers_by_language() -> Executable:
    return (
        select(UserLanguage.language_code, func.count(distinct(User.id)))
        .join(User, User.id == UserLanguage.user_id)
        .where(User.role == AccountRole.VOLUNTEER, User.active.is_(True))
        .group_by(UserLanguage.language_code)
    )


async def _wait_percentiles(
    session: AsyncSession, period: Period
) -> tuple[dict[str, tuple[float | None, ...]], tuple[float | None, ...]]:
    """Median and 90th percentile of the waits per language and overall. The waits are
    sorted here: a year's (some 75,000 numbers) read and sort faster than the database
    ranks them with window functions, on SQLite and PostgreSQL alike."""
    by_language: dict[str, list[float]] = {}
    for code, seconds in await session.execute(_waits_query(period)):
        by_language.setdefault(code, []).append(float(seconds))
    everyone = sorted(chain.from_iterable(by_language.values()))
    for waits in by_language.values():
        waits.sort()
    return (
        {code: (percentile(w, 0.5), percentile(w, 0.9)) for code, w in by_language.items()},
        (percentile(everyone, 0.5), percentile(everyone, 0.9)),
    )


def _needs_interpreters(figures: LanguageFigures) -> bool:
    return figures.long_waits > 0 or figures.not_by_interpreter > 0


class Reports:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def figures(self, period: Period) -> Report:
        # The three costly reads at once, each on a connection of its own: on a year of
        # requests each takes a few hundred milliseconds, and the database runs them side
        # by side.
        counted, (waits, overall_waits), calls = await asyncio.gather(
            self._counts(period), self._waits(period), self._calls(period)
        )
        rows, volunteers, all_volunteers = counted
        for code, (median, p90) in waits.items():
            rows.setdefault(code, {"language_code": code}).update(
                median_wait_s=median, p90_wait_s=p90
            )
        for code, (count, seconds) in calls.items():
            rows.setdefault(code, {"language_code": code}).update(
                calls=count, call_seconds=seconds
            )
        for code, figures in rows.items():
            figures["volunteers"] = volunteers.get(code, 0)
        languages = [LanguageFigures(**values) for values in rows.values()]  # type: ignore[arg-type]
        total = LanguageFigures(
            language_code="",
            requests=sum(f.requests for f in languages),
            by_interpreter=sum(f.by_interpreter for f in languages),
            by_machine_only=sum(f.by_machine_only for f in languages),
            cancelled=sum(f.cancelled for f in languages),
            unanswered=sum(f.unanswered for f in languages),
            waiting=sum(f.waiting for f in languages),
            long_waits=sum(f.long_waits for f in languages),
            median_wait_s=overall_waits[0],
            p90_wait_s=overall_waits[1],
            calls=sum(f.calls for f in languages),
            call_seconds=sum(f.call_seconds for f in languages),
            volunteers=all_volunteers,
        )
        languages.sort(key=lambda f: (-f.requests, f.language_code))
        unmet = sorted(
            filter(_needs_interpreters, languages),
            key=lambda f: (-f.not_by_interpreter, -f.long_waits, f.volunteers, f.language_code),
        )
        return Report(period, languages, total, unmet)

    async def _counts(
        self, period: Period
    ) -> tuple[dict[str, dict[str, object]], dict[str, int], int]:
        """Each offered or asked-for language's outcome counts, volunteers per language,
        and all active volunteers."""
        rows: dict[str, dict[str, object]] = {}
        names = ("requests", "by_interpreter", "by_machine_only", "cancelled",
                 "unanswered", "waiting", "long_waits")
        async with self.db.session() as session:
            for code in await session.scalars(select(OfferedLanguage.language_code)):
                rows[code] = {"language_code": code}
            for code, *counts in await session.execute(_outcomes_query(period)):
                rows.setdefault(code, {"language_code": code}).update(
                    {n: int(c or 0) for n, c in zip(names, counts, strict=True)}
                )
            volunteers = {
                code: int(count)
                for code, count in await session.execute(_volunteers_by_language())
            }
            everyone = await session.scalar(
                select(func.count())
                .select_from(User)
                .where(User.role == AccountRole.VOLUNTEER, User.active.is_(True))
            )
        return rows, volunteers, int(everyone or 0)

    async def _waits(
        self, period: Period
    ) -> tuple[dict[str, tuple[float | None, ...]], tuple[float | None, ...]]:
        async with self.db.session() as session:
            return await _wait_percentiles(session, period)

    async def _calls(self, period: Period) -> dict[str, tuple[int, float]]:
        async with self.db.session() as session:
            return {
                code: (int(calls), float(seconds or 0.0))
                for code, calls, seconds in await session.execute(_calls_query(period))
            }

    async def live(self) -> LiveState:
        now = utcnow()
        r = InterpretationRequest
        async with self.db.session() as session:
            waiting = await session.execute(
                select(r.language_code, r.created_at, Room.kind)
                .outerjoin(Room, (Room.id == r.room_id) & Room.closed_at.is_(None))
                .where(r.status == RequestStatus.OPEN)
                .order_by(r.created_at)
                .limit(LIVE_LIMIT)
            )
            available = await session.execute(
                select(UserLanguage.language_code, func.count())
                .join(User, User.id == UserLanguage.user_id)
                .where(User.role == AccountRole.VOLUNTEER, User.active.is_(True))
                .where(User.available.is_(True))
                .group_by(UserLanguage.language_code)
                .order_by(UserLanguage.language_code)
            )
            return LiveState(
                waiting=[
                    WaitingRequest(
                        code, created, (now - created).total_seconds(), kind == RoomKind.MACHINE
                    )
                    for code, created, kind in waiting
                ],
                available={code: int(count) for code, count in available},
            )
