"""Final captions read aloud (speech output), beside the relay.

Each final caption in a language that someone in the room has read aloud is spoken once,
however many listen, and published on that language's caption channel as a ``speech``
message; the room connections pass it only to the pages that asked for it. Speaking never
holds up the captions: it runs beside them, one sentence at a time (``SpeechOutput``).
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from interp.domain.kinds import CaptionKind
from interp.domain.rooms import ORIGINAL
from interp.hub import Hub
from interp.hub.channels import captions_channel
from interp.speech_output import SpeechOutput

log = logging.getLogger(__name__)

LanguagesHeard = Callable[[], Awaitable[set[str]]]
Spawn = Callable[[Coroutine[Any, Any, Any]], None]


class SpokenCaptions:
    def __init__(
        self, room_id: str, hub: Hub, heard: LanguagesHeard, speech: SpeechOutput, spawn: Spawn
    ) -> None:
        self.room_id = room_id
        self.hub = hub
        self.heard = heard
        self.speech = speech
        self.spawn = spawn

    def offer(self, caption: dict[str, Any]) -> None:
        """A caption message just published: speak it if it is a final someone listens to.
        What is spoken is what a listener cannot hear for themselves: translations into
        their language, and typed lines (a listener's own are left out by their page).
        Words left untranslated (no model) are not: they would not help either."""
        reading = caption.get("reading")
        if not caption.get("final") or not caption.get("text") or reading in (None, ORIGINAL):
            return
        if caption.get("language") != reading:
            return
        if not caption.get("translated") and caption.get("kind") != CaptionKind.CHAT:
            return
        self.spawn(self._speak(caption))

    async def _speak(self, caption: dict[str, Any]) -> None:
        reading = caption["reading"]
        try:
            if reading not in await self.heard():
                return
            speech = await self.speech.speak(caption["text"], reading)
            if speech is None:
                return
            await self.hub.publish(
                captions_channel(self.room_id, reading),
                {
                    "type": "speech",
                    "room": self.room_id,
                    "stream": caption["stream"],
                    "seq": caption["seq"],
                    "reading": reading,
                    "language": reading,
                    "mime": speech.mime,
                    "audio": base64.b64encode(speech.audio).decode("ascii"),
                    "duration_s": speech.duration_s,
                },
            )
        except Exception:  # speech is a courtesy: the captions go on without it
            log.exception("could not read a caption aloud in room %s", self.room_id)
