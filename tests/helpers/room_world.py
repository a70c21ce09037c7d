"""A room without a server: pages are fake connections served by the real ``CallService``
over the in-memory hub and the real domain on a temporary SQLite database. Live captions
are a small fake: what is under test is how the room passes caption state on, not the
speech model or the aiortc peers (tests/live covers those, through a live server).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from interp.domain.accounts import Account, Accounts
from interp.domain.meetings import MeetingInfo, Meetings
from interp.domain.organisation import Organisation
from interp.domain.requests import RequestQueue
from interp.domain.rooms import Participant, RoomInfo, Rooms
from interp.hub import Hub, create_hub
from interp.live.interface import CaptionsUnavailable, OfferError
from interp.realtime.close_codes import CloseCode
from interp.realtime.dispatch import Dispatcher
from interp.realtime.messages import error
from interp.realtime.protocol import ROOM_MESSAGES, parse_message
from interp.realtime.room import CallService
from interp.store.database import Database, upgrade_schema

PASSWORD = "correct horse battery"
GRACE_S = 0.3
WITHIN_S = 5.0


class FakeConnection:
    """A page's WebSocket as the room sees it: what the server sends is recorded, what the
    page sends is checked against the room's schema as the real connection does."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.closed: tuple[int, str] | None = None
        self._inbox: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self._changed = asyncio.Condition()

    @property
    def open(self) -> bool:
        return self.closed is None

    async def send(self, message: dict[str, Any]) -> None:
        if self.open:
            # As the page gets it: JSON, so enums and tuples arrive as strings and lists.
            self.sent.append(json.loads(json.dumps(message)))
            async with self._changed:
                self._changed.notify_all()

    async def send_error(self, code: str, message: str) -> None:
        await self.send(error(code, message))

    async def reject(self, code: str, message: str) -> None:
        await self.send_error(code, message)

    async def receive(self) -> dict[str, Any] | None:
        return await self._inbox.get()

    async def close(self, code: int = CloseCode.DONE, reason: str = "") -> None:
        if self.open:
            self.closed = (code, reason)
            self._inbox.put_nowait(None)
            async with self._changed:
                self._changed.notify_all()

    def feed(self, message: dict[str, Any]) -> None:
        self._inbox.put_nowait(parse_message(json.dumps(message), ROOM_MESSAGES))

    def drop(self) -> None:
        """The page's network goes: its socket ends without a word."""
        self._inbox.put_nowait(None)

    async def wait_for(self, test: Any) -> None:
        async with asyncio.timeout(WITHIN_S), self._changed:
            await self._changed.wait_for(test)


class FakeLive:
    """Live captions as the room uses them (``LiveCaptioning``), with nothing captioned."""

    local_language = "en"

    def __init__(self) -> None:
        self.captioning: dict[str, str] = {}  # participant → the connection whose audio it is
        self.heard: tuple[str, ...] = ()
        self.labels: dict[str, str | None] = {}
        self.readers_changes = 0
        self.why_not: tuple[str, str] | None = None

    def unavailable(self) -> tuple[str, str] | None:
        return self.why_not

    async def start(
        self,
        room: RoomInfo,
        participant: Participant,
        owner: str,
        offer_sdp: str,
        hears: tuple[str, ...] = (),
    ) -> str:
        if self.why_not is not None:
            raise CaptionsUnavailable(self.why_not[1])
        if "audio" not in offer_sdp:
            raise OfferError("the offer carries no audio")
        self.captioning[participant.id] = owner
        self.heard = hears
        return "answer for " + participant.id

    async def stop(self, room_id: str, participant_id: str, owner: str | None = None) -> bool:
        if not self.is_on(participant_id, owner):
            return False
        del self.captioning[participant_id]
        return True

    def is_on(self, participant_id: str, owner: str | None = None) -> bool:
        current = self.captioning.get(participant_id)
        return current is not None and owner in (None, current)

    def relabel(self, room_id: str, participant_id: str, name: str | None) -> bool:
        self.labels[participant_id] = name
        return True

    def readers_changed(self, room_id: str) -> None:
        self.readers_changes += 1

    def speaks(self, language: str) -> bool:
        return language == "es"

    async def close(self) -> None:
        self.captioning.clear()


class Page:
    """One page load of a participant, connected to the room."""

    def __init__(self, conn: FakeConnection, task: asyncio.Task[None]) -> None:
        self.conn = conn
        self.task = task

    @property
    def seen(self) -> list[dict[str, Any]]:
        return self.conn.sent

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.seen if m["type"] == kind]

    async def expect(self, kind: str, **fields: Any) -> dict[str, Any]:
        """The first message of this type (with these fields) sent to the page."""

        def found() -> dict[str, Any] | None:
            for message in self.of_type(kind):
                if all(message.get(k) == v for k, v in fields.items()):
                    return message
            return None

        await self.conn.wait_for(lambda: found() is not None)
        message = found()
        assert message is not None
        return message

    def send(self, message: dict[str, Any]) -> None:
        self.conn.feed(message)

    async def closed(self) -> tuple[int, str]:
        await self.conn.wait_for(lambda: not self.conn.open)
        async with asyncio.timeout(WITHIN_S):
            await self.task
        assert self.conn.closed is not None
        return self.conn.closed

    async def gone(self) -> None:
        """The page's socket has ended and the room has finished with it."""
        self.conn.drop()
        async with asyncio.timeout(WITHIN_S):
            await self.task


