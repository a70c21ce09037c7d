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
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from interp.domain.errors import DomainError, InvalidInput
from interp.domain.meetings import MeetingEnded, MeetingInfo, Meetings
from interp.domain.organisation import Organisation
from interp.domain.rooms import ORIGINAL, Rooms, check_caption_languages
from interp.hub import Hub, Subscription, SubscriptionLost
from interp.hub.channels import room_channel, viewers_channel
from interp.hub.events import RoomEvent
from interp.languages import LANGUAGES, is_signed
from interp.live.interface import HEARTBEAT_S, LiveCaptioning, gone_event, languages_event
from interp.realtime import messages
from interp.realtime.caption_follower import CaptionFollower
from interp.realtime.close_codes import CloseCode
from interp.realtime.connection import Connection
from interp.realtime.handshake import handshake
from interp.realtime.protocol import VIEWER_MESSAGES, language_codes

# Language changes per connection: each one is announced to the captioning node.
MAX_SWITCHES = 5
SWITCH_WINDOW_S = 10.0
# A node began captioning the room: every viewer says what it reads (interp.live.viewers).
VIEWERS_CALL = "viewers.call"

Handler = Callable[[dict[str, Any]], Awaitable[None]]


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
    chosen = check_caption_languages(language_codes(languages))
    outside = [code for code in chosen if code not in choices]
    if outside:
        raise InvalidInput(f"This meeting's captions are not offered in {outside[0]!r}.")
    return chosen


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
        self._captions: CaptionFollower | None = None
        # Hub event name → handler, on the room's channel and its viewers channel.
        self.events: dict[str, Handler] = {
            VIEWERS_CALL: self._called,
            RoomEvent.ROOM_CLOSED: self._closed,
            RoomEvent.MEETING_ENDED: self._closed,
            RoomEvent.ROOM_STARTED: self._started,
            RoomEvent.MEETING_STARTED: self._started,
            RoomEvent.CAPTIONS_STATE: self._captions_state,
            RoomEvent.CAPTIONS_BEHIND: self._captions_behind,
        }
        # Client message type → handler, once the hello has been answered.
        self.messages: dict[str, Handler] = {
            "hello": self._hello_again,
            "viewer.language": self._choose,
        }

    @property
    def room_id(self) -> str:
        assert self.meeting is not None
        return self.meeting.room_id

    async def run(self) -> None:
        refusal = "Send hello with the caption link first."
        if await handshake(self.conn, self._welcome, refusal) is None:
            return
        channels = (room_channel(self.room_id), viewers_channel(self.room_id))
        async with self.hub.subscribe(*channels) as sub:
            # Looked at again once subscribed: an end just before would otherwise go unheard.
            if await self._ended():
                await self._end()
                return
            await self.conn.send(self._viewing())
            await self._announce()
            self._captions = CaptionFollower(self.hub, self.room_id, self._caption)
            self._captions.follow(self.reading)
            tasks = [
                asyncio.create_task(self._pump(sub)),
                asyncio.create_task(self._heartbeat()),
            ]
            try:
                while (message := await self.conn.receive()) is not None:
                    await self.messages[message["type"]](message)
            finally:
                for task in tasks:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
                await self._captions.stop()
                await self.hub.publish(viewers_channel(self.room_id), gone_event(self.viewer))

    async def _welcome(self, hello: dict[str, Any]) -> MeetingInfo | None:
        """Check the hello's token and languages; None (having said why) if refused."""
        try:
            self.meeting = await self.meetings.by_view_token(hello["token"])
        except MeetingEnded:
            await self._end()
            return None
        except DomainError as exc:
            await self.conn.send_error("invalid_token", exc.message)
            await self.conn.close(CloseCode.NOT_FOUND, "invalid token")
            return None
        offered = [lang.code for lang in await self.organisation.offered_languages()]
        local = self.live.local_language
        self.choices = reading_choices(self.meeting, offered, local)
        try:
            self.reading = check_reading(hello["languages"], self.choices)
        except DomainError as exc:
            # The connection stays open: the page may send a better hello.
            await self.conn.reject(exc.code, exc.message)
            return None
        return self.meeting

    async def _ended(self) -> bool:
        assert self.meeting is not None
        self.meeting = await self.meetings.get(self.meeting.id)
        room = await self.rooms.get(self.room_id)
        self.started = self.meeting.started_at is not None or room.started_at is not None
        return self.meeting.ended or room.closed_at is not None

    async def _end(self) -> None:
        ended: messages.MeetingEnded = {"type": "meeting.ended"}
        await self.conn.send(ended)
        await self.conn.close(CloseCode.DONE, "meeting ended")

    def _viewing(self) -> messages.Viewing:
        assert self.meeting is not None
        return {
            "type": "viewing",
            "meeting": {"title": self.meeting.title, "started": self.started},
            "languages": list(self.choices),
            "reading": list(self.reading),
            "captions": messages.captions_availability(self.live.unavailable()),
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

    async def _caption(self, caption: dict[str, Any]) -> None:
        if caption.get("type") == "speech":
            return  # read aloud only for the call's participants who asked
        await self.conn.send({k: v for k, v in caption.items() if k != "room"})

    async def _pump(self, sub: Subscription) -> None:
        try:
            async for message in sub:
                handler = self.events.get(message.data.get("event", ""))
                if handler is not None:
                    await handler(message.data)
                if not self.conn.open:
                    return
        except SubscriptionLost:
            # Events may have been missed: the page reconnects and starts afresh.
            await self.conn.close(CloseCode.RESYNCHRONISE, "resynchronise")
        except Exception:
            await self.conn.fail()

    async def _called(self, event: dict[str, Any]) -> None:
        await self._announce()

    async def _closed(self, event: dict[str, Any]) -> None:
        await self._end()

    async def _started(self, event: dict[str, Any]) -> None:
        if not self.started:
            self.started = True
            started: messages.MeetingStarted = {"type": "meeting.started"}
            await self.conn.send(started)

    # A viewer needs to know who speaks, not how to reach them (no session ids).

    async def _captions_state(self, event: dict[str, Any]) -> None:
        state: messages.CaptionsState = {
            "type": "captions.state",
            "peer": messages.person(event["peer"]),
            "on": event["on"],
        }
        await self.conn.send(state)

    async def _captions_behind(self, event: dict[str, Any]) -> None:
        behind: messages.CaptionsBehind = {
            "type": "captions.behind",
            "peer": messages.person(event["peer"]),
            "behind": event["behind"],
        }
        await self.conn.send(behind)

    async def _hello_again(self, message: dict[str, Any]) -> None:
        await self.conn.reject("invalid", "You are already connected.")

    async def _choose(self, message: dict[str, Any]) -> None:
        assert self._captions is not None
        now = time.monotonic()
        while self._switches and now - self._switches[0] > SWITCH_WINDOW_S:
            self._switches.popleft()
        if len(self._switches) >= MAX_SWITCHES:
            await self.conn.reject(
                "rate_limited", "The language was changed too often. Wait a moment, then try again."
            )
            return
        try:
            chosen = check_reading(message["languages"], self.choices)
        except DomainError as exc:
            await self.conn.reject(exc.code, exc.message)
            return
        self._switches.append(now)
        self.reading = chosen
        await self._announce()
        self._captions.follow(chosen)
        reading: messages.ViewerReading = {"type": "viewer.reading", "languages": list(chosen)}
        await self.conn.send(reading)
