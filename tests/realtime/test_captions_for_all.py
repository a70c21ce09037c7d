"""Captions for everyone in a call: anyone switches them on, every page is told, a request
made with "I need captions" opens its call with them on, and only that resident may
switch them off again."""

from __future__ import annotations

import pytest

from interp.domain.call_captions import ONLY_THE_RESIDENT
from interp.realtime.protocol import ROOM_MESSAGES, ProtocolError, parse_message
from tests.helpers.room_world import World, in_call, joined, meeting_with_guests, room_of


async def test_a_call_starts_without_captions_for_everyone(world: World) -> None:
    resident, interpreter, _ = await in_call(world)
    for page in (resident, interpreter):
        assert joined(page)["captions"]["for_all"] is False
        assert joined(page)["captions"]["asked"] is False


async def test_anyone_switches_captions_on_for_everyone_and_every_page_is_told(
    world: World,
) -> None:
    resident, interpreter, _ = await in_call(world)
    interpreter.send({"type": "captions.all", "on": True})
    who = joined(interpreter)["you"]
    for page in (resident, interpreter):
        told = await page.expect("captions.all", on=True)
        assert told["by"] == {"id": who["id"], "name": who["name"], "role": "interpreter"}
    assert (await world.rooms.get(room_of(resident))).captions_for_all is True

    # Switched off by someone else, as nobody asked for them on the request.
    resident.send({"type": "captions.all", "on": False})
    await interpreter.expect("captions.all", on=False)
    assert (await world.rooms.get(room_of(resident))).captions_for_all is False


async def test_switching_to_the_state_the_call_is_in_tells_nobody(world: World) -> None:
    resident, interpreter, _ = await in_call(world)
    resident.send({"type": "captions.all", "on": True})
    await interpreter.expect("captions.all", on=True)
    resident.send({"type": "captions.all", "on": True})
    # Messages are handled in order: once this one is answered, the second switch was too.
    resident.send({"type": "captions.language", "languages": ["es"]})
    await resident.expect("captions.reading")
    assert len(interpreter.of_type("captions.all")) == 1


async def test_a_page_that_comes_back_learns_captions_are_on(world: World) -> None:
    resident, interpreter, _ = await in_call(world)
    resident.send({"type": "captions.all", "on": True})
    await interpreter.expect("captions.all", on=True)
    seat = world.seats[joined(interpreter)["you"]["id"]]
    await interpreter.gone()
    again = await world.connect(seat, "s-interpreter")
    assert joined(again)["captions"]["for_all"] is True


async def test_a_request_that_needs_captions_opens_its_call_with_them_on(world: World) -> None:
    resident, interpreter, _ = await in_call(world, needs_captions=True)
    for page in (resident, interpreter):
        assert joined(page)["captions"]["for_all"] is True
        assert joined(page)["captions"]["asked"] is True


async def test_only_the_resident_who_asked_switches_them_off(world: World) -> None:
    resident, interpreter, _ = await in_call(world, needs_captions=True)
    interpreter.send({"type": "captions.all", "on": False})
    refused = await interpreter.expect("error")
    assert refused["code"] == "forbidden"
    assert refused["message"] == ONLY_THE_RESIDENT
    assert (await world.rooms.get(room_of(resident))).captions_for_all is True
    assert not resident.of_type("captions.all")

    resident.send({"type": "captions.all", "on": False})
    await interpreter.expect("captions.all", on=False)
    assert (await world.rooms.get(room_of(resident))).captions_for_all is False


@pytest.mark.parametrize(
    "raw",
    [
        '{"type":"captions.all"}',
        '{"type":"captions.all","on":"yes"}',
        '{"type":"captions.all","on":1}',
    ],
)
def test_a_malformed_switch_is_refused(raw: str) -> None:
    with pytest.raises(ProtocolError) as refused:
        parse_message(raw, ROOM_MESSAGES)
    assert refused.value.code == "invalid"


async def test_a_guest_let_in_after_captions_went_on_is_told_on_admission(world: World) -> None:
    meeting, host, guests = await meeting_with_guests(world)
    host.send({"type": "captions.all", "on": True})
    for page in guests:
        await page.expect("captions.all", on=True)
    late = await world.connect(await world.guest(meeting, "Cy"), "s-cy")
    assert not late.of_type("captions.all")
    host.send({"type": "meeting.admit", "participant": joined(late)["you"]["id"]})
    admitted = await late.expect("meeting.admitted")
    assert admitted["captions_for_all"] is True
