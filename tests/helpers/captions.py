"""Speaking into a call's captions and reading what each page got, over the room socket."""

from __future__ import annotations

import asyncio
import contextlib
import re
from pathlib import Path
from typing import Any

from tests.caption_sender import CaptionSender
from tests.live_server import JsonSocket


def words(text: str) -> str:
    """Lower case without punctuation, for word error rates."""
    return re.sub(r"[^\w\s']", " ", text.lower()).strip()


async def speak(speaker: JsonSocket, recording: Path) -> None:
    """Caption ``recording`` as the speaker's microphone, then turn captions off."""
    sender = CaptionSender(speaker, recording)
    try:
        await sender.start()
        await sender.wait_sent()
        await asyncio.sleep(1)  # the last packets are still on their way
        await speaker.send({"type": "captions.stop"})
        await speaker.expect("captions.stopped", within=60)
    finally:
        await sender.close()


async def captions_seen(socket: JsonSocket, quiet_s: float = 3) -> list[dict[str, Any]]:
    """Every caption a page got, once the speaker's captions went off and the last ones
    (which come on channels of their own) have arrived."""
    if not any(m["type"] == "captions.state" and not m["on"] for m in socket.seen):
        await socket.expect("captions.state", within=60, on=False)
    with contextlib.suppress(TimeoutError):
        while True:
            await socket.receive(within=quiet_s)
    return [m for m in socket.seen if m["type"] == "caption"]


def finals(captions: list[dict[str, Any]], reading: str) -> list[dict[str, Any]]:
    """The final captions with text among ``captions`` for the ``reading`` language."""
    return [m for m in captions if m["final"] and m["text"] and m["reading"] == reading]
