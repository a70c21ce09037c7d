"""Bookings on SQLite and PostgreSQL: validation, the first claim wins, reminders go once,
the booked volunteer is matched first, cancel and release tell the other side."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from interp.domain.accounts import Account
from interp.domain.booking_records import BookingTaken, BookingView, NoticeEvent
from interp.domain.bookings import Bookings, RecordedNotices
from interp.domain.errors import Conflict, InvalidInput, NotAllowed, NotFound
from interp.domain.meetings import Meetings
from interp.domain.requests import Match, ResidentLinks
from interp.domain.tokens import utcnow
from interp.store.models import Booking, BookingNotice, ResidentLink
from tests.domain.services import PASSWORD, Services


@pytest.fixture
def notices(services: Services) -> RecordedNotices:
    return RecordedNotices(services.queue.db)


@pytest.fixture
def bookings(services: Services, notices: RecordedNotices) -> Bookings:
    return Bookings(services.queue.db, services.organisation, notices)


async def caseworker(services: Services, n: int = 1) -> Account:
    return await services.accounts.create(
        f"case{n}@example.org", f"Case {n}", "caseworker", PASSWORD, []
    )


async def link_id(services: Services, owner: Account) -> tuple[str, str]:
    # Resident links last three days, as by default.
    token = await ResidentLinks(services.queue.db, ttl=timedelta(hours=72)).create(
        owner, "Ms A, housing"
    )
    async with services.queue.db.session() as session:
        found = await session.scalar(
            select(ResidentLink.id).order_by(ResidentLink.created_at.desc())
        )
    assert found is not None
    return found, token


async def book(bookings: Bookings, services: Services, owner: Account) -> BookingView:
    """A booking two days ahead."""
    link, _ = await link_id(services, owner)
    return await bookings.create(
        owner, "es", utcnow() + timedelta(hours=48), 60, resident_link_id=link
    )


async def move_start(services: Services, booking_id: str, starts_at: datetime) -> None:
    """The clock moves on: the booked time is now as near as the test needs."""
    async with services.queue.db.session() as session:
        await session.execute(
            update(Booking).where(Booking.id == booking_id).values(starts_at=starts_at)
        )


async def count(services: Services, table: type) -> int:
    async with services.queue.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def test_a_booking_for_a_resident_link_is_open_to_volunteers_of_its_language(
    services: Services, bookings: Bookings
) -> None:
    owner = await caseworker(services)
    booking = await book(bookings, services, owner)
    assert booking.status == "open"
    assert [b.id for b in await bookings.open_for(["es"])] == [booking.id]
    assert await bookings.open_for(["ar"]) == []
    entries = await bookings.made_by(owner.id)
    assert [(e.booking.id, e.subject) for e in entries] == [(booking.id, "Ms A, housing")]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"starts_at": -timedelta(minutes=5)}, "starts_at"),
        ({"starts_at": timedelta(days=400)}, "starts_at"),
        ({"language": "fr"}, "language"),  # a real language the organisation does not offer
        ({"language": "xx"}, "language"),  # no language at all
        ({"length_min": 241}, "length"),
        ({"length_min": 10}, "length"),
        ({"note": "x" * 501}, "note"),
    ],
)
async def test_bad_bookings_are_refused_and_nothing_is_stored(
    services: Services, bookings: Bookings, change: dict[str, object], field: str
) -> None:
    owner = await caseworker(services)
    meeting = await Meetings(services.queue.db, "s" * 32, 8, services.organisation).create(
        owner, "Housing review", "online", ["es"]
    )
    values: dict[str, object] = {
        "language": "es",
        "starts_at": timedelta(days=2),
        "length_min": 60,
        "note": "",
    }
    values.update(change)
    assert isinstance(values["starts_at"], timedelta)
    with pytest.raises(InvalidInput) as refused:
        await bookings.create(
            owner,
            str(values["language"]),
            utcnow() + values["starts_at"],
            int(str(values["length_min"])),
            meeting_id=meeting.id,
            note=str(values["note"]),
        )
    assert refused.value.field == field
    assert await count(services, Booking) == 0


async def test_someone_elses_meeting_or_link_is_refused(
    services: Services, bookings: Bookings
) -> None:
    owner, other = await caseworker(services, 1), await caseworker(services, 2)
    meeting = await Meetings(services.queue.db, "s" * 32, 8, services.organisation).create(
        owner, "Housing review", "online", ["es"]
    )
    link, _ = await link_id(services, owner)
    when = utcnow() + timedelta(days=1)
    with pytest.raises(InvalidInput):
        await bookings.create(other, "es", when, 60, meeting_id=meeting.id)
    with pytest.raises(InvalidInput):
        await bookings.create(other, "es", when, 60, resident_link_id=link)
    with pytest.raises(InvalidInput):  # neither
        await bookings.create(owner, "es", when, 60)
    with pytest.raises(NotAllowed):
        await bookings.create(await services.volunteer(1), "es", when, 60, meeting_id=meeting.id)
    assert await count(services, Booking) == 0
    # The owner's own meeting is fine.
    made = await bookings.create(owner, "es", when, 60, meeting_id=meeting.id)
    assert made.meeting_id == meeting.id


async def test_twenty_volunteers_claim_at_once_and_exactly_one_wins(
    services: Services, bookings: Bookings, notices: RecordedNotices
) -> None:
    owner = await caseworker(services)
    booking = await book(bookings, services, owner)
    volunteers = [await services.volunteer(n) for n in range(20)]

    results = await asyncio.gather(
        *(bookings.claim(booking.id, v) for v in volunteers), return_exceptions=True
    )

    wins = [r for r in results if isinstance(r, BookingView)]
    losses = [r for r in results if isinstance(r, BookingTaken)]
    assert len(wins) == 1, results
    assert len(losses) == 19, results
    stored = await bookings.get(booking.id)
    assert stored.status == "claimed" and stored.volunteer_id == wins[0].volunteer_id
    assert await bookings.open_for(["es"]) == []
    told = await notices.for_user(owner.id)
    assert [n.event for n in told] == [NoticeEvent.CLAIMED]


async def test_a_claim_needs_the_language_and_the_role(
    services: Services, bookings: Bookings
) -> None:
    owner = await caseworker(services)
    booking = await book(bookings, services, owner)
    with pytest.raises(NotAllowed):
        await bookings.claim(booking.id, await services.volunteer(1, ("ar",)))
    with pytest.raises(NotAllowed):
        await bookings.claim(booking.id, owner)
    assert (await bookings.get(booking.id)).status == "open"


async def test_reminders_go_once_even_when_two_nodes_send_them_at_once(
    services: Services, bookings: Bookings, notices: RecordedNotices
) -> None:
    owner = await caseworker(services)
    booking = await book(bookings, services, owner)
    volunteer = await services.volunteer(1)
    await bookings.claim(booking.id, volunteer)
    other_node = Bookings(services.queue.db, services.organisation, notices)
    assert await bookings.send_due_reminders() == []  # two days ahead: nothing due

    await move_start(services, booking.id, utcnow() + timedelta(hours=20))
    first = await asyncio.gather(bookings.send_due_reminders(), other_node.send_due_reminders())
    assert sorted(len(sent) for sent in first) == [0, 1]
    assert [n.event for n in await notices.for_user(volunteer.id)] == ["reminder"]

    await move_start(services, booking.id, utcnow() + timedelta(minutes=30))
    second = await asyncio.gather(bookings.send_due_reminders(), other_node.send_due_reminders())
    assert sorted(len(sent) for sent in second) == [0, 1]
    assert await bookings.send_due_reminders() == []
    for person in (volunteer.id, owner.id):
        events = [n.event for n in await notices.for_user(person)]
        assert events.count("reminder") == 2, events


async def test_the_booked_volunteer_is_matched_first(
    services: Services, bookings: Bookings
) -> None:
    owner = await caseworker(services)
    link, token = await link_id(services, owner)
    booking = await bookings.create(
        owner, "es", utcnow() + timedelta(hours=2), 60, resident_link_id=link
    )
    booked, other = await services.volunteer(1), await services.volunteer(2)
    await bookings.claim(booking.id, booked)
    await move_start(services, booking.id, utcnow() + timedelta(minutes=5))

    new = await services.queue.create("es", "video", link_token=token)
    assert await bookings.hold_request(new.request.id) == booked.id

    assert [r.id for r in await services.queue.open_for(["es"], other.id)] == []
    assert [r.id for r in await services.queue.open_for(["es"], booked.id)] == [new.request.id]
    with pytest.raises(Conflict, match="booked interpreter"):
        await services.queue.accept(new.request.id, other)
    match = await services.queue.accept(new.request.id, booked)
    assert isinstance(match, Match) and match.request.volunteer_id == booked.id


async def test_after_the_hold_anyone_may_accept(
    services: Services, notices: RecordedNotices
) -> None:
    bookings = Bookings(services.queue.db, services.organisation, notices, hold=timedelta(0))
    owner = await caseworker(services)
    link, token = await link_id(services, owner)
    booking = await bookings.create(
        owner, "es", utcnow() + timedelta(hours=2), 60, resident_link_id=link
    )
    booked, other = await services.volunteer(1), await services.volunteer(2)
    await bookings.claim(booking.id, booked)
    await move_start(services, booking.id, utcnow())
    new = await services.queue.create("es", "video", link_token=token)
    assert await bookings.hold_request(new.request.id) == booked.id

    assert await bookings.end_holds() == [new.request.id]
    assert await bookings.end_holds() == []  # announced once
    match = await services.queue.accept(new.request.id, other)
    assert match.request.volunteer_id == other.id


async def test_a_request_outside_the_window_is_not_held(
    services: Services, bookings: Bookings
) -> None:
    owner = await caseworker(services)
    link, token = await link_id(services, owner)
    booking = await bookings.create(
        owner, "es", utcnow() + timedelta(hours=2), 60, resident_link_id=link
    )
    await bookings.claim(booking.id, await services.volunteer(1))
    new = await services.queue.create("es", "video", link_token=token)
    assert await bookings.hold_request(new.request.id) is None
    match = await services.queue.accept(new.request.id, await services.volunteer(2))
    assert match.request.status == "matched"


async def test_cancel_tells_the_volunteer_and_release_tells_the_caseworker(
    services: Services, bookings: Bookings, notices: RecordedNotices
) -> None:
    owner = await caseworker(services)
    first, second = await book(bookings, services, owner), await book(bookings, services, owner)
    volunteer, other = await services.volunteer(1), await services.volunteer(2)
    await bookings.claim(first.id, volunteer)
    await bookings.claim(second.id, volunteer)

    with pytest.raises(Conflict):
        await bookings.release(first.id, other)  # not theirs
    released = await bookings.release(first.id, volunteer)
    assert released.status == "open" and released.volunteer_id is None
    assert [b.id for b in await bookings.open_for(["es"])] == [first.id]
    owner_told = [(n.event, n.booking.id) for n in await notices.for_user(owner.id)]
    assert ("released", first.id) in owner_told

    with pytest.raises(NotFound):  # someone else's booking
        await bookings.cancel(second.id, await caseworker(services, 2))
    cancelled = await bookings.cancel(second.id, owner)
    assert cancelled.status == "cancelled"
    volunteer_told = [(n.event, n.booking.id) for n in await notices.for_user(volunteer.id)]
    assert volunteer_told == [("cancelled", second.id)]
    with pytest.raises(Conflict):
        await bookings.cancel(second.id, owner)
    assert await bookings.claimed_by(volunteer.id) == []
    assert await count(services, BookingNotice) == 4  # two claimed, one released, one cancelled
