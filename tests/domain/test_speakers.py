"""Who each participant's microphone is captioned as: their name and role, and the language
(or the languages detected per utterance) the speech model listens for.

First in rooms made the way the service makes them (a matched call, automatic
interpretation), then in rooms written out here for the cases those do not reach.
"""

from __future__ import annotations

from datetime import UTC, datetime

from interp.domain.rooms import Participant, RoomInfo
from interp.domain.speakers import Speaker, speaker_for
from tests.domain.services import PASSWORD, Services


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
    resident, interpreter = by_role(room, "resident"), by_role(room, "interpreter")

    assert speaker_for(room, resident, "en") == Speaker(resident.id, "", "resident", "es")
    assert speaker_for(room, interpreter, "en") == Speaker(
        interpreter.id, "Volunteer 1", "interpreter", None, ("es", "en")
    )


async def test_an_interpreter_for_the_local_language_speaks_one(services: Services) -> None:
    room = await call_room(services, "es")
    interpreter = by_role(room, "interpreter")
    speaker = speaker_for(room, interpreter, "es")
    assert speaker == Speaker(interpreter.id, "Volunteer 1", "interpreter", "es")


async def test_a_signing_resident_and_their_interpreter(services: Services) -> None:
    room = await call_room(services, "bfi")
    resident, interpreter = by_role(room, "resident"), by_role(room, "interpreter")
    # Only spoken words are captioned: the interpreter voices the signing in English.
    assert speaker_for(room, interpreter, "en") == Speaker(
        interpreter.id, "Volunteer 1", "interpreter", "en"
    )
    assert speaker_for(room, resident, "en").language == "en"


async def test_a_shared_device_hears_the_resident_and_the_desk(services: Services) -> None:
    room = await machine_room(services, "es")
    resident = by_role(room, "resident")

    speaker = speaker_for(room, resident, "fr")

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
    caseworker, interpreter = by_role(room, "caseworker"), by_role(room, "interpreter")

    assert speaker_for(room, caseworker, "en") == Speaker(
        caseworker.id, "Cas Worker", "caseworker", "en"
    )
    assert speaker_for(room, interpreter, "en") == Speaker(
        interpreter.id, "Volunteer 1", "interpreter", None, ("es", "en")
    )


async def test_a_shared_device_with_one_spoken_language(services: Services) -> None:
    # A signing resident's device captions only the desk.
    signing = await machine_room(services, "bfi")
    resident = by_role(signing, "resident")
    speaker = speaker_for(signing, resident, "en")
    assert speaker == Speaker(resident.id, "", "desk", "en")


# Rooms written out: the rule needs no database.


def person(key: str, role: str, name: str = "", language: str | None = None) -> Participant:
    return Participant(key, "room", role, name, language, None)


def room_of(*people: Participant, kind: str = "call", desk: str | None = None) -> RoomInfo:
    at = datetime(2024, 5, 1, tzinfo=UTC)
    return RoomInfo("room", None, "audio", at, at, None, people, kind, desk)


def test_a_room_microphone_hears_the_spoken_languages_of_the_room() -> None:
    host = person("h", "caseworker", "Kasia")
    room = room_of(host, kind="meeting")

    speaker = speaker_for(room, host, "en", hears=("es", "bfi", "", "en", "es"))

    # Signed languages and repeats left out; each utterance's language detected.
    assert speaker == Speaker("h", "Kasia", "caseworker", None, ("es", "en"))
    assert speaker.label("es") == {"name": "Kasia", "role": "caseworker"}


def test_a_room_microphone_that_hears_one_language_is_pinned_to_it() -> None:
    host = person("h", "caseworker", "Kasia")
    room = room_of(host, kind="meeting")
    assert speaker_for(room, host, "en", hears=("ar", "bfi")) == Speaker(
        "h", "Kasia", "caseworker", "ar"
    )
    # Nothing spoken among what it hears: the host as any other participant.
    assert speaker_for(room, host, "en", hears=("bfi",)) == Speaker(
        "h", "Kasia", "caseworker", "en"
    )


def test_a_resident_without_a_spoken_language_is_heard_in_the_local_one() -> None:
    resident = person("r", "resident", "Amal")
    assert speaker_for(room_of(resident), resident, "fr") == Speaker(
        "r", "Amal", "resident", "fr"
    )


def test_a_shared_device_without_a_desk_language_uses_the_local_one() -> None:
    resident = person("r", "resident", language="ar")
    room = room_of(resident, kind="machine")

    speaker = speaker_for(room, resident, "fr")

    assert speaker == Speaker(
        "r", "", "resident", None, ("ar", "fr"), (("ar", "", "resident"), ("fr", "", "desk"))
    )


def test_a_shared_device_where_both_sides_speak_the_same_language() -> None:
    resident = person("r", "resident", language="en")
    room = room_of(resident, kind="machine", desk="en")
    # One language, one stream: its words are credited to the desk, the last voice heard.
    assert speaker_for(room, resident, "en") == Speaker("r", "", "desk", "en")


def test_an_interpreter_of_one_of_several_residents_speaks_their_language() -> None:
    first = person("r1", "resident", language="es")
    second = person("r2", "resident", language="ar")
    interpreter = person("i", "interpreter", "Volunteer 2", "ar")
    room = room_of(first, second, interpreter, kind="meeting")

    assert speaker_for(room, interpreter, "en") == Speaker(
        "i", "Volunteer 2", "interpreter", None, ("ar", "en")
    )
    # Without a language of their own: the first resident's.
    unassigned = person("j", "interpreter", "Volunteer 3")
    room = room_of(first, second, unassigned, kind="meeting")
    assert speaker_for(room, unassigned, "en").languages == ("es", "en")


def test_staff_and_named_speakers_speak_the_local_language() -> None:
    caseworker = person("c", "caseworker", "Kasia", "es")
    named = person("s", "speaker", "Mr Okafor")
    room = room_of(caseworker, named, kind="meeting")
    assert speaker_for(room, caseworker, "en") == Speaker("c", "Kasia", "caseworker", "en")
    assert speaker_for(room, named, "en") == Speaker("s", "Mr Okafor", "speaker", "en")
