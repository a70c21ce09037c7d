"""The languages a room's captions are translated into: the participants' choices, asked of
the database at most every READERS_TTL_S unless told they changed, and the caption
viewers' (what the hub last heard from them: see test_caption_viewer)."""

from __future__ import annotations

from datetime import timedelta

from interp.domain.accounts import Accounts
from interp.domain.organisation import Organisation
from interp.domain.requests import RequestQueue
from interp.domain.rooms import RoomInfo, Rooms
from interp.live.readers import READERS_TTL_S, RoomReaders
from interp.store.database import Database


async def call_with_resident(db: Database) -> RoomInfo:
    """A matched Spanish call whose resident has joined (the interpreter not yet)."""
    organisation = Organisation(db)
    await organisation.set_offered_languages(["es"])
    queue = RequestQueue(db, organisation, timedelta(hours=1), timedelta(0))
    volunteer = await Accounts(db, invite_ttl=timedelta(hours=1)).create(
        "v@example.org", "Volunteer", "volunteer", "correct horse battery", ["es"]
    )
    new = await queue.create("es", "video")
    room = await Rooms(db).get((await queue.accept(new.request.id, volunteer)).room_id)
    resident = next(p for p in room.participants if p.role == "resident")
    await Rooms(db).mark_joined(resident.id)
    return room


async def test_participants_languages_are_reused_until_stale_or_changed(
    database: Database,
) -> None:
    rooms = Rooms(database)
    room = await call_with_resident(database)
    resident = next(p for p in room.participants if p.role == "resident")
    now = [1000.0]
    readers = RoomReaders(rooms, lambda room_id: set(), "en", clock=lambda: now[0])

    assert await readers.languages(room.id) == {"es"}  # what a resident reads unasked
    await rooms.set_caption_languages(resident.id, ["fr"])
    now[0] += READERS_TTL_S / 2
    assert await readers.languages(room.id) == {"es"}  # reused: not asked again yet
    readers.changed(room.id)
    assert await readers.languages(room.id) == {"fr"}  # told: asked at once

    await rooms.set_caption_languages(resident.id, ["ar"])
    assert await readers.languages(room.id) == {"fr"}
    now[0] += READERS_TTL_S
    assert await readers.languages(room.id) == {"ar"}  # stale: asked again


async def test_what_viewers_read_is_never_reused(database: Database) -> None:
    room = await call_with_resident(database)
    viewing: dict[str, set[str]] = {}
    readers = RoomReaders(Rooms(database), lambda room_id: viewing.get(room_id, set()), "en")

    assert await readers.languages(room.id) == {"es"}
    viewing[room.id] = {"so"}
    assert await readers.languages(room.id) == {"es", "so"}
