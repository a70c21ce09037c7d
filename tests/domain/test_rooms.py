"""Rooms: admission by token or account, start when everyone joined, close ends the request."""

from __future__ import annotations

from datetime import timedelta

import pytest

from interp.domain.errors import InvalidToken, NotAllowed, NotFound
from tests.domain.services import Services


async def test_room_admits_only_its_participants(services: Services) -> None:
    new = await services.queue.create("es", "video")
    volunteer = await services.volunteer(1)
    stranger = await services.volunteer(2)
    match = await services.queue.accept(new.request.id, volunteer)
    with pytest.raises(NotAllowed):
        await services.rooms.participant_for_user(match.room_id, stranger.id)
    with pytest.raises(NotFound):
        await services.rooms.participant_for_user("0" * 32, volunteer.id)
    with pytest.raises(InvalidToken):
        await services.rooms.participant_by_token("wrong")
    assert await services.rooms.open_room_for_user(volunteer.id) == match.room_id


async def test_close_ends_room_and_request(services: Services) -> None:
    new = await services.queue.create("es", "video")
    volunteer = await services.volunteer(1)
    match = await services.queue.accept(new.request.id, volunteer)
    assert await services.rooms.close(match.room_id)
    assert not await services.rooms.close(match.room_id)
    assert (await services.queue.get(new.request.id)).status == "closed"
    with pytest.raises(InvalidToken):
        await services.rooms.participant_by_token(new.token)
    assert await services.rooms.open_room_for_user(volunteer.id) is None


async def test_unstarted_match_is_found_for_hand_back(services: Services) -> None:
    new = await services.queue.create("es", "video")
    volunteer = await services.volunteer(1)
    match = await services.queue.accept(new.request.id, volunteer)
    assert await services.rooms.unstarted_matches(timedelta(hours=1)) == []
    assert await services.rooms.unstarted_matches(timedelta(0)) == [(new.request.id, volunteer.id)]
    room = await services.rooms.get(match.room_id)
    interpreter = next(p for p in room.participants if p.role == "interpreter")
    await services.rooms.mark_joined(interpreter.id)
    assert await services.rooms.unstarted_matches(timedelta(0)) == []


async def test_mark_left_says_when_the_room_is_empty(services: Services) -> None:
    new = await services.queue.create("es", "video")
    volunteer = await services.volunteer(1)
    match = await services.queue.accept(new.request.id, volunteer)
    resident, interpreter = sorted(
        (await services.rooms.get(match.room_id)).participants, key=lambda p: p.role != "resident"
    )
    await services.rooms.mark_joined(resident.id)
    await services.rooms.mark_joined(interpreter.id)
    assert not await services.rooms.mark_left(resident.id)
    assert await services.rooms.mark_left(interpreter.id)
    await services.rooms.mark_joined(resident.id)  # back again
    assert not await services.rooms.mark_left(interpreter.id)
