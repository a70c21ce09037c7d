"""Caseworkers' meetings: guests who wait to be let in, the host's powers, the size limit,
an interpreter asked into the meeting through the ordinary queue, and the history."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from interp.domain.accounts import Account
from interp.domain.errors import Conflict, InvalidInput, InvalidToken, NotAllowed, NotFound
from interp.domain.meetings import (
    MeetingEnded,
    MeetingFull,
    MeetingHasEnded,
    MeetingInfo,
    Meetings,
    Removed,
)
from interp.domain.tokens import utcnow
from interp.hub import Hub, create_hub
from interp.hub.channels import request_channel, room_channel
from interp.realtime.dispatch import Dispatcher
from interp.store.database import Database
from interp.store.models import InterpretationRequest
from tests.domain.services import PASSWORD, Services

LIMIT = 3


@pytest.fixture
async def meetings(database: Database, services: Services) -> Meetings:
    return Meetings(database, "a test secret", LIMIT, services.organisation)


@pytest.fixture
async def host(services: Services) -> Account:
    return await services.accounts.create(
        "kasia@example.org", "Kasia", "caseworker", PASSWORD
    )


@pytest.fixture
async def meeting(meetings: Meetings, host: Account) -> MeetingInfo:
    return await meetings.create(host, "Housing review", "online", ["es", "ar"])


@pytest.fixture
async def hub() -> AsyncIterator[Hub]:
    hub = create_hub("")
    yield hub
    await hub.close()


@pytest.fixture
def dispatcher(services: Services, hub: Hub) -> Dispatcher:
    return Dispatcher(hub, services.queue, services.rooms, join_grace=timedelta(hours=1))


async def arrive(services: Services, participant_id: str) -> None:
    """Their page connects (as the room socket records it)."""
    await services.rooms.mark_joined(participant_id)


async def host_id(services: Services, meeting: MeetingInfo, host: Account) -> str:
    return (await services.rooms.participant_for_user(meeting.room_id, host.id)).id


# -- creating ---------------------------------------------------------------------------------


async def test_a_meeting_has_a_room_with_its_caseworker_as_host(
    services: Services, meetings: Meetings, meeting: MeetingInfo, host: Account
) -> None:
    room = await services.rooms.get(meeting.room_id)
    assert room.kind == "meeting" and room.media == "video"
    [seat] = room.participants
    assert (seat.role, seat.display_name, seat.user_id) == ("caseworker", "Kasia", host.id)
    assert (await meetings.attendee(seat.id)).admitted
    assert meeting.languages == ("es", "ar") and meeting.max_participants == LIMIT
    # The caseworker reaches the meeting from its own page, not as a call to come back to.
    assert await services.rooms.open_room_for_user(host.id) is None
    links = meetings.links(meeting)
    assert (await meetings.by_invite_token(links.invite_token)).id == meeting.id
    assert (await meetings.by_view_token(links.view_token)).id == meeting.id
    with pytest.raises(InvalidToken):
        await meetings.by_invite_token(links.view_token)


async def test_new_links_replace_the_old_ones(
    services: Services, meetings: Meetings, meeting: MeetingInfo, host: Account
) -> None:
    old = meetings.links(meeting)
    guest = await meetings.join(old.invite_token, "Ana", "es")
    other = await services.accounts.create("o@example.org", "Olga", "caseworker", PASSWORD)
    with pytest.raises(NotAllowed):
        await meetings.new_links(meeting.id, other)
    renewed = await meetings.new_links(meeting.id, host)
    new = meetings.links(renewed)
    assert renewed.link_version == 1 and meetings.links(await meetings.get(meeting.id)) == new
    assert new.invite_token != old.invite_token and new.view_token != old.view_token
    for token in (old.invite_token, old.view_token):
        with pytest.raises(InvalidToken):
            await meetings.by_invite_token(token)
        with pytest.raises(InvalidToken):
            await meetings.by_view_token(token)
    assert (await meetings.by_invite_token(new.invite_token)).id == meeting.id
    assert (await meetings.by_view_token(new.view_token)).id == meeting.id
    # A guest's own call link is theirs, not the meeting's: it still works.
    assert (await meetings.guest(guest.token))[1].id == guest.attendee.id
    await meetings.end(meeting.id)
    with pytest.raises(MeetingHasEnded):
        await meetings.new_links(meeting.id, host)


async def test_an_in_room_meeting_carries_sound_only(
    services: Services, meetings: Meetings, host: Account
) -> None:
    when = datetime(2030, 5, 1, 9, 30, tzinfo=UTC)
    meeting = await meetings.create(host, "Tenants' evening", "in_room", ["es"], when)
    assert meeting.in_room and meeting.scheduled_at == when
    assert (await services.rooms.get(meeting.room_id)).media == "audio"


@pytest.mark.parametrize(
    ("title", "mode", "languages", "message", "field"),
    [
        ("", "online", [], "title", "title"),
        ("x" * 201, "online", [], "at most", "title"),
        ("Review", "phone", [], "online meeting or", "mode"),
        ("Review", "online", ["xx"], "Unknown language", "languages"),
    ],
)
async def test_bad_meetings_are_refused(
    meetings: Meetings,
    host: Account,
    title: str,
    mode: str,
    languages: list[str],
    message: str,
    field: str,
) -> None:
    with pytest.raises(InvalidInput, match=message) as refused:
        await meetings.create(host, title, mode, languages)
    assert refused.value.field == field  # what the create form asks to correct


async def test_only_caseworkers_and_coordinators_hold_meetings(
    services: Services, meetings: Meetings
) -> None:
    volunteer = await services.volunteer(1)
    with pytest.raises(NotAllowed):
        await meetings.create(volunteer, "Review", "online")


async def test_only_the_owner_or_a_coordinator_manages_a_meeting(
    services: Services, meetings: Meetings, meeting: MeetingInfo
) -> None:
    other = await services.accounts.create("o@example.org", "Olga", "caseworker", PASSWORD)
    coordinator = await services.accounts.create("c@example.org", "Cora", "coordinator", PASSWORD)
    with pytest.raises(NotAllowed):
        await meetings.owned(meeting.id, other)
    assert (await meetings.owned(meeting.id, coordinator)).id == meeting.id
    # A coordinator who joins the meeting becomes a second host.
    assert not await meetings.seated(meeting, coordinator.id)
    seat = await meetings.host_seat(meeting.id, coordinator)
    assert await meetings.seated(meeting, coordinator.id)
    assert (await meetings.attendee(seat)).host
    assert await meetings.host_seat(meeting.id, coordinator) == seat
    with pytest.raises(NotAllowed):
        await meetings.host_seat(meeting.id, other)


# -- guests -----------------------------------------------------------------------------------


async def test_a_guest_waits_until_the_host_lets_them_in(
    services: Services, meetings: Meetings, meeting: MeetingInfo
) -> None:
    invite = meetings.links(meeting).invite_token
    guest = await meetings.join(invite, "  Ana   María ", "es")
    assert guest.attendee.name == "Ana María" and guest.attendee.role == "resident"
    assert not guest.attendee.admitted
    found, attendee = await meetings.guest(guest.token)
    assert found.id == meeting.id and attendee.id == guest.attendee.id
    # Their call link admits them to the room socket, where they wait.
    assert (await services.rooms.participant_by_token(guest.token)).id == attendee.id

    assert await meetings.waiting(meeting.id) == []  # not there until their page connects
    await arrive(services, attendee.id)
    assert [a.id for a in await meetings.waiting(meeting.id)] == [attendee.id]

    admitted = await meetings.admit(meeting.id, attendee.id)
    assert admitted.admitted and not admitted.waiting
    assert await meetings.waiting(meeting.id) == []
    assert (await meetings.admit(meeting.id, attendee.id)).admitted  # twice is harmless


@pytest.mark.parametrize(
    ("name", "language", "message", "field"),
    [("", "es", "name", "name"), ("x" * 101, "es", "name", "name"),
     ("Ana\x07", "es", "name", "name"), ("Ana", "fr", "not one of the languages", "language")],
)
async def test_bad_guests_are_refused(
    meetings: Meetings, meeting: MeetingInfo, name: str, language: str, message: str, field: str
) -> None:
    with pytest.raises(InvalidInput, match=message) as refused:
        await meetings.join(meetings.links(meeting).invite_token, name, language)
    assert refused.value.field == field
    assert len(await meetings.attendees(meeting.id)) == 1  # only the host


async def test_a_wrong_invite_is_refused(meetings: Meetings) -> None:
    with pytest.raises(InvalidToken):
        await meetings.join("A" * 43, "Ana", "es")
    with pytest.raises(InvalidToken):
        await meetings.guest("A" * 43)


async def test_a_removed_guest_cannot_come_back(
    services: Services, meetings: Meetings, meeting: MeetingInfo
) -> None:
    guest = await meetings.join(meetings.links(meeting).invite_token, "Ana", "es")
    await arrive(services, guest.attendee.id)
    await meetings.admit(meeting.id, guest.attendee.id)
    removed = await meetings.remove(meeting.id, guest.attendee.id)
    assert removed.removed and not removed.present
    with pytest.raises(Removed):
        await meetings.guest(guest.token)
    with pytest.raises(Conflict, match="removed"):
        await meetings.admit(meeting.id, guest.attendee.id)
    # Nor by the invite, from where they joined before (their browser remembers it).
    invite = meetings.links(meeting).invite_token
    with pytest.raises(Removed):
        await meetings.join(invite, "Ana", "es", earlier_seat=guest.attendee.id)
    await meetings.check_not_removed(meeting, None)


async def test_the_host_cannot_be_removed_nor_someone_from_another_meeting(
    services: Services, meetings: Meetings, meeting: MeetingInfo, host: Account
) -> None:
    with pytest.raises(NotAllowed):
        await meetings.remove(meeting.id, await host_id(services, meeting, host))
    other = await meetings.create(host, "Another", "online", ["es"])
    stranger = await meetings.join(meetings.links(other).invite_token, "Sam", "es")
    with pytest.raises(NotFound):
        await meetings.admit(meeting.id, stranger.attendee.id)
    with pytest.raises(NotFound):
        await meetings.remove(meeting.id, stranger.attendee.id)


# -- the size limit ---------------------------------------------------------------------------


async def test_a_full_meeting_turns_newcomers_away(
    services: Services, meetings: Meetings, meeting: MeetingInfo, host: Account
) -> None:
    invite = meetings.links(meeting).invite_token
    await arrive(services, await host_id(services, meeting, host))
    first = await meetings.join(invite, "Ana", "es")
    second = await meetings.join(invite, "Bilal", "ar")
    for guest in (first, second):
        await arrive(services, guest.attendee.id)
    # Three present (the host and two waiting): nobody else gets in line.
    with pytest.raises(MeetingFull, match=r"This meeting is full \(3 people\)") as full:
        await meetings.join(invite, "Cleo", "es")
    assert full.value.code == "full" and full.value.limit == LIMIT

    # Someone leaving makes room again.
    await services.rooms.mark_left(second.attendee.id)
    third = await meetings.join(invite, "Cleo", "es")
    await arrive(services, third.attendee.id)
    await meetings.admit(meeting.id, first.attendee.id)
    await meetings.admit(meeting.id, third.attendee.id)
    # The second comes back and waits; three are in already.
    await arrive(services, second.attendee.id)
    with pytest.raises(MeetingFull):
        await meetings.admit(meeting.id, second.attendee.id)
    await meetings.remove(meeting.id, third.attendee.id)
    assert (await meetings.admit(meeting.id, second.attendee.id)).admitted


# -- ending -----------------------------------------------------------------------------------


async def test_an_ended_meeting_lets_nobody_in(
    meetings: Meetings, meeting: MeetingInfo
) -> None:
    links = meetings.links(meeting)
    guest = await meetings.join(links.invite_token, "Ana", "es")
    assert await meetings.end(meeting.id)
    assert not await meetings.end(meeting.id)
    assert (await meetings.get(meeting.id)).ended
    with pytest.raises(MeetingEnded):
        await meetings.by_invite_token(links.invite_token)
    with pytest.raises(MeetingEnded):
        await meetings.by_view_token(links.view_token)
    with pytest.raises(MeetingEnded):
        await meetings.join(links.invite_token, "Bo", "es")
    with pytest.raises(MeetingEnded):
        await meetings.guest(guest.token)
    with pytest.raises(Conflict):
        await meetings.admit(meeting.id, guest.attendee.id)


# -- an interpreter into the meeting ----------------------------------------------------------


async def test_an_interpreter_asked_into_a_meeting_lands_in_its_room(
    services: Services, meetings: Meetings, meeting: MeetingInfo, dispatcher: Dispatcher,
    hub: Hub,
) -> None:
    async with hub.subscribe("queue:es") as sub:
        request = await dispatcher.request_for_meeting(meeting.id, "es", "Housing review")
    assert [m.data["event"] async for m in sub] == ["request.new"]
    assert request.status == "open" and request.room_id == meeting.room_id
    assert request.media == "video" and request.note == "Housing review"
    assert [r.id for r in await services.queue.queue("es")] == [request.id]
    assert (await meetings.get(meeting.id)).request_id == request.id
    assert (await services.rooms.get(meeting.room_id)).request_id == request.id

    volunteer = await services.volunteer(1)
    match = await dispatcher.accept(request.id, volunteer)
    assert match.room_id == meeting.room_id
    interpreter = await services.rooms.participant_for_user(meeting.room_id, volunteer.id)
    assert interpreter.role == "interpreter" and interpreter.language_code == "es"
    # Asked for by the host: no waiting room for them.
    assert (await meetings.attendee(interpreter.id)).admitted
    assert await services.rooms.open_room_for_user(volunteer.id) == meeting.room_id

    assert await meetings.mark_interpreter_joined(meeting.id)
    assert not await meetings.mark_interpreter_joined(meeting.id)
    assert (await meetings.get(meeting.id)).interpreter_joined_at is not None


async def test_interpreter_requests_are_checked(
    services: Services, meetings: Meetings, meeting: MeetingInfo, dispatcher: Dispatcher
) -> None:
    with pytest.raises(InvalidInput, match="meeting's languages") as refused:
        await dispatcher.request_for_meeting(meeting.id, "bfi", "")
    assert refused.value.field == "language"
    with pytest.raises(InvalidInput, match="not offered"):
        await dispatcher.request_for_meeting(meeting.id, "fr", "")
    with pytest.raises(InvalidInput, match="at most 500") as refused:
        await dispatcher.request_for_meeting(meeting.id, "es", "x" * 501)
    assert refused.value.field == "note"
    with pytest.raises(NotFound):
        await dispatcher.request_for_meeting("nope", "es", "")
    first = await dispatcher.request_for_meeting(meeting.id, "es", "")
    with pytest.raises(Conflict, match="still waiting") as waiting:
        await dispatcher.request_for_meeting(meeting.id, "ar", "")
    assert waiting.value.code == "already_asked"
    # Withdrawn, the meeting may ask again.
    assert (await dispatcher.withdraw_request(first.id)).status == "cancelled"
    assert await services.queue.queue("es") == []
    again = await dispatcher.request_for_meeting(meeting.id, "ar", "")
    assert again.language_code == "ar"
    await meetings.end(meeting.id)
    await dispatcher.withdraw_request(again.id)
    with pytest.raises(Conflict, match="ended") as ended:
        await dispatcher.request_for_meeting(meeting.id, "es", "")
    assert ended.value.code == "ended"


async def test_expiry_and_hand_back_leave_the_meeting_going(
    services: Services, meetings: Meetings, meeting: MeetingInfo, dispatcher: Dispatcher,
    hub: Hub,
) -> None:
    request = await dispatcher.request_for_meeting(meeting.id, "es", "")
    volunteer = await services.volunteer(1)
    await dispatcher.accept(request.id, volunteer)
    async with hub.subscribe(room_channel(meeting.room_id)) as sub:
        back = await dispatcher.release(request.id, volunteer.id)
    assert [m.data["event"] async for m in sub] == ["interpreter.released"]
    assert back.status == "open" and back.room_id == meeting.room_id
    room = await services.rooms.get(meeting.room_id)
    assert room.closed_at is None and [p.role for p in room.participants] == ["caseworker"]

    async with services.queue.db.session() as session:  # nobody took it in time
        await session.execute(
            update(InterpretationRequest)
            .where(InterpretationRequest.id == request.id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    async with hub.subscribe(request_channel(request.id), room_channel(meeting.room_id)) as sub:
        await dispatcher.sweep()
    events = [(m.channel, m.data["event"]) async for m in sub]
    assert (request_channel(request.id), "expired") in events
    assert not [event for channel, event in events if channel == room_channel(meeting.room_id)]
    assert (await services.rooms.get(meeting.room_id)).closed_at is None


async def test_ending_the_meeting_ends_its_waiting_request(
    services: Services, meetings: Meetings, meeting: MeetingInfo, dispatcher: Dispatcher
) -> None:
    request = await dispatcher.request_for_meeting(meeting.id, "es", "")
    await meetings.end(meeting.id)
    assert await dispatcher.close_room(meeting.room_id, "ended")
    assert (await services.queue.get(request.id)).status == "closed"
    assert await services.queue.queue("es") == []


# -- history ----------------------------------------------------------------------------------


async def test_history_says_when_who_and_whether_an_interpreter_joined(
    services: Services, meetings: Meetings, meeting: MeetingInfo, host: Account,
    dispatcher: Dispatcher,
) -> None:
    invite = meetings.links(meeting).invite_token
    await arrive(services, await host_id(services, meeting, host))
    assert await meetings.mark_started(meeting.id)
    assert not await meetings.mark_started(meeting.id)
    ana = await meetings.join(invite, "Ana", "es")
    await arrive(services, ana.attendee.id)
    await meetings.admit(meeting.id, ana.attendee.id)
    never_let_in = await meetings.join(invite, "Bo", "ar")
    await arrive(services, never_let_in.attendee.id)
    request = await dispatcher.request_for_meeting(meeting.id, "es", "")
    volunteer = await services.volunteer(1)
    await dispatcher.accept(request.id, volunteer)
    interpreter = await services.rooms.participant_for_user(meeting.room_id, volunteer.id)
    await arrive(services, interpreter.id)
    await meetings.mark_interpreter_joined(meeting.id)
    await meetings.end(meeting.id)
    later = await meetings.create(host, "Next week", "in_room", ["es"])

    summaries = await meetings.summaries(host.id)
    assert [s.meeting.id for s in summaries] == [later.id, meeting.id]  # newest first
    done = summaries[1]
    assert [(p.name, p.role) for p in done.people] == [
        ("Kasia", "caseworker"), ("Ana", "resident"), ("Volunteer 1", "interpreter")
    ]
    assert done.meeting.interpreter_joined_at is not None
    duration = done.meeting.duration
    assert duration is not None and duration >= timedelta(0)
    assert summaries[0].people == () and summaries[0].meeting.duration is None
    assert summaries[0].meeting.interpreter_joined_at is None
