"""A month of requests, rooms and volunteers with known timestamps, written straight into a
database, for the coordinator's reports. The figures it must give are spelt out in
``EXPECTED`` (period: March 2026)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from interp.domain.kinds import ParticipantRole, RequestStatus, RoomKind
from interp.store.database import Database
from interp.store.models import (
    InterpretationRequest,
    OfferedLanguage,
    Room,
    RoomParticipant,
    User,
    UserLanguage,
)

FIRST_DAY = date(2026, 3, 1)
LAST_DAY = date(2026, 3, 31)
_ids = itertools.count(1)


def at(day: int, hour: int = 10, minute: int = 0, second: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


@dataclass(frozen=True)
class Expected:
    requests: int
    by_interpreter: int
    by_machine_only: int
    cancelled: int
    unanswered: int
    waiting: int
    long_waits: int
    median_wait_s: float | None
    p90_wait_s: float | None
    calls: int
    call_seconds: float
    volunteers: int


EXPECTED = {
    # Waits 60, 120, 300 s: median 120; 90th percentile 120 + 0.8 × 180 = 264.
    # Calls 600 + 1200 (two interpreters, one call) + 1200 (a meeting over midnight).
    "es": Expected(7, 3, 1, 1, 1, 1, 5, 120.0, 264.0, 3, 3000.0, 2),
    "ar": Expected(3, 1, 1, 0, 1, 0, 1, 30.0, 30.0, 0, 0.0, 1),
    "ti": Expected(2, 0, 0, 1, 1, 0, 1, None, None, 0, 0.0, 0),
    "bfi": Expected(0, 0, 0, 0, 0, 0, 0, None, None, 0, 0.0, 0),
}
# Every language: waits 30, 60, 120, 300 s; two active volunteers.
EXPECTED_TOTAL = Expected(12, 4, 2, 2, 3, 1, 7, 90.0, 246.0, 3, 3000.0, 2)
# Most unanswered first; at a tie, most long waits, then fewest volunteers first.
EXPECTED_UNMET = ["es", "ti", "ar"]


def _id() -> str:
    return f"{next(_ids):032x}"


def _request(
    language: str,
    created: datetime,
    status: RequestStatus,
    *,
    waited_s: float | None = None,
    long_wait: bool = False,
    room: Room | None = None,
    volunteer: User | None = None,
) -> InterpretationRequest:
    return InterpretationRequest(
        id=_id(),
        token_hash=_id() * 2,
        language_code=language,
        media="video",
        note="",
        status=status,
        priority=0,
        created_at=created,
        # Still open: the request stays in the queue, so a live server's sweeper (which
        # expires and flags old open requests) leaves the history as written.
        expires_at=created + timedelta(days=3650 if status == RequestStatus.OPEN else 1),
        long_wait_at=created + timedelta(seconds=120) if long_wait else None,
        matched_at=created + timedelta(seconds=waited_s) if waited_s is not None else None,
        volunteer_id=volunteer.id if volunteer and waited_s is not None else None,
        room_id=room.id if room is not None else None,
        closed_at=None,
    )


def _room(
    kind: RoomKind, started: datetime | None, length_s: float | None = None
) -> Room:
    created = started or at(1)
    return Room(
        id=_id(),
        media="video",
        kind=kind,
        created_at=created,
        started_at=started,
        closed_at=started + timedelta(seconds=length_s) if started and length_s else None,
    )


def _interpreter(room: Room, language: str, user: User, joined: bool = True) -> RoomParticipant:
    return RoomParticipant(
        id=_id(),
        room_id=room.id,
        role=ParticipantRole.INTERPRETER,
        display_name=user.display_name,
        language_code=language,
        user_id=user.id,
        joined_at=room.started_at if joined else None,
        # In a call still going: seen by a node for years to come, so a live server's sweeper
        # does not count the interpreter as gone and end the call.
        seen_at=datetime(2100, 1, 1, tzinfo=UTC) if joined and room.closed_at is None else None,
    )


def _volunteer(
    n: int, languages: tuple[str, ...], *, active: bool = True, available: bool = False
) -> tuple[User, list[UserLanguage]]:
    user = User(
        id=_id(),
        email=f"history{n}.{next(_ids)}@example.org",
        display_name=f"Volunteer {n}",
        role="volunteer",
        password_hash="x",
        active=active,
        available=available,
        created_at=at(1, month=1),
    )
    return user, [UserLanguage(user_id=user.id, language_code=code) for code in languages]


async def write_history(db: Database, offered: tuple[str, ...] = ("es", "ar", "bfi")) -> None:
    """The history ``EXPECTED`` describes, plus rows just outside March that must not count.
    ``offered``: the languages offered, on a database that offers none yet."""
    one, one_languages = _volunteer(1, ("es", "ar"), available=True)
    two, two_languages = _volunteer(2, ("es",))
    gone, gone_languages = _volunteer(3, ("es", "ti"), active=False, available=True)
    rooms: list[Room] = []
    requests: list[InterpretationRequest] = []
    people: list[RoomParticipant] = []

    def room(kind: RoomKind, started: datetime | None, length_s: float | None = None) -> Room:
        rooms.append(_room(kind, started, length_s))
        return rooms[-1]

    def request(*args: object, **kwargs: object) -> InterpretationRequest:
        requests.append(_request(*args, **kwargs))  # type: ignore[arg-type]
        return requests[-1]

    # Spanish: answered after 60 s, a 10-minute call.
    call = room(RoomKind.CALL, at(2, 10, 1, 30), 600)
    request("es", at(2), RequestStatus.CLOSED, waited_s=60, room=call, volunteer=one)
    people.append(_interpreter(call, "es", one))
    # Answered after 120 s (past the fallback wait); two interpreters, still one call.
    call = room(RoomKind.CALL, at(3, 10, 2), 1200)
    request("es", at(3), RequestStatus.CLOSED, waited_s=120, long_wait=True, room=call,
            volunteer=two)
    people += [_interpreter(call, "es", two), _interpreter(call, "es", one)]
    # Answered after 300 s, the call still going: answered, but no finished call yet.
    call = room(RoomKind.CALL, at(4, 10, 5))
    request("es", at(4), RequestStatus.MATCHED, waited_s=300, long_wait=True, room=call,
            volunteer=one)
    people.append(_interpreter(call, "es", one))
    # Machine interpretation only, then closed.
    machine = room(RoomKind.MACHINE, at(5, 10, 3), 900)
    request("es", at(5), RequestStatus.CLOSED, long_wait=True, room=machine)
    request("es", at(6), RequestStatus.CANCELLED)
    request("es", at(7), RequestStatus.EXPIRED, long_wait=True)
    # Waiting at the very end of the period.
    request("es", at(31, 23, 59, 59), RequestStatus.OPEN, long_wait=True)
    # A meeting's interpreter from 23:50 on the last day to 00:10 the day after.
    meeting = room(RoomKind.MEETING, at(31, 23, 50), 1200)
    people.append(_interpreter(meeting, "es", two))

    # Arabic: answered after 30 s, but the interpreter never joined before the room closed.
    call = room(RoomKind.CALL, at(8), 60)
    request("ar", at(8), RequestStatus.CLOSED, waited_s=30, room=call, volunteer=one)
    people.append(_interpreter(call, "ar", one, joined=False))
    # In machine interpretation now, still in the queue.
    request("ar", at(9), RequestStatus.OPEN, long_wait=True,
            room=room(RoomKind.MACHINE, at(9, 10, 1)))
    # Asked into a meeting that ended without an interpreter.
    request("ar", at(10), RequestStatus.CLOSED, room=room(RoomKind.MEETING, at(10), 1800))

    # Tigrinya, not offered (any more), nobody offers it.
    request("ti", at(11), RequestStatus.EXPIRED, long_wait=True)
    request("ti", at(12), RequestStatus.CANCELLED)

    # Just outside March: neither counted nor shown waiting.
    before = room(RoomKind.CALL, at(28, 23, 59, month=2), 600)
    request("es", at(28, 23, 50, month=2), RequestStatus.CLOSED, waited_s=45, room=before,
            volunteer=one)
    people.append(_interpreter(before, "es", one))
    request("es", at(1, 0, 0, 0, month=4), RequestStatus.CANCELLED, long_wait=True)

    async with db.session() as session:
        session.add_all(OfferedLanguage(language_code=c, position=i) for i, c in enumerate(offered))
        session.add_all([one, two, gone])
        await session.flush()
        session.add_all([*one_languages, *two_languages, *gone_languages])
        session.add_all(rooms)
        await session.flush()
        session.add_all(requests)
        await session.flush()
        session.add_all(people)
