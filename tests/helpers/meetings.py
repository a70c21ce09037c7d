"""Meetings made straight in a live server's database, as test setup."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import httpx

from interp.domain.accounts import Account
from interp.domain.consent import Consent
from interp.domain.meetings import MeetingInfo, Meetings
from interp.domain.rooms import Rooms
from interp.domain.tokens import utcnow
from interp.domain.transcripts import SpokenSegment, Transcripts
from interp.keys import secret_key
from interp.store.database import Database
from tests.live_server import LiveServer, csrf_from, sign_in

_caseworkers = itertools.count(1)


@dataclass(frozen=True)
class MadeMeeting:
    info: MeetingInfo
    view_token: str
    owner_email: str  # the caseworker's account (password: tests.live_server.PASSWORD)
    owner: Account


async def create_meeting(
    server: LiveServer,
    title: str = "Housing advice",
    languages: tuple[str, ...] = ("es", "ar"),
    mode: str = "in_room",
) -> MadeMeeting:
    """A caseworker's meeting made in the server's database, by a caseworker of its own."""
    email = f"meetings{next(_caseworkers)}@example.org"
    owner = await server.create_account(email, "caseworker", name="Kasia")
    db = Database(server.settings.effective_database_url)
    try:
        meetings = Meetings(
            db, secret_key(server.settings), server.settings.meeting_max_participants
        )
        meeting = await meetings.create(owner, title, mode, languages)
        return MadeMeeting(meeting, meetings.links(meeting).view_token, email, owner)
    finally:
        await db.close()


async def end_as_host(server: LiveServer, meeting: MadeMeeting) -> None:
    """The meeting's caseworker ends it from the meeting's page, as they would."""
    async with httpx.AsyncClient(base_url=server.url) as host:
        assert (await sign_in(host, meeting.owner_email)).status_code == 303
        page = await host.get(f"/meetings/{meeting.info.id}")
        ended = await host.post(
            f"/meetings/{meeting.info.id}/end", data={"csrf_token": csrf_from(page.text)}
        )
        assert ended.status_code == 303


async def keep_a_transcript(
    server: LiveServer, meeting: MeetingInfo, owner: Account, said: str
) -> None:
    """The host joined, agreed to a transcript and said ``said`` (in English), kept."""
    db = Database(server.settings.effective_database_url)
    try:
        rooms = Rooms(db)
        host = (await rooms.get(meeting.room_id)).participants[0]
        await rooms.mark_joined(host.id)
        consent = Consent(db)
        await consent.answer(await consent.asker(meeting.id, account=owner), agreed=True)
        segment = SpokenSegment(
            meeting.room_id, host.id, owner.display_name, "caseworker", "en", said, utcnow(), 2.0
        )
        assert await Transcripts(db).keep(segment)
    finally:
        await db.close()
