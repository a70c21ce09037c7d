"""The languages read in a room now, which its captions are translated into, and those
some of its readers have read aloud (speech output).

Participants' choices are in the database; asking it for every caption (partials
come several times a second) would cost a query each, so the answer is reused for
``READERS_TTL_S``, or until this node is told who reads what has changed. Caption
viewers are no participants: what they read is heard on the hub, and asked of
``interp.live.viewers.ViewerLanguages`` each time.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from interp.domain.rooms import Rooms

# How long a room's reader languages are reused before the database is asked again (a
# change on this node, or someone arriving or leaving, asks again at once).
READERS_TTL_S = 5.0


class RoomReaders:
    def __init__(
        self,
        rooms: Rooms,
        viewers_read: Callable[[str], set[str]],
        local_language: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rooms = rooms
        self.viewers_read = viewers_read
        self.local_language = local_language
        self.clock = clock
        # room -> (when asked, the participants' languages)
        self._asked: dict[str, tuple[float, set[str]]] = {}
        # room -> (when asked, the languages read aloud)
        self._heard: dict[str, tuple[float, set[str]]] = {}

    async def languages(self, room_id: str) -> set[str]:
        """The languages read in the room: by its participants and by its caption viewers."""
        cached = self._asked.get(room_id)
        now = self.clock()
        if cached is not None and now - cached[0] < READERS_TTL_S:
            wanted = cached[1]
        else:
            wanted = await self.rooms.caption_readers(room_id, self.local_language)
            self._asked[room_id] = (now, wanted)
        return wanted | self.viewers_read(room_id)

    async def heard(self, room_id: str) -> set[str]:
        """The languages someone in the room has captions read aloud in."""
        cached = self._heard.get(room_id)
        now = self.clock()
        if cached is not None and now - cached[0] < READERS_TTL_S:
            return cached[1]
        heard = await self.rooms.speech_listeners(room_id)
        self._heard[room_id] = (now, heard)
        return heard

    def changed(self, room_id: str) -> None:
        """Someone came, went or chose another language: ask the database next time."""
        self._asked.pop(room_id, None)
        self._heard.pop(room_id, None)
