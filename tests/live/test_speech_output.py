"""Captions read aloud in a call, over the real room sockets: a line reaches the pages that
asked to hear its language as a ``speech`` message (real espeak-ng audio, MP3), made once
however many listen; pages that did not ask get the caption only."""

from __future__ import annotations

import base64
import contextlib
import io
import shutil
from typing import Any

import av
import pytest

from tests.helpers.calls import join, joined, matched_room
from tests.live_server import JsonSocket, LiveServer

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed"),
]


async def seen(socket: JsonSocket, quiet_s: float = 2.0) -> list[dict[str, Any]]:
    with contextlib.suppress(TimeoutError):
        while True:
            await socket.receive(within=quiet_s)
    return list(socket.seen)


def of_type(messages: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [m for m in messages if m["type"] == kind]


def seconds_of_sound(audio_b64: str) -> float:
    with av.open(io.BytesIO(base64.b64decode(audio_b64))) as container:
        frames = list(container.decode(audio=0))
    return sum(f.samples for f in frames) / frames[0].sample_rate


def spoken_so_far(server: LiveServer) -> int:
    return server.services.language_tools.speech_output.sentences_spoken


async def speak(socket: JsonSocket, languages: list[str]) -> None:
    await socket.send({"type": "captions.speak", "languages": languages})
    await socket.expect("captions.speaking")


# Typed lines need no speech model: the captions are switched off, the voices are not.
@pytest.mark.server_settings(captions=False)
async def test_a_line_is_spoken_once_to_every_page_that_asked(translating: LiveServer) -> None:
    made, room, client = await matched_room(translating)
    resident = await join(translating, {"token": made["token"]})
    interpreter = await join(translating, {"room": room}, client)
    try:
        assert joined(resident)["captions"]["voices"] == ["es", "en"]
        # Both read Spanish, and both ask to hear it: one voice for the two.
        await interpreter.send({"type": "captions.language", "languages": ["es"]})
        await interpreter.expect("captions.reading")
        await speak(resident, ["es"])
        await speak(interpreter, ["es"])
        before = spoken_so_far(translating)
        await interpreter.send({"type": "chat.send", "text": "Hello world"})
        first = {"resident": await seen(resident), "interpreter": await seen(interpreter)}
        spoken_once = spoken_so_far(translating) - before
        # The interpreter stops listening: the next line reaches them as a caption only.
        await speak(interpreter, [])
        await resident.send({"type": "chat.send", "text": "hola"})
        after = {"resident": await seen(resident), "interpreter": await seen(interpreter)}
    finally:
        for socket in (resident, interpreter):
            await socket.close()
        await client.aclose()
    assert spoken_once == 1
    for name in ("resident", "interpreter"):
        caption = [m for m in of_type(first[name], "caption") if m["kind"] == "chat"][-1]
        assert (caption["text"], caption["language"]) == ("hola mundo", "es")
        spoken = of_type(first[name], "speech")
        assert len(spoken) == 1, name
        speech = spoken[0]
        assert (speech["stream"], speech["seq"]) == (caption["stream"], caption["seq"])
        assert (speech["reading"], speech["mime"]) == ("es", "audio/mpeg")
        assert 0.5 < seconds_of_sound(speech["audio"]) < 5
    # The pages' whole histories: one more line spoken to the resident, none to the other.
    assert len(of_type(after["resident"], "speech")) == 2
    assert len(of_type(after["interpreter"], "speech")) == 1
    assert [m["text"] for m in of_type(after["interpreter"], "caption")][-1] == "hola"
