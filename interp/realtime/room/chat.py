"""Text chat on a room connection: a line the page types joins the room's captions.

Live captions publish it (``LiveCaptioning.post_text``), so every page reads it on the
caption channels it already follows, in its own language, whether or not anyone's
speech is captioned.
"""

from __future__ import annotations

from typing import Any

from interp.domain.chat import clean_chat_text
from interp.realtime.room.call import Call, Handler


class ChatPart:
    def __init__(self, call: Call) -> None:
        self.call = call
        self.events: dict[str, Handler] = {}
        self.messages: dict[str, Handler] = {"chat.send": self._send}

    async def _send(self, message: dict[str, Any]) -> None:
        text = clean_chat_text(message["text"])
        call = self.call
        # Awaited here, not in a task of its own: one page's lines then go out in the
        # order it typed them (translation runs off the event loop meanwhile).
        await call.services.live.post_text(call.room, call.me.participant, text)
