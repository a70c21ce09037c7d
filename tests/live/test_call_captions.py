"""Captions in a call: a participant's microphone (a real speech file sent by an aiortc
peer) goes through the server's caption connection, and the other participant reads the
captions over the room WebSocket, in the language they chose."""

from __future__ import annotations

import asyncio
import re
import secrets
from pathlib import Path
from typing import Any

import jiwer
import pytest

from tests.caption_sender import CaptionSender
from tests.live_server import JsonSocket, LiveServer
from tests.realtime.test_call_signalling import matched_room

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("loopback_ice")]

DATA = Path(__file__).parent.parent / "data"
SPEECH = DATA / "en_librispeech_1272-128104-0000.wav"
REFERENCE = (
    "Mr. Quilter is the apostle of the middle classes and we are glad to welcome his gospel."
)


def words(text: str) -> str:
    return re.sub(r"[^\w\s']", " ", text.lower()).strip()


async def join(server: LiveServer, hello: dict[str, Any], client: Any = None) -> JsonSocket:
    socket = await JsonSocket.open(server, "/ws/room", client)
    await socket.send({"type": "hello", "session": secrets.token_hex(8), **hello})
    await socket.expect("joined")
    return socket


async def finals_until_quiet(socket: JsonSocket, quiet_s: float = 8) -> list[dict[str, Any]]:
    finals = []
    while True:
        try:
            message = await socket.expect("caption", within=quiet_s)
        except TimeoutError:
            return finals
        if message["final"] and message["text"]:
            finals.append(message)


async def test_a_speakers_captions_reach_the_other_participant(live_server: LiveServer) -> None:
    made, room, client = await matched_room(live_server)
    resident = await join(live_server, {"token": made["token"]})
    interpreter = await join(live_server, {"room": room}, client)
    await resident.send({"type": "captions.language", "languages": ["en"]})
    assert (await resident.expect("captions.reading"))["languages"] == ["en"]

    sender = CaptionSender(interpreter, SPEECH)
    try:
        await sender.start()
        state = await resident.expect("captions.state", within=30)
        assert state["on"] and state["peer"]["role"] == "interpreter"
        await sender.wait_sent()
        await asyncio.sleep(1)
        await interpreter.send({"type": "captions.stop"})
        finals = await finals_until_quiet(resident)
    finally:
        await sender.close()
        await client.aclose()
    text = " ".join(f["text"] for f in finals)
    assert jiwer.wer(words(REFERENCE), words(text)) < 0.15, text
    assert all(f["speaker"] == {"name": "Vera", "role": "interpreter"} for f in finals)
    assert all(f["source_language"] == "en" and not f["translated"] for f in finals)
