"""Meetings made straight in a live server's database, as test setup."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import httpx

from interp.domain.meetings import MeetingInfo, Meetings
from interp.keys import secret_key
from interp.store.database import Database
from tests.live_server import LiveServer, csrf_from, sign_in

_caseworkers = itertools.count(1)


@dataclass(frozen=True)
class MadeMeeting:
    info: MeetingInfo
    view_token: str
    owner_email: str  # the caseworker's account (password: tests.live_server.PASSWORD)


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
        return MadeMeeting(meeting, meetings.links(meeting).view_token, email)
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