@dataclass
class World:
    hub: Hub
    accounts: Accounts
    queue: RequestQueue
    rooms: Rooms
    meetings: Meetings
    dispatcher: Dispatcher
    live: FakeLive
    calls: CallService
    pages: list[Page] = field(default_factory=list)
    seats: dict[str, Participant] = field(default_factory=dict)

    async def connect(self, participant: Participant, session: str) -> Page:
        self.seats[participant.id] = participant
        conn = FakeConnection()
        task = asyncio.create_task(self.calls.serve(conn, participant, session))  # type: ignore[arg-type]
        page = Page(conn, task)
        self.pages.append(page)
        await conn.wait_for(lambda: bool(conn.sent) or not conn.open)
        return page

    async def volunteer(self, email: str = "vera@example.org") -> Account:
        return await self.accounts.create(email, "Vera", "volunteer", PASSWORD, ["es"])

    async def call(self, needs_captions: bool = False) -> tuple[Participant, Participant, Account]:
        """A resident's request accepted by a volunteer: (resident, interpreter, volunteer)."""
        new = await self.queue.create("es", "video", needs_captions=needs_captions)
        volunteer = await self.volunteer()
        match = await self.dispatcher.accept(new.request.id, volunteer)
        resident = await self.rooms.participant_by_token(new.token)
        interpreter = await self.rooms.participant_for_user(match.room_id, volunteer.id)
        return resident, interpreter, volunteer

    async def meeting(self, mode: str = "online") -> tuple[MeetingInfo, Participant]:
        host = await self.accounts.create("kasia@example.org", "Kasia", "caseworker", PASSWORD)
        meeting = await self.meetings.create(host, "Housing review", mode, ["es", "ar"])
        return meeting, await self.rooms.participant_for_user(meeting.room_id, host.id)

    async def guest(self, meeting: MeetingInfo, name: str) -> Participant:
        guest = await self.meetings.join(self.meetings.links(meeting).invite_token, name, "es")
        return await self.rooms.participant_by_token(guest.token)


@contextlib.asynccontextmanager
async def room_world(tmp_path: Path) -> AsyncIterator[World]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'interp.db'}"
    await upgrade_schema(url)
    db = Database(url)
    hub = create_hub("")
    organisation = Organisation(db)
    await organisation.set_offered_languages(["es", "ar"])
    queue = RequestQueue(db, organisation, timedelta(hours=1), fallback_wait=timedelta(0))
    rooms = Rooms(db)
    meetings = Meetings(db, "a test secret", 4, organisation)
    dispatcher = Dispatcher(hub, queue, rooms, join_grace=timedelta(hours=1))
    live = FakeLive()
    calls = CallService(dispatcher, rooms, [], GRACE_S, live, meetings)
    world = World(
        hub,
        Accounts(db, invite_ttl=timedelta(hours=1)),
        queue,
        rooms,
        meetings,
        dispatcher,
        live,
        calls,
    )
    try:
        yield world
    finally:
        for page in world.pages:
            page.conn.drop()
            page.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await page.task
        await calls.close()
        await hub.close()
        await db.close()


async def in_call(world: World, needs_captions: bool = False) -> tuple[Page, Page, Account]:
    """The resident's page and the interpreter's, each knowing the other."""
    resident, interpreter, volunteer = await world.call(needs_captions)
    first = await world.connect(resident, "s-resident")
    second = await world.connect(interpreter, "s-interpreter")
    await first.expect("peer.joined")
    await second.expect("peer.present")
    return first, second, volunteer


async def meeting_with_guests(
    world: World, mode: str = "online"
) -> tuple[MeetingInfo, Page, list[Page]]:
    """A started meeting: its host's page, and two guests' pages the host let in."""
    meeting, host_seat = await world.meeting(mode)
    host = await world.connect(host_seat, "s-host")
    guests = []
    for name in ("Ana", "Bo"):
        guest = await world.guest(meeting, name)
        page = await world.connect(guest, f"s-{name.lower()}")
        host.send({"type": "meeting.admit", "participant": guest.id})
        await page.expect("meeting.admitted")
        await host.expect("peer.joined", peer=joined(page)["you"])
        guests.append(page)
    return meeting, host, guests


def joined(page: Page) -> dict[str, Any]:
    assert page.seen[0]["type"] == "joined"
    return page.seen[0]


def room_of(page: Page) -> str:
    return str(joined(page)["room"]["id"])


def seat_of(world: World, page: Page) -> Participant:
    """The participant a page was for, as the socket found them on the page's hello."""
    return world.seats[joined(page)["you"]["id"]]


# -- the tables -------------------------------------------------------------------------------
