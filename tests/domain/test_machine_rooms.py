"""Machine interpretation: a waiting request's own room, which a volunteer joins on accepting;
and the caption languages each participant reads."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from interp.domain.accounts import Account
from interp.domain.errors import Conflict, InvalidInput, InvalidToken, NotFound
from interp.domain.requests import Match, NewRequest
from interp.domain.rooms import ORIGINAL, Participant, RoomInfo, check_caption_languages
from interp.domain.tokens import utcnow
from interp.hub import Hub, create_hub
from interp.hub.channels import request_channel, room_channel
from interp.realtime.dispatch import Dispatcher
from interp.store.models import InterpretationRequest, Room, RoomParticipant
from tests.domain.services import PASSWORD, Services

DESK = "en"


async def count(services: Services, model: type[Room] | type[RoomParticipant]) -> int:
    async with services.queue.db.session() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


def by_role(room: RoomInfo, role: str) -> Participant:
    return next(p for p in room.participants if p.role == role)


async def caseworker(services: Services) -> Account:
    return await services.accounts.create("c@example.org", "Cas Worker", "caseworker", PASSWORD)


async def machine_request(services: Services, language: str = "es") -> tuple[NewRequest, str]:
    new = await services.queue.create(language, "video")
    return new, await services.queue.start_machine_room(new.token, DESK)


# -- starting machine interpretation ------------------------------------------------------


async def test_machine_room_starts_at_once_with_the_resident(services: Services) -> None:
    new, room_id = await machine_request(services)

    room = await services.rooms.get(room_id)
    assert room.machine and room.kind == "machine"
    assert room.desk_language == DESK
    assert room.started_at is not None and room.closed_at is None
    assert room.request_id == new.request.id
    assert [(p.role, p.language_code) for p in room.participants] == [("resident", "es")]
    # The request's own token admits the resident: the queue link becomes the call link.
    resident = await services.rooms.participant_by_token(new.token)
    assert resident.room_id == room_id and resident.role == "resident"
    # Still waiting for a volunteer, with its room remembered.
    request = await services.queue.get(new.request.id)
    assert request.status == "open" and request.room_id == room_id
    assert [r.id for r in await services.queue.queue("es")] == [new.request.id]


async def test_a_machine_room_is_not_abandoned_before_its_resident_arrives(
    services: Services,
) -> None:
    # It starts when made; the sweeper looks for started rooms everyone has left, and
    # must not take one nobody has reached yet (the resident's page is still loading).
    new, room_id = await machine_request(services)
    assert room_id not in [found for found, _ in await services.rooms.abandoned()]
    resident = await services.rooms.participant_by_token(new.token)
    await services.rooms.mark_joined(resident.id)
    await services.rooms.mark_left(resident.id)
    assert (room_id, "machine") in await services.rooms.abandoned()


async def test_asking_again_returns_the_same_room(services: Services) -> None:
    new, room_id = await machine_request(services)
    assert await services.queue.start_machine_room(new.token, DESK) == room_id
    assert await count(services, Room) == 1
    assert await count(services, RoomParticipant) == 1


async def test_two_requests_at_once_open_one_room(services: Services) -> None:
    # A double-clicked button: both answers name the same room.
    new = await services.queue.create("es", "video")
    first, second = await asyncio.gather(
        services.queue.start_machine_room(new.token, DESK),
        services.queue.start_machine_room(new.token, DESK),
    )
    assert first == second
    assert await count(services, Room) == 1


async def test_a_request_no_longer_waiting_gets_no_machine_room(services: Services) -> None:
    cancelled = await services.queue.create("es", "video")
    await services.queue.cancel(cancelled.token)
    with pytest.raises(Conflict, match="cancelled"):
        await services.queue.start_machine_room(cancelled.token, DESK)
    assert await count(services, Room) == 0

    matched = await services.queue.create("es", "video")
    match = await services.queue.accept(matched.request.id, await services.volunteer(1))
    with pytest.raises(Conflict, match="matched"):
        await services.queue.start_machine_room(matched.token, DESK)
    assert await count(services, Room) == 1  # only the call's own room
    room = await services.rooms.get(match.room_id)
    assert not room.machine and len(room.participants) == 2
    assert (await services.queue.get(matched.request.id)).room_id == match.room_id

    with pytest.raises(InvalidToken):
        await services.queue.start_machine_room("not-a-token", DESK)
    assert await count(services, Room) == 1


async def test_the_caseworker_who_sent_the_link_is_a_participant(services: Services) -> None:
    sender = await caseworker(services)
    link = await services.links.create(sender, "Mrs K")
    new = await services.queue.create("es", "video", link_token=link)
    room_id = await services.queue.start_machine_room(new.token, DESK)

    room = await services.rooms.get(room_id)
    assert {p.role for p in room.participants} == {"resident", "caseworker"}
    joined = await services.rooms.participant_for_user(room_id, sender.id)
    assert joined.role == "caseworker" and joined.language_code == DESK
    assert joined.display_name == "Cas Worker"
    assert await services.rooms.open_room_for_user(sender.id) == room_id


async def test_a_deactivated_caseworker_is_left_out(services: Services) -> None:
    sender = await caseworker(services)
    link = await services.links.create(sender)
    new = await services.queue.create("es", "video", link_token=link)
    await services.accounts.set_active(sender.id, False)
    room_id = await services.queue.start_machine_room(new.token, DESK)
    assert [p.role for p in (await services.rooms.get(room_id)).participants] == ["resident"]


# -- a volunteer accepts a request in machine interpretation --------------------------------


async def test_accepting_joins_the_interpreter_to_the_machine_room(services: Services) -> None:
    new, room_id = await machine_request(services)
    volunteer = await services.volunteer(1)

    match = await services.queue.accept(new.request.id, volunteer)

    assert match.room_id == room_id
    assert match.request.status == "matched" and match.request.volunteer_id == volunteer.id
    assert await count(services, Room) == 1
    room = await services.rooms.get(room_id)
    assert room.machine and room.closed_at is None
    interpreter = by_role(room, "interpreter")
    assert interpreter.user_id == volunteer.id and interpreter.language_code == "es"
    assert (await services.rooms.participant_for_user(room_id, volunteer.id)).id == interpreter.id
    # The resident's link still admits them to the same room.
    assert (await services.rooms.participant_by_token(new.token)).room_id == room_id
    assert await services.queue.queue("es") == []


async def test_many_accept_a_machine_request_and_exactly_one_wins(services: Services) -> None:
    new, room_id = await machine_request(services)
    volunteers = [await services.volunteer(n) for n in range(12)]

    results = await asyncio.gather(
        *(services.queue.accept(new.request.id, v) for v in volunteers), return_exceptions=True
    )

    wins = [r for r in results if isinstance(r, Match)]
    losses = [r for r in results if isinstance(r, Conflict)]
    assert len(wins) == 1, results
    assert len(losses) == len(volunteers) - 1
    assert wins[0].room_id == room_id
    assert await count(services, Room) == 1
    assert await count(services, RoomParticipant) == 2  # the resident and the winner


async def test_accept_racing_the_start_of_machine_interpretation_leaves_no_room_behind(
    services: Services,
) -> None:
    new = await services.queue.create("es", "video")
    volunteer = await services.volunteer(1)

    started, accepted = await asyncio.gather(
        services.queue.start_machine_room(new.token, DESK),
        services.queue.accept(new.request.id, volunteer),
        return_exceptions=True,
    )

    request = await services.queue.get(new.request.id)
    async with services.queue.db.session() as session:
        open_rooms = list(await session.scalars(select(Room.id).where(Room.closed_at.is_(None))))
    # Whoever won, the request names the one open room, and the winner is in it.
    assert open_rooms == [request.room_id]
    if isinstance(accepted, Match):
        assert request.status == "matched" and accepted.room_id == request.room_id
    else:
        assert isinstance(accepted, Conflict) and request.status == "open"
    if isinstance(started, str):
        assert started == request.room_id
    else:
        assert isinstance(started, Conflict) and isinstance(accepted, Match)


# -- handing back ---------------------------------------------------------------------------


async def test_hand_back_before_joining_keeps_the_machine_room(services: Services) -> None:
    older = await services.queue.create("es", "video")
    new, room_id = await machine_request(services)
    volunteer = await services.volunteer(1)
    await services.queue.accept(new.request.id, volunteer)

    back = await services.queue.release(new.request.id, volunteer.id)

    assert back.status == "open" and back.room_id == room_id and back.volunteer_id is None
    assert [r.id for r in await services.queue.queue("es")] == [new.request.id, older.request.id]
    room = await services.rooms.get(room_id)
    assert room.closed_at is None
    assert [p.role for p in room.participants] == ["resident"]
    assert (await services.rooms.participant_by_token(new.token)).room_id == room_id
    assert await services.rooms.open_room_for_user(volunteer.id) is None
    # The next volunteer joins the same room.
    again = await services.queue.accept(new.request.id, await services.volunteer(2))
    assert again.room_id == room_id
    assert await count(services, Room) == 1


async def test_hand_back_after_the_interpreter_joined_is_refused(services: Services) -> None:
    new, room_id = await machine_request(services)
    volunteer = await services.volunteer(1)
    await services.queue.accept(new.request.id, volunteer)
    room = await services.rooms.get(room_id)
    # The resident being there (and the room having started) does not stop a hand-back...
    assert not await services.rooms.mark_joined(by_role(room, "resident").id)
    # ...the interpreter arriving does.
    await services.rooms.mark_joined(by_role(room, "interpreter").id)
    with pytest.raises(Conflict, match="started"):
        await services.queue.release(new.request.id, volunteer.id)
    request = await services.queue.get(new.request.id)
    assert request.status == "matched" and request.volunteer_id == volunteer.id


async def test_an_interpreter_who_never_joins_is_found_after_the_grace(
    services: Services,
) -> None:
    new, room_id = await machine_request(services)
    volunteer = await services.volunteer(1)
    await services.queue.accept(new.request.id, volunteer)
    room = await services.rooms.get(room_id)
    await services.rooms.mark_joined(by_role(room, "resident").id)

    assert await services.rooms.unstarted_matches(timedelta(hours=1)) == []
    assert await services.rooms.unstarted_matches(timedelta(0)) == [(new.request.id, volunteer.id)]
    await services.rooms.mark_joined(by_role(room, "interpreter").id)
    assert await services.rooms.unstarted_matches(timedelta(0)) == []


async def test_an_unmatched_machine_room_is_not_an_unstarted_match(services: Services) -> None:
    await machine_request(services)
    assert await services.rooms.unstarted_matches(timedelta(0)) == []


# -- ending ---------------------------------------------------------------------------------


async def test_closing_a_machine_room_ends_the_waiting_request(services: Services) -> None:
    new, room_id = await machine_request(services)
    assert await services.rooms.close(room_id)
    request = await services.queue.get(new.request.id)
    assert request.status == "closed"
    assert await services.queue.queue("es") == []
    with pytest.raises(InvalidToken):
        await services.rooms.participant_by_token(new.token)
    with pytest.raises(Conflict):
        await services.queue.start_machine_room(new.token, DESK)
    with pytest.raises(Conflict):
        await services.queue.accept(new.request.id, await services.volunteer(1))


@pytest.fixture
async def hub() -> AsyncIterator[Hub]:
    hub = create_hub("")
    yield hub
    await hub.close()


@pytest.fixture
def dispatcher(services: Services, hub: Hub) -> Dispatcher:
    return Dispatcher(hub, services.queue, services.rooms, join_grace=timedelta(hours=1))


async def heard(hub: Hub, channels: list[str], action: Any) -> list[tuple[str, str]]:
    """(channel, event) of what ``action`` published on ``channels``, in order."""
    async with hub.subscribe(*channels) as sub:
        await action
    return [(m.channel, m.data["event"]) async for m in sub]


async def test_dispatcher_announces_machine_interpretation(
    services: Services, hub: Hub, dispatcher: Dispatcher
) -> None:
    new = await services.queue.create("es", "video")
    channel = request_channel(new.request.id)
    async with hub.subscribe(channel) as sub:
        room_id = await dispatcher.start_machine_interpretation(new.token, DESK)
    assert [m.data async for m in sub] == [{"event": "machine", "room": room_id}]


async def test_cancelling_ends_machine_interpretation(
    services: Services, hub: Hub, dispatcher: Dispatcher
) -> None:
    new, room_id = await machine_request(services)
    events = await heard(
        hub,
        [request_channel(new.request.id), room_channel(room_id)],
        dispatcher.cancel_request(new.token),
    )
    assert (room_channel(room_id), "room.closed") in events
    assert (request_channel(new.request.id), "cancelled") in events
    assert (await services.rooms.get(room_id)).closed_at is not None
    assert (await services.queue.get(new.request.id)).status == "cancelled"
    with pytest.raises(InvalidToken):
        await services.rooms.participant_by_token(new.token)


async def test_expiry_ends_machine_interpretation(
    services: Services, hub: Hub, dispatcher: Dispatcher
) -> None:
    new, room_id = await machine_request(services)
    async with services.queue.db.session() as session:  # its link runs out
        await session.execute(
            update(InterpretationRequest)
            .where(InterpretationRequest.id == new.request.id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    events = await heard(
        hub, [request_channel(new.request.id), room_channel(room_id)], dispatcher.sweep()
    )
    assert (request_channel(new.request.id), "expired") in events
    assert (room_channel(room_id), "room.closed") in events
    assert (await services.rooms.get(room_id)).closed_at is not None
    assert (await services.queue.get(new.request.id)).status == "expired"


async def test_hand_back_in_a_machine_room_tells_the_room_the_interpreter_went(
    services: Services, hub: Hub, dispatcher: Dispatcher
) -> None:
    new, room_id = await machine_request(services)
    volunteer = await services.volunteer(1)
    await dispatcher.accept(new.request.id, volunteer)
    events = await heard(
        hub, [room_channel(room_id)], dispatcher.release(new.request.id, volunteer.id)
    )
    assert events == [(room_channel(room_id), "interpreter.released")]
    assert (await services.rooms.get(room_id)).closed_at is None


async def test_hand_back_of_an_ordinary_call_closes_its_room(
    services: Services, hub: Hub, dispatcher: Dispatcher
) -> None:
    new = await services.queue.create("es", "video")
    volunteer = await services.volunteer(1)
    match = await dispatcher.accept(new.request.id, volunteer)
    events = await heard(
        hub, [room_channel(match.room_id)], dispatcher.release(new.request.id, volunteer.id)
    )
    assert events == [(room_channel(match.room_id), "room.closed")]


# -- caption languages ----------------------------------------------------------------------


def test_caption_language_choices_are_checked() -> None:
    assert check_caption_languages(["es"]) == ("es",)
    assert check_caption_languages(["es", "en"]) == ("es", "en")
    assert check_caption_languages([ORIGINAL]) == (ORIGINAL,)
    assert check_caption_languages(["es", "es"]) == ("es",)
    for bad in ([], ["es", "en", "fr"], ["bfi"], ["xx"], ["es", "ase"], [""]):
        with pytest.raises(InvalidInput):
            check_caption_languages(bad)


async def test_a_refused_choice_changes_nothing(services: Services) -> None:
    new, room_id = await machine_request(services)
    resident = by_role(await services.rooms.get(room_id), "resident")
    assert resident.caption_languages is None
    assert await services.rooms.set_caption_languages(resident.id, ["es", "en"]) == ("es", "en")
    for bad in ([], ["es", "en", "fr"], ["bfi"], ["xx"]):
        with pytest.raises(InvalidInput):
            await services.rooms.set_caption_languages(resident.id, bad)
    stored = by_role(await services.rooms.get(room_id), "resident")
    assert stored.caption_languages == ("es", "en")
    assert await services.rooms.set_caption_languages(resident.id, [ORIGINAL]) == (ORIGINAL,)
    assert by_role(await services.rooms.get(room_id), "resident").caption_languages == (ORIGINAL,)
    with pytest.raises(NotFound):
        await services.rooms.set_caption_languages("0" * 32, ["es"])


async def test_readers_of_a_call_are_the_people_present(services: Services) -> None:
    new = await services.queue.create("es", "video")
    match = await services.queue.accept(new.request.id, await services.volunteer(1))
    room = await services.rooms.get(match.room_id)
    resident, interpreter = by_role(room, "resident"), by_role(room, "interpreter")

    assert await services.rooms.caption_readers(room.id, "en") == set()
    await services.rooms.mark_joined(resident.id)
    assert await services.rooms.caption_readers(room.id, "en") == {"es"}
    await services.rooms.mark_joined(interpreter.id)
    assert await services.rooms.caption_readers(room.id, "en") == {"es", ORIGINAL}
    await services.rooms.set_caption_languages(interpreter.id, ["fr", "ar"])
    assert await services.rooms.caption_readers(room.id, "en") == {"es", "fr", "ar"}
    await services.rooms.mark_left(resident.id)
    assert await services.rooms.caption_readers(room.id, "en") == {"fr", "ar"}


async def test_readers_of_a_machine_room_include_the_desk(services: Services) -> None:
    sender = await caseworker(services)
    new = await services.queue.create("es", "video", link_token=await services.links.create(sender))
    room_id = await services.queue.start_machine_room(new.token, DESK)
    room = await services.rooms.get(room_id)

    # The desk reads the shared device even before anyone's page is connected.
    assert await services.rooms.caption_readers(room_id, "fr") == {DESK}
    await services.rooms.mark_joined(by_role(room, "resident").id)
    assert await services.rooms.caption_readers(room_id, "fr") == {"es", DESK}
    await services.rooms.mark_joined(by_role(room, "caseworker").id)
    assert await services.rooms.caption_readers(room_id, "fr") == {"es", DESK, "fr"}


async def test_default_reading_by_role(services: Services) -> None:
    await services.organisation.set_offered_languages(["es", "ar", "bfi", "en"])
    # An ordinary call: the resident reads their language, the interpreter the speakers'
    # own words.
    call = await services.queue.create("ar", "video")
    match = await services.queue.accept(call.request.id, await services.volunteer(1, ("ar",)))
    room = await services.rooms.get(match.room_id)
    assert room.default_reading(by_role(room, "resident"), "en") == ("ar",)
    assert room.default_reading(by_role(room, "interpreter"), "en") == (ORIGINAL,)
    assert room.spoken_languages("en") == ("ar", "en")

    # A signing resident reads the organisation's language.
    signed = await services.queue.create("bfi", "video")
    match = await services.queue.accept(signed.request.id, await services.volunteer(2, ("bfi",)))
    room = await services.rooms.get(match.room_id)
    assert room.default_reading(by_role(room, "resident"), "en") == ("en",)
    assert room.spoken_languages("en") == ("en",)

    # Machine interpretation: one device reads both sides of the desk; the caseworker
    # reads the organisation's language.
    sender = await caseworker(services)
    machine = await services.queue.create(
        "es", "video", link_token=await services.links.create(sender)
    )
    room = await services.rooms.get(await services.queue.start_machine_room(machine.token, DESK))
    assert room.default_reading(by_role(room, "resident"), "fr") == ("es", DESK)
    assert room.default_reading(by_role(room, "caseworker"), "fr") == ("fr",)
    assert room.spoken_languages("fr") == ("es", DESK, "fr")

    # A resident who speaks the desk's language reads it once.
    same = await services.queue.create("en", "video")
    room = await services.rooms.get(await services.queue.start_machine_room(same.token, DESK))
    assert room.default_reading(by_role(room, "resident"), "en") == ("en",)
