"""The request queue: ordering, cancel, matching (first accept wins), hand-back, long waits."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from interp.domain.errors import Conflict, InvalidInput, InvalidToken, NotAllowed
from interp.domain.requests import Match, RequestQueue
from interp.store.models import Room, RoomParticipant
from tests.domain.services import Services


async def test_request_is_stored_and_found_by_its_token(services: Services) -> None:
    new = await services.queue.create("es", "audio", "  at the housing office ")
    assert len(new.token) >= 43
    found = await services.queue.by_token(new.token)
    assert found.id == new.request.id
    assert (found.status, found.media, found.note) == ("open", "audio", "at the housing office")
    with pytest.raises(InvalidToken):
        await services.queue.by_token(new.token[:-1])


@pytest.mark.parametrize(
    ("language", "media", "note", "message", "field"),
    [
        # A real language this organisation does not offer.
        ("de", "video", "", "not offered", "language"),
        ("zz", "video", "", "not offered", "language"),
        ("es", "smoke-signals", "", "video or audio", "media"),
        ("es", "video", "x" * 501, "at most 500", "note"),
    ],
)
async def test_bad_request_is_refused_and_changes_nothing(
    services: Services, language: str, media: str, note: str, message: str, field: str
) -> None:
    with pytest.raises(InvalidInput, match=message) as refused:
        await services.queue.create(language, media, note)
    assert refused.value.field == field  # what the request form asks to correct
    assert await services.queue.open_languages() == []


async def test_queue_order_and_cancel(services: Services) -> None:
    first = await services.queue.create("es", "video")
    second = await services.queue.create("es", "video")
    other = await services.queue.create("ar", "audio")
    assert [r.id for r in await services.queue.queue("es")] == [first.request.id, second.request.id]
    cancelled = await services.queue.cancel(first.token)
    assert cancelled.status == "cancelled"
    assert [r.id for r in await services.queue.queue("es")] == [second.request.id]
    with pytest.raises(Conflict, match="cancelled"):
        await services.queue.cancel(first.token)
    assert [r.id for r in await services.queue.queue("ar")] == [other.request.id]


async def test_volunteer_sees_only_their_languages(services: Services) -> None:
    await services.queue.create("es", "video")
    await services.queue.create("bfi", "video")
    await services.queue.create("ar", "audio")
    volunteer = await services.volunteer(1, ("ar", "bfi"))
    seen = await services.queue.open_for(volunteer.languages)
    assert sorted(r.language_code for r in seen) == ["ar", "bfi"]
    assert await services.queue.volunteers_for("ar") == [volunteer.id]


async def test_accept_opens_a_room_for_both(services: Services) -> None:
    new = await services.queue.create("es", "video")
    volunteer = await services.volunteer(1)
    match = await services.queue.accept(new.request.id, volunteer)
    assert match.request.status == "matched" and match.request.volunteer_id == volunteer.id
    resident = await services.rooms.participant_by_token(new.token)
    interpreter = await services.rooms.participant_for_user(match.room_id, volunteer.id)
    assert (resident.room_id, resident.role) == (match.room_id, "resident")
    assert (interpreter.role, interpreter.display_name) == ("interpreter", "Volunteer 1")
    assert await services.queue.queue("es") == []
    with pytest.raises(Conflict, match="matched"):
        await services.queue.cancel(new.token)


async def test_accept_needs_the_language_and_the_role(services: Services) -> None:
    new = await services.queue.create("es", "video")
    arabic = await services.volunteer(1, ("ar",))
    caseworker = await services.accounts.create(
        "c@example.org", "C", "caseworker", "correct horse battery", ["es"]
    )
    with pytest.raises(NotAllowed):
        await services.queue.accept(new.request.id, arabic)
    with pytest.raises(NotAllowed):
        await services.queue.accept(new.request.id, caseworker)
    assert (await services.queue.get(new.request.id)).status == "open"


async def test_twenty_volunteers_accept_at_once_and_exactly_one_wins(
    services: Services,
) -> None:
    volunteers = [await services.volunteer(n) for n in range(24)]
    new = await services.queue.create("es", "video")

    results = await asyncio.gather(
        *(services.queue.accept(new.request.id, v) for v in volunteers), return_exceptions=True
    )

    wins = [r for r in results if isinstance(r, Match)]
    losses = [r for r in results if isinstance(r, Conflict)]
    assert len(wins) == 1, results
    assert len(losses) == len(volunteers) - 1
    assert all("already taken" in loss.message for loss in losses)
    stored = await services.queue.get(new.request.id)
    assert stored.volunteer_id == wins[0].request.volunteer_id
    async with services.queue.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Room)) == 1
        assert await session.scalar(select(func.count()).select_from(RoomParticipant)) == 2


async def test_double_accept_by_the_same_volunteer_is_refused(services: Services) -> None:
    new = await services.queue.create("es", "video")
    volunteer = await services.volunteer(1)
    match = await services.queue.accept(new.request.id, volunteer)
    with pytest.raises(Conflict):
        await services.queue.accept(new.request.id, volunteer)
    assert (await services.queue.get(new.request.id)).room_id == match.room_id


async def test_hand_back_puts_the_request_at_the_head(services: Services) -> None:
    older = await services.queue.create("es", "video")
    newer = await services.queue.create("es", "video")
    volunteer = await services.volunteer(1)
    other = await services.volunteer(2)
    match = await services.queue.accept(newer.request.id, volunteer)
    with pytest.raises(Conflict, match="not yours"):
        await services.queue.release(newer.request.id, other.id)
    back = await services.queue.release(newer.request.id, volunteer.id)
    assert back.status == "open" and back.room_id is None
    assert [r.id for r in await services.queue.queue("es")] == [newer.request.id, older.request.id]
    with pytest.raises(InvalidToken):  # the abandoned room no longer admits the resident
        await services.rooms.participant_by_token(newer.token)
    assert (await services.rooms.get(match.room_id)).closed_at is not None


async def test_hand_back_after_the_call_started_is_refused(services: Services) -> None:
    new = await services.queue.create("es", "video")
    volunteer = await services.volunteer(1)
    match = await services.queue.accept(new.request.id, volunteer)
    room = await services.rooms.get(match.room_id)
    started = [await services.rooms.mark_joined(p.id) for p in room.participants]
    assert started == [False, True]
    with pytest.raises(Conflict, match="started"):
        await services.queue.release(new.request.id, volunteer.id)


async def test_long_waits_are_flagged_once(services: Services) -> None:
    new = await services.queue.create("es", "video")
    patient = RequestQueue(
        services.queue.db, services.organisation, timedelta(hours=1), timedelta(hours=1)
    )
    assert await patient.mark_long_waits() == []
    flagged = await services.queue.mark_long_waits()  # this queue's fallback wait is zero
    assert [r.id for r in flagged] == [new.request.id] and flagged[0].long_wait
    assert await services.queue.mark_long_waits() == []
    assert (await services.queue.get(new.request.id)).status == "open"  # still open to volunteers


async def test_expired_requests_leave_the_queue(services: Services) -> None:
    short = RequestQueue(
        services.queue.db, services.organisation, timedelta(seconds=-1), timedelta(hours=1)
    )
    new = await short.create("es", "video")
    volunteer = await services.volunteer(1)
    with pytest.raises(Conflict):
        await services.queue.accept(new.request.id, volunteer)
    assert [r.id for r in await short.expire_stale()] == [new.request.id]
    assert await services.queue.queue("es") == []
    with pytest.raises(InvalidToken):
        await services.queue.by_token(new.token)


async def test_wait_estimate_comes_from_recent_matches(services: Services) -> None:
    assert await services.queue.estimated_wait_s("es") is None
    volunteer = await services.volunteer(1)
    new = await services.queue.create("es", "video")
    await services.queue.accept(new.request.id, volunteer)
    estimate = await services.queue.estimated_wait_s("es")
    assert estimate is not None and estimate >= 0
    assert await services.queue.estimated_wait_s("ar") is None


async def test_resident_link_opens_one_request(services: Services) -> None:
    caseworker = await services.accounts.create(
        "c@example.org", "C", "caseworker", "correct horse battery"
    )
    token = await services.links.create(caseworker, "Mrs K")
    await services.links.check(token)
    await services.queue.create("es", "video", link_token=token)
    with pytest.raises(InvalidToken):
        await services.links.check(token)
    with pytest.raises(InvalidToken):
        await services.queue.create("es", "video", link_token=token)
    assert len(await services.queue.queue("es")) == 1
    volunteer = await services.volunteer(1)
    with pytest.raises(NotAllowed):
        await services.links.create(volunteer)
