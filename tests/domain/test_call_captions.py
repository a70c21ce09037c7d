"""A request that needs captions, and captions for everyone in its call (on each backend)."""

from __future__ import annotations

import pytest

from interp.domain.call_captions import check_may_switch_captions_for_all
from interp.domain.errors import NotAllowed
from interp.domain.kinds import ParticipantRole
from tests.domain.services import Services


async def test_a_request_keeps_that_the_resident_needs_captions(services: Services) -> None:
    asked = await services.queue.create("es", "audio", needs_captions=True)
    plain = await services.queue.create("es", "audio")
    assert asked.request.as_dict()["needs_captions"] is True
    assert plain.request.as_dict()["needs_captions"] is False
    # As volunteers are shown the queue, from the database.
    assert (await services.queue.get(asked.request.id)).needs_captions is True


@pytest.mark.parametrize("needs_captions", [True, False])
async def test_the_call_opens_with_captions_for_everyone_when_asked(
    services: Services, needs_captions: bool
) -> None:
    new = await services.queue.create("es", "video", needs_captions=needs_captions)
    match = await services.queue.accept(new.request.id, await services.volunteer(1))
    room = await services.rooms.get(match.room_id)
    assert room.captions_for_all is needs_captions
    assert room.captions_asked is needs_captions


async def test_switching_changes_an_open_room_once(services: Services) -> None:
    new = await services.queue.create("es", "video")
    match = await services.queue.accept(new.request.id, await services.volunteer(1))
    assert await services.rooms.set_captions_for_all(match.room_id, True) is True
    assert await services.rooms.set_captions_for_all(match.room_id, True) is False
    assert (await services.rooms.get(match.room_id)).captions_for_all is True
    assert await services.rooms.set_captions_for_all(match.room_id, False) is True
    assert (await services.rooms.get(match.room_id)).captions_for_all is False


async def test_only_the_resident_who_asked_may_switch_them_off(services: Services) -> None:
    new = await services.queue.create("es", "video", needs_captions=True)
    match = await services.queue.accept(new.request.id, await services.volunteer(1))
    room = await services.rooms.get(match.room_id)
    by_role = {p.role: p for p in room.participants}
    resident, interpreter = by_role[ParticipantRole.RESIDENT], by_role[ParticipantRole.INTERPRETER]
    check_may_switch_captions_for_all(room, interpreter, True)
    check_may_switch_captions_for_all(room, resident, False)
    with pytest.raises(NotAllowed):
        check_may_switch_captions_for_all(room, interpreter, False)
