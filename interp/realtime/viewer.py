"""A caption viewer: someone following a meeting's captions on its caption-view link.

No account and no place in the room: the link's token lets the connection read the
room's caption channels in one or two languages, and hear when the meeting starts
and ends. What the viewer reads counts among the languages the captions are
translated into (see interp.live.viewers), although the viewer is no participant.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections import deque
from collections.abc import Iterable
from typing import Any

from interp.domain.errors import DomainError, InvalidInput
from interp.domain.meetings import MeetingEnded, MeetingInfo, Meetings
from interp.domain.organisation import Organisation
from interp.domain.rooms import ORIGINAL, Rooms, check_caption_languages
from interp.hub import Hub, SubscriptionLost
from interp.hub.channels import captions_channel, room_channel, viewers_channel
from interp.languages import LANGUAGES, is_signed
from interp.live.interface import LiveCaptioning
from interp.live.viewers import HEARTBEAT_S, gone_event, languages_event
from interp.realtime.connection import Connection
from interp.realtime.protocol import ID_CHARS, VIEWER_MESSAGES

# How long a fresh connection has to say hello before it is closed.
HELLO_TIMEOUT_S = 10.0
# Language changes per connection: each one is announced to the captioning node.
MAX_SWITCHES = 5
SWITCH_WINDOW_S = 10.0
# Close codes (docs/protocol.md): done, resynchronise, token not valid, no hello.
DONE, RESYNCHRONISE, NOT_VALID, NO_HELLO = 1000, 1012, 4404, 4408


def reading_choices(
    meeting: MeetingInfo, offered: Iterable[str], local_language: str
) -> tuple[str, ...]:
    """What a meeting's captions can be read in: its expected languages, the staff's, the
    languages the organisation offers (spoken ones), and each speaker's own words."""
    codes = [*meeting.languages, local_language, *offered]
    spoken = [code for code in codes if code in LANGUAGES and not is_signed(code)]
    return (*dict.fromkeys(spoken), ORIGINAL)


def default_reading(meeting: MeetingInfo, local_language: str) -> str:
    """The reading language before the reader chooses: the meeting's first spoken language."""
    spoken = (code for code in meeting.languages if code in LANGUAGES and not is_signed(code))
    return next(spoken, local_language)


def check_reading(languages: list[Any], choices: tuple[str, ...]) -> tuple[str, ...]:
    """One or two of the meeting's reading choices; raises ``InvalidInput``."""
    if not all(isinstance(code, str) and len(code) <= ID_CHARS for code in languages):
        raise InvalidInput("'languages' must be a list of language codes.")
    chosen = check_caption_languages(languages)
    outside = [code for code in chosen if code not in choices]
    if outside:
        raise InvalidInput(f"This meeting's captions are not offered in {outside[0]!r}.")
    return chosen


def _person(peer: dict[str, Any]) -> dict[str, Any]:
    # A viewer needs to know who, not how to reach them (no session ids).
    return {"id": peer.get("id"), "name": peer.get("name"), "role": peer.get("role")}


