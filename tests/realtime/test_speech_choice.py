"""Having captions read aloud: a page chooses the languages it hears, the choice is kept
for every node (and after a reconnect), and spoken captions reach only the pages that
asked for their language."""

from __future__ import annotations

from interp.hub.channels import captions_channel
from tests.helpers.room_world import World, in_call, joined, room_of


def spoken(reading: str, n: int) -> dict[str, object]:
    return {"type": "speech", "reading": reading, "language": reading, "stream": "s",
            "seq": n, "mime": "audio/mpeg", "audio": "AAAA", "duration_s": 1.0, "n": n}


async def test_a_page_learns_what_can_be_read_aloud(world: World) -> None:
    resident, interpreter, _ = await in_call(world)
    for page in (resident, interpreter):
        captions = joined(page)["captions"]
        assert captions["speaking"] == []
        # The room's spoken languages (Spanish, and English at the desk) that a voice speaks.
        assert captions["voices"] == ["es"]


async def test_spoken_captions_reach_only_the_pages_that_asked(world: World) -> None:
    resident, interpreter, _ = await in_call(world)
    room = room_of(resident)
    interpreter.send({"type": "captions.language", "languages": ["es"]})
    await interpreter.expect("captions.reading", languages=["es"])
    before = world.live.readers_changes
    resident.send({"type": "captions.speak", "languages": ["es"]})
    await resident.expect("captions.speaking", languages=["es"])
    assert world.live.readers_changes > before
    assert await world.rooms.speech_listeners(room) == {"es"}

    await world.hub.publish(captions_channel(room, "es"), spoken("es", 1))
    await world.hub.publish(captions_channel(room, "es"), {"type": "caption", "n": 2})
    await resident.expect("speech", n=1)
    for page in (resident, interpreter):
        await page.expect("caption", n=2)
    assert not interpreter.of_type("speech")

    # Off again: nothing more is spoken to it, and nobody in the room listens.
    resident.send({"type": "captions.speak", "languages": []})
    await resident.expect("captions.speaking", languages=[])
    assert await world.rooms.speech_listeners(room) == set()
    await world.hub.publish(captions_channel(room, "es"), spoken("es", 3))
    await world.hub.publish(captions_channel(room, "es"), {"type": "caption", "n": 4})
    await resident.expect("caption", n=4)
    assert [m["n"] for m in resident.of_type("speech")] == [1]


async def test_the_choice_is_kept_across_a_reconnect(world: World) -> None:
    resident, _, _ = await in_call(world)
    resident.send({"type": "captions.speak", "languages": ["es"]})
    await resident.expect("captions.speaking", languages=["es"])
    you = joined(resident)["you"]["id"]
    await resident.gone()
    # As the socket finds them on their next hello: from the database.
    seat = next(p for p in (await world.rooms.get(room_of(resident))).participants if p.id == you)
    again = await world.connect(seat, "s-resident")
    assert joined(again)["captions"]["speaking"] == ["es"]


async def test_bad_choices_are_refused_and_change_nothing(world: World) -> None:
    resident, _, _ = await in_call(world)
    room = room_of(resident)
    resident.send({"type": "captions.speak", "languages": ["es"]})
    await resident.expect("captions.speaking", languages=["es"])
    for bad in (["xx"], ["es", "en", "ar"], ["bfi"], [7]):
        resident.send({"type": "captions.speak", "languages": bad})
    await resident.conn.wait_for(lambda: len(resident.of_type("error")) == 4)
    assert {m["code"] for m in resident.of_type("error")} == {"invalid"}
    assert await world.rooms.speech_listeners(room) == {"es"}
