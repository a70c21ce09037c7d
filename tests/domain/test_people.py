"""The coordinator's people: pending invitations and revoking them; volunteers' languages
(offered ones only) and availability (never without a language); volunteers' records."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from interp.domain.accounts import INVITE_REVOKED_EVENT, InviteSpent
from interp.domain.errors import InvalidInput, NotFound
from interp.domain.kinds import ParticipantRole, RoomKind
from interp.domain.resident_links import LinkState
from interp.domain.tokens import new_id
from interp.domain.volunteer_records import VolunteerRecords, by_language, by_month
from interp.store.database import Database
from interp.store.models import AuditEntry, Room, RoomParticipant
from tests.domain.services import PASSWORD, Services


async def test_pending_invites_are_listed_and_revoked_with_an_audit_entry(
    services: Services, database: Database
) -> None:
    boss = await services.accounts.create("boss@example.org", "Boss", "coordinator", PASSWORD)
    first = await services.accounts.invite("volunteer", boss.id, "v@example.org")
    second = await services.accounts.invite("caseworker", boss.id)
    used = await services.accounts.invite("volunteer", boss.id)
    await services.accounts.redeem_invite(used.token, "u@example.org", "U", PASSWORD)

    pending = await services.accounts.pending_invites()
    assert [(i.id, i.role, i.email) for i in pending] == [
        (second.id, "caseworker", None),
        (first.id, "volunteer", "v@example.org"),
    ]
    assert all(i.expires_at > i.created_at for i in pending)

    await services.accounts.revoke_invite(first.id, boss.id)
    assert [i.id for i in await services.accounts.pending_invites()] == [second.id]
    with pytest.raises(InviteSpent) as spent:
        await services.accounts.check_invite(first.token)
    assert spent.value.reason == "revoked"
    with pytest.raises(InviteSpent):
        await services.accounts.redeem_invite(first.token, "v@example.org", "V", PASSWORD)
    assert await services.accounts.by_email("v@example.org") is None

    async with database.session() as session:
        entries = list(await session.scalars(select(AuditEntry)))
    assert [e.event for e in entries] == [INVITE_REVOKED_EVENT]
    assert json.loads(entries[0].detail) == {"invite": first.id, "by": boss.id}


async def test_revoking_a_used_or_unknown_invite_is_refused_and_changes_nothing(
    services: Services,
) -> None:
    boss = await services.accounts.create("boss@example.org", "Boss", "coordinator", PASSWORD)
    used = await services.accounts.invite("volunteer", boss.id)
    await services.accounts.redeem_invite(used.token, "u@example.org", "U", PASSWORD)
    waiting = await services.accounts.invite("volunteer", boss.id)
    for invite_id in (used.id, "no-such-invite"):
        with pytest.raises(NotFound):
            await services.accounts.revoke_invite(invite_id, boss.id)
    assert [i.id for i in await services.accounts.pending_invites()] == [waiting.id]
    with pytest.raises(InviteSpent) as spent:
        await services.accounts.check_invite(used.token)
    assert spent.value.reason == "used"


async def test_expired_invite_says_so(services: Services) -> None:
    boss = await services.accounts.create("boss@example.org", "Boss", "coordinator", PASSWORD)
    services.accounts.invite_ttl = timedelta(seconds=-1)
    invite = await services.accounts.invite("volunteer", boss.id)
    with pytest.raises(InviteSpent) as spent:
        await services.accounts.check_invite(invite.token)
    assert spent.value.reason == "expired"
    assert await services.accounts.pending_invites() == []


async def test_no_availability_without_a_language(services: Services) -> None:
    user = await services.accounts.create("v@example.org", "V", "volunteer", PASSWORD)
    with pytest.raises(InvalidInput, match="at least one language"):
        await services.accounts.set_available(user.id, True)
    account = await services.accounts.get(user.id)
    assert account is not None and not account.available
    await services.accounts.set_languages(user.id, ["es"])
    await services.accounts.set_available(user.id, True)
    # Giving up every language ends availability too: nobody could be matched.
    emptied = await services.accounts.set_languages(user.id, [])
    assert not emptied.available and emptied.languages == ()


async def test_languages_must_be_offered_and_a_refusal_changes_nothing(
    services: Services,
) -> None:
    user = await services.accounts.create("v@example.org", "V", "volunteer", PASSWORD, ["es"])
    with pytest.raises(InvalidInput, match="offers"):
        await services.accounts.set_languages(user.id, ["es", "fr"])  # fr is not offered
    account = await services.accounts.get(user.id)
    assert account is not None and account.languages == ("es",)
    assert (await services.accounts.set_languages(user.id, ["ar", "bfi"])).languages == (
        "ar",
        "bfi",
    )


async def test_a_language_no_longer_offered_is_kept_until_removed(services: Services) -> None:
    user = await services.accounts.create("v@example.org", "V", "volunteer", PASSWORD, ["es"])
    await services.organisation.set_offered_languages(["ar"])
    kept = await services.accounts.set_languages(user.id, ["es", "ar"])
    assert kept.languages == ("ar", "es")
    assert (await services.accounts.set_languages(user.id, ["ar"])).languages == ("ar",)
    with pytest.raises(InvalidInput, match="offers"):
        await services.accounts.set_languages(user.id, ["ar", "es"])  # gone: not again


async def test_signing_up_with_a_language_not_offered_is_refused(services: Services) -> None:
    boss = await services.accounts.create("boss@example.org", "Boss", "coordinator", PASSWORD)
    invite = await services.accounts.invite("volunteer", boss.id)
    with pytest.raises(InvalidInput, match="offers"):
        await services.accounts.redeem_invite(invite.token, "v@example.org", "V", PASSWORD, ["fr"])
    assert await services.accounts.by_email("v@example.org") is None
    await services.accounts.check_invite(invite.token)  # still unused


T0 = datetime(2026, 3, 30, 22, 0, tzinfo=UTC)


async def _call(
    database: Database,
    user_id: str,
    language: str,
    joined: datetime,
    left: datetime | None,
    closed: datetime | None,
    role: str = ParticipantRole.INTERPRETER,
) -> None:
    room_id = new_id()
    async with database.session() as session:
        session.add(
            Room(
                id=room_id,
                media="video",
                kind=RoomKind.CALL,
                created_at=joined,
                started_at=joined,
                closed_at=closed,
            )
        )
        await session.flush()
        session.add(
            RoomParticipant(
                id=new_id(),
                room_id=room_id,
                role=role,
                display_name="V",
                language_code=language,
                user_id=user_id,
                joined_at=joined,
                left_at=left,
            )
        )


async def test_hours_per_month_are_the_lengths_constructed(
    services: Services, database: Database
) -> None:
    ana = await services.volunteer(1, ("es", "ar"))
    ben = await services.volunteer(2)
    minute = timedelta(minutes=1)
    # March: 30 min (left before the room closed) + 45 min (the room's closing ends it:
    # no departure recorded). April: 90 min. One still going, one a caseworker's seat,
    # one before the period: none of them count.
    await _call(database, ana.id, "es", T0, T0 + 30 * minute, T0 + 40 * minute)
    await _call(database, ana.id, "ar", T0 + timedelta(hours=1), None, T0 + 105 * minute)
    april = datetime(2026, 4, 2, 9, tzinfo=UTC)
    await _call(database, ana.id, "es", april, april + 90 * minute, april + 90 * minute)
    await _call(database, ana.id, "es", april + timedelta(days=1), None, None)
    await _call(
        database, ana.id, "es", april, april + 60 * minute, None, role=ParticipantRole.CASEWORKER
    )
    await _call(database, ana.id, "es", T0 - timedelta(days=60), T0 - timedelta(days=59), None)
    await _call(database, ben.id, "es", april, april + 15 * minute, april + 15 * minute)

    records = VolunteerRecords(database)
    start, end = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 5, 1, tzinfo=UTC)
    calls = await records.calls(ana.id, start, end)
    assert [(c.language_code, c.seconds) for c in calls] == [
        ("es", 90 * 60),
        ("ar", 45 * 60),
        ("es", 30 * 60),
    ]
    months = by_month(calls)
    assert [(m.month, m.calls, m.seconds) for m in months] == [
        ("2026-03", 2, 75 * 60),
        ("2026-04", 1, 90 * 60),
    ]
    assert by_language(calls) == {"es": 2, "ar": 1}

    totals = {
        r.display_name: (r.calls, r.seconds) for r in await records.hours_by_volunteer(start, end)
    }
    assert totals == {"Volunteer 1": (3, 165 * 60), "Volunteer 2": (1, 15 * 60)}
    assert await records.calls(ana.id, end, end + timedelta(days=30)) == []


async def test_sent_links_show_where_each_resident_is(services: Services) -> None:
    caseworker = await services.accounts.create("c@example.org", "Cas", "caseworker", PASSWORD)
    unused = await services.links.create(caseworker, "Unused")
    waiting = await services.links.create(caseworker, "Waiting")
    machine = await services.links.create(caseworker, "Machine")
    await services.queue.create("es", "video", link_token=waiting)
    request = await services.queue.create("ar", "video", link_token=machine)
    room_id = await services.queue.start_machine_room(request.token, "en")
    sent = {link.label: link for link in await services.links.sent_by(caseworker.id)}
    assert unused and sent["Unused"].state == LinkState.UNUSED
    assert sent["Waiting"].state == LinkState.WAITING and sent["Waiting"].join_room is None
    assert sent["Machine"].state == LinkState.MACHINE
    assert sent["Machine"].join_room == room_id
    await services.rooms.close(room_id)
    after = {link.label: link for link in await services.links.sent_by(caseworker.id)}
    assert after["Machine"].state == LinkState.ENDED and after["Machine"].join_room is None
    other = await services.accounts.create("o@example.org", "O", "caseworker", PASSWORD)
    assert await services.links.sent_by(other.id) == []
