"""Who each participant's microphone is captioned as: their name and role, and the language
(or the languages detected per utterance) the speech model listens for."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from interp.config import Settings
from interp.domain.accounts import Accounts
from interp.domain.organisation import Organisation
from interp.domain.requests import RequestQueue, ResidentLinks
from interp.domain.rooms import Participant, RoomInfo, Rooms
from interp.hub import create_hub
from interp.live.relay import Speaker
from interp.live.service import LiveCaptions
from interp.store.database import Database, upgrade_schema
from tests.domain.conftest import PASSWORD, Services


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'interp.db'}"
    await upgrade_schema(url)
    db = Database(url)
    organisation = Organisation(db)
    await organisation.set_offered_languages(["es", "ar", "bfi", "en"])
    yield Services(
        accounts=Accounts(db, invite_ttl=timedelta(hours=1)),
        organisation=organisation,
        queue=RequestQueue(db, organisation, timedelta(hours=1), timedelta(0)),
        rooms=Rooms(db),
        links=ResidentLinks(db, ttl=timedelta(hours=1)),
    )
    await db.close()


def live(services: Services, local_language: str = "en") -> LiveCaptions:
    return LiveCaptions(Settings(local_language=local_language), create_hub(""), services.rooms)


def by_role(room: RoomInfo, role: str) -> Participant:
    return next(p for p in room.participants if p.role == role)


async def call_room(services: Services, language: str) -> RoomInfo:
    new = await services.queue.create(language, "video")
    volunteer = await services.volunteer(1, (language,))
    match = await services.queue.accept(new.request.id, volunteer)
    return await services.rooms.get(match.room_id)


async def machine_room(services: Services, language: str, desk: str = "en") -> RoomInfo:
    caseworker = await services.accounts.create(
        "c@example.org", "Cas Worker", "caseworker", PASSWORD
    )
    link = await services.links.create(caseworker)
    new = await services.queue.create(language, "video", link_token=link)
    return await services.rooms.get(await services.queue.start_machine_room(new.token, desk))


async def test_in_a_call_the_interpreter_speaks_both_sides(services: Services) -> None:
    room = await call_room(services, "es")
    captions = live(services)
    resident, interpreter = by_role(room, "resident"), by_role(room, "interpreter")

    assert captions.speaker_for(room, resident) == Speaker(resident.id, "", "resident", "es")
    assert captions.speaker_for(room, interpreter) == Speaker(
        interpreter.id, "Volunteer 1", "interpreter", None, ("es", "en")
    )


async def test_an_interpreter_for_the_local_language_speaks_one(services: Services) -> None:
    room = await call_room(services, "es")
    interpreter = by_role(room, "interpreter")
    speaker = live(services, local_language="es").speaker_for(room, interpreter)
    assert speaker == Speaker(interpreter.id, "Volunteer 1", "interpreter", "es")


async def test_a_signing_resident_and_their_interpreter(services: Services) -> None:
    room = await call_room(services, "bfi")
    captions = live(services)
    resident, interpreter = by_role(room, "resident"), by_role(room, "interpreter")
    # Only spoken words are captioned: the interpreter voices the signing in English.
    assert captions.speaker_for(room, interpreter) == Speaker(
        interpreter.id, "Volunteer 1", "interpreter", "en"
    )
    assert captions.speaker_for(room, resident).language == "en"


async def test_a_shared_device_hears_the_resident_and_the_desk(services: Services) -> None:
    room = await machine_room(services, "es")
    resident = by_role(room, "resident")

    speaker = live(services, local_language="fr").speaker_for(room, resident)

    assert speaker.language is None  # detected per utterance, never pinned
    assert speaker.languages == ("es", "en")  # the desk's language, not the server default
    assert speaker.role == "resident"
    assert speaker.label("es") == {"name": "", "role": "resident"}
    assert speaker.label("en") == {"name": "", "role": "desk"}


async def test_others_in_a_machine_room(services: Services) -> None:
    room = await machine_room(services, "es")
    volunteer = await services.volunteer(1)
    await services.queue.accept(room.request_id or "", volunteer)
    room = await services.rooms.get(room.id)
    captions = live(services)
    caseworker, interpreter = by_role(room, "caseworker"), by_role(room, "interpreter")

    assert captions.speaker_for(room, caseworker) == Speaker(
        caseworker.id, "Cas Worker", "caseworker", "en"
    )
    assert captions.speaker_for(room, interpreter) == Speaker(
        interpreter.id, "Volunteer 1", "interpreter", None, ("es", "en")
    )


async def test_a_shared_device_with_one_spoken_language(services: Services) -> None:
    # A signing resident's device captions only the desk.
    signing = await machine_room(services, "bfi")
    resident = by_role(signing, "resident")
    speaker = live(services).speaker_for(signing, resident)
    assert speaker == Speaker(resident.id, "", "desk", "en")