class ViewerSession:
    schema = VIEWER_MESSAGES

    def __init__(
        self,
        conn: Connection,
        hub: Hub,
        meetings: Meetings,
        rooms: Rooms,
        live: LiveCaptioning,
        organisation: Organisation,
    ) -> None:
        self.conn = conn
        self.hub = hub
        self.meetings = meetings
        self.rooms = rooms
        self.live = live
        self.organisation = organisation
        self.viewer = secrets.token_hex(8)
        self.meeting: MeetingInfo | None = None
        self.choices: tuple[str, ...] = ()
        self.reading: tuple[str, ...] = ()
        self.started = False
        self._switches: deque[float] = deque()
        self._captions_pump: asyncio.Task[None] | None = None

    @property
    def room_id(self) -> str:
        assert self.meeting is not None
        return self.meeting.room_id

    async def run(self) -> None:
        if not await self._hello():
            return
        channels = (room_channel(self.room_id), viewers_channel(self.room_id))
        async with self.hub.subscribe(*channels) as sub:
            # Looked at again once subscribed: an end just before would otherwise go unheard.
            if await self._ended():
                await self._end()
                return
            await self.conn.send(self._viewing())
            await self._announce()
            self._follow_captions()
            tasks = [
                asyncio.create_task(self._pump(sub)),
                asyncio.create_task(self._heartbeat()),
            ]
            try:
                while (message := await self.conn.receive()) is not None:
                    await self._handle(message)
            finally:
                for task in [*tasks, self._captions_pump]:
                    if task is not None:
                        task.cancel()
                        with contextlib.suppress(asyncio.CancelledError):
                            await task
                await self.hub.publish(viewers_channel(self.room_id), gone_event(self.viewer))

    async def _hello(self) -> bool:
        try:
            async with asyncio.timeout(HELLO_TIMEOUT_S):
                while (message := await self.conn.receive()) is not None:
                    if message["type"] != "hello":
                        await self.conn.reject("invalid", "Send hello with the caption link first.")
                        continue
                    if await self._welcome(message):
                        return True
                    if self.meeting is None:
                        return False
        except TimeoutError:
            await self.conn.close(NO_HELLO, "no hello")
        return False

    async def _welcome(self, hello: dict[str, Any]) -> bool:
        """Check the hello's token and languages; False (having said why) if refused."""
        try:
            self.meeting = await self.meetings.by_view_token(hello["token"])
        except MeetingEnded:
            self.meeting = None
            await self._end()
            return False
        except DomainError as exc:
            self.meeting = None
            await self.conn.send_error("invalid_token", exc.message)
            await self.conn.close(NOT_VALID, "invalid token")
            return False
        offered = [lang.code for lang in await self.organisation.offered_languages()]
        local = self.live.local_language
        self.choices = reading_choices(self.meeting, offered, local)
        try:
            self.reading = check_reading(hello["languages"], self.choices)
        except DomainError as exc:
            await self.conn.reject(exc.code, exc.message)
            return False
        return True

    async def _ended(self) -> bool:
        assert self.meeting is not None
        self.meeting = await self.meetings.get(self.meeting.id)
        room = await self.rooms.get(self.room_id)
        self.started = self.meeting.started_at is not None or room.started_at is not None
        return self.meeting.ended or room.closed_at is not None

    async def _end(self) -> None:
        await self.conn.send({"type": "meeting.ended"})
        await self.conn.close(DONE, "meeting ended")

    def _viewing(self) -> dict[str, Any]:
        assert self.meeting is not None
        why = self.live.unavailable()
        return {
            "type": "viewing",
            "meeting": {"title": self.meeting.title, "started": self.started},
            "languages": list(self.choices),
            "reading": list(self.reading),
            "captions": {
                "available": why is None,
                "reason_code": why[0] if why else None,
                "reason": why[1] if why else None,
            },
        }

    async def _announce(self) -> None:
        """Tell the captioning node (whichever it is) what this viewer reads."""
        await self.hub.publish(
            viewers_channel(self.room_id), languages_event(self.viewer, self.reading)
        )

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_S)
            await self._announce()

    def _follow_captions(self) -> None:
        """(Re)subscribe to the caption channels of the languages this viewer reads."""
        if self._captions_pump is not None:
            self._captions_pump.cancel()
        channels = [captions_channel(self.room_id, code) for code in self.reading]
        self._captions_pump = asyncio.create_task(self._pump_captions(channels))

    async def _pump_captions(self, channels: list[str]) -> None:
        while True:
            try:
                async with self.hub.subscribe(*channels) as sub:
                    async for message in sub:
                        caption = {k: v for k, v in message.data.items() if k != "room"}
                        await self.conn.send(caption)
            except SubscriptionLost:
                continue  # a slow reader missed captions: carry on with the next ones

    async def _pump(self, sub: Any) -> None:
        try:
            async for message in sub:
                event = message.data
                kind = event.get("event")
                if kind == "viewers.call":
                    await self._announce()
                elif kind in ("room.closed", "meeting.ended"):
                    await self._end()
                    return
                elif kind in ("room.started", "meeting.started") and not self.started:
                    self.started = True
                    await self.conn.send({"type": "meeting.started"})
                elif kind == "captions.state":
                    state = {"type": kind, "peer": _person(event["peer"]), "on": event["on"]}
                    await self.conn.send(state)
                elif kind == "captions.behind":
                    who = _person(event["peer"])
                    await self.conn.send({"type": kind, "peer": who, "behind": event["behind"]})
        except SubscriptionLost:
            # Events may have been missed: the page reconnects and starts afresh.
            await self.conn.close(RESYNCHRONISE, "resynchronise")

    async def _handle(self, message: dict[str, Any]) -> None:
        if message["type"] == "hello":
            await self.conn.reject("invalid", "You are already connected.")
        elif message["type"] == "viewer.language":
            await self._choose(message["languages"])

    async def _choose(self, languages: list[Any]) -> None:
        now = time.monotonic()
        while self._switches and now - self._switches[0] > SWITCH_WINDOW_S:
            self._switches.popleft()
        if len(self._switches) >= MAX_SWITCHES:
            await self.conn.reject(
                "rate_limited", "The language was changed too often. Wait a moment, then try again."
            )
            return
        try:
            chosen = check_reading(languages, self.choices)
        except DomainError as exc:
            await self.conn.reject(exc.code, exc.message)
            return
        self._switches.append(now)
        self.reading = chosen
        await self._announce()
        self._follow_captions()
        await self.conn.send({"type": "viewer.reading", "languages": list(chosen)})
