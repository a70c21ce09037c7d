"""Ending a meeting whose transcript the organisation deletes at the end offers it first."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from interp.domain.meetings import Meetings
from interp.domain.transcripts import Transcripts
from interp.keys import secret_key
from interp.store.database import Database
from tests.helpers.meetings import MadeMeeting, create_meeting, keep_a_transcript
from tests.live_server import LiveServer, csrf_from, sign_in

SAID = "Your council tax is paid until March."


@asynccontextmanager
async def _host(
    server: LiveServer, meeting: MadeMeeting
) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """The meeting's caseworker, signed in, and the CSRF token of the meeting's page."""
    async with httpx.AsyncClient(base_url=server.url) as host:
        assert (await sign_in(host, meeting.owner_email)).status_code == 303
        page = await host.get(f"/meetings/{meeting.info.id}")
        yield host, csrf_from(page.text)


async def _ended(server: LiveServer, meeting: MadeMeeting) -> bool:
    db = Database(server.settings.effective_database_url)
    try:
        meetings = Meetings(db, secret_key(server.settings), 6)
        return (await meetings.get(meeting.info.id)).ended
    finally:
        await db.close()


async def _set_retention(server: LiveServer, days: int) -> None:
    db = Database(server.settings.effective_database_url)
    try:
        await Transcripts(db).set_retention_days(days)
    finally:
        await db.close()


async def test_the_host_downloads_the_transcript_before_it_ends_with_the_meeting(
    live_server: LiveServer,
) -> None:
    meeting = await create_meeting(live_server, title="Council tax", mode="online")
    await keep_a_transcript(live_server, meeting.info, meeting.owner, SAID)
    async with _host(live_server, meeting) as (host, csrf):
        offer = await host.post(f"/meetings/{meeting.info.id}/end", data={"csrf_token": csrf})
        assert offer.status_code == 200
        assert "Download the transcript first" in offer.text
        assert not await _ended(live_server, meeting)  # nothing ended yet
        links = [f"/meetings/{meeting.info.id}/transcript.{fmt}" for fmt in ("vtt", "srt", "txt")]
        assert all(link in offer.text for link in links)
        text = await host.get(links[2])
        assert text.status_code == 200 and SAID in text.text

        ended = await host.post(
            f"/meetings/{meeting.info.id}/end",
            data={"csrf_token": csrf_from(offer.text), "transcript": "offered"},
        )
        assert ended.status_code == 303
        assert await _ended(live_server, meeting)


@pytest.mark.parametrize("case", ["kept for days", "nothing kept"])
async def test_a_meeting_ends_at_once_when_nothing_would_be_lost(
    live_server: LiveServer, case: str
) -> None:
    meeting = await create_meeting(live_server, mode="online")
    if case == "kept for days":
        await _set_retention(live_server, 7)
        await keep_a_transcript(live_server, meeting.info, meeting.owner, SAID)
    async with _host(live_server, meeting) as (host, csrf):
        ended = await host.post(f"/meetings/{meeting.info.id}/end", data={"csrf_token": csrf})
        assert ended.status_code == 303
    assert await _ended(live_server, meeting)
