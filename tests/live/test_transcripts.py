"""Consent and transcripts in a running server: participants answer through the consent
API; a caseworker's speech (a real recording sent by an aiortc caption connection) is
kept only when everyone agreed, and downloads as WebVTT, SRT and text, in the words
spoken or translated, by the meeting's caseworker or a coordinator only."""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass
from typing import Any

import httpx
import jiwer
import pytest
from sqlalchemy import select

from interp.domain.meetings import MeetingInfo, Meetings
from interp.domain.transcripts import Transcripts
from interp.keys import secret_key
from interp.store.database import Database
from interp.store.models import AuditEntry
from interp.translation.translator import Translator
from tests.helpers.calls import join
from tests.helpers.captions import captions_seen, speak, words
from tests.helpers.speech import SHORT_REFERENCE, SHORT_SPEECH
from tests.live_server import JsonSocket, LiveServer, csrf_from, sign_in

CONSENT = "/api/meetings/{}/consent"


@dataclass
class Meeting:
    """A caseworker's meeting with one resident let in, both pages connected."""

    info: MeetingInfo
    host: httpx.AsyncClient  # Cora, the caseworker holding it
    host_csrf: str
    guest_token: str
    host_page: JsonSocket
    guest_page: JsonSocket
    clients: list[httpx.AsyncClient]

    @property
    def consent_url(self) -> str:
        return CONSENT.format(self.info.id)

    async def host_answers(self, agreed: bool) -> httpx.Response:
        return await self.host.post(
            self.consent_url, json={"agreed": agreed}, headers={"x-csrf-token": self.host_csrf}
        )

    async def guest_answers(self, server: LiveServer, agreed: bool) -> httpx.Response:
        async with httpx.AsyncClient(base_url=server.url) as guest:
            return await guest.post(
                self.consent_url, json={"agreed": agreed},
                headers={"x-participant-token": self.guest_token},
            )

    async def close(self) -> None:
        for client in self.clients:
            await client.aclose()


async def signed_in(server: LiveServer, email: str) -> tuple[httpx.AsyncClient, str]:
    client = httpx.AsyncClient(base_url=server.url)
    await sign_in(client, email)
    return client, csrf_from((await client.get("/account")).text)


async def in_database(server: LiveServer) -> tuple[Database, Meetings]:
    """The server's database, opened from the test's own event loop."""
    db = Database(server.settings.effective_database_url)
    return db, Meetings(db, secret_key(server.settings), 6)


async def open_meeting(server: LiveServer, title: str = "Tenancy review") -> Meeting:
    host_account = await server.create_account("cora@example.org", "caseworker", name="Cora")
    db, meetings = await in_database(server)
    try:
        info = await meetings.create(host_account, title, "online", ["es", "fr"])
        guest = await meetings.join(meetings.links(info).invite_token, "Rosa", "es")
        await meetings.admit(info.id, guest.attendee.id)
    finally:
        await db.close()
    host, csrf = await signed_in(server, "cora@example.org")
    host_page = await join(server, {"room": info.room_id}, host)
    guest_page = await join(server, {"token": guest.token})
    return Meeting(info, host, csrf, guest.token, host_page, guest_page, [host])


async def kept(server: LiveServer, meeting: MeetingInfo) -> int:
    db = Database(server.settings.effective_database_url)
    try:
        return await Transcripts(db).count(meeting.id)
    finally:
        await db.close()


def lines_of(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


@pytest.mark.slow
@pytest.mark.usefixtures("loopback_ice")
async def test_with_everyone_agreeing_the_transcript_downloads_with_names_and_times(
    translating: LiveServer,
) -> None:
    server = translating
    meeting = await open_meeting(server)
    await server.create_account("co@example.org", "coordinator")
    await server.create_account("kim@example.org", "caseworker", name="Kim")
    other, _ = await signed_in(server, "kim@example.org")
    boss, _ = await signed_in(server, "co@example.org")
    meeting.clients += [other, boss]
    try:
        assert (await meeting.host_answers(True)).json()["keeping"] is False  # Rosa has not
        answered = await meeting.guest_answers(server, True)
        assert answered.status_code == 200 and answered.json()["keeping"] is True
        # Every page hears who agreed.
        event = await meeting.host_page.expect("meeting.consent", keeping=True)
        assert {(p["name"], p["consent"]) for p in event["participants"]} == {
            ("Cora", "agreed"), ("Rosa", "agreed")
        }
        await speak(meeting.host_page, SHORT_SPEECH)

        url = f"/meetings/{meeting.info.id}/transcript"
        vtt = await meeting.host.get(f"{url}.vtt")
        srt = await meeting.host.get(f"{url}.srt")
        text = await meeting.host.get(f"{url}.txt")
        spanish = await meeting.host.get(f"{url}.txt?language=es")
        somali = await meeting.host.get(f"{url}.txt?language=so")
        by_coordinator = await boss.get(f"{url}.vtt")
        by_other = await other.get(f"{url}.vtt")
        async with httpx.AsyncClient(base_url=server.url) as nobody:
            anonymous = await nobody.get(f"{url}.vtt")
    finally:
        await meeting.close()

    assert vtt.status_code == 200 and vtt.headers["content-type"].startswith("text/vtt")
    assert vtt.headers["content-disposition"].startswith('attachment; filename="transcript-')
    assert vtt.text.startswith("WEBVTT")
    cues = [line for line in lines_of(vtt.text) if "-->" not in line][1:]
    assert cues and cues[0].startswith("<v Cora>")
    assert re.search(r"^\d\d:\d\d:\d\d\.\d{3} --> \d\d:\d\d:\d\d\.\d{3}$", vtt.text, re.M)

    assert srt.status_code == 200 and lines_of(srt.text)[0] == "1"
    assert re.search(r"^\d\d:\d\d:\d\d,\d{3} --> ", srt.text, re.M)
    assert "Cora: " in srt.text

    said = lines_of(text.text)
    assert all(re.match(r"\[\d\d:\d\d:\d\d\] Cora: ", line) for line in said), said
    spoken = [line.split("Cora: ", 1)[1] for line in said]
    assert jiwer.wer(SHORT_REFERENCE, words(" ".join(spoken))) < 0.3, spoken

    # Translated on demand, segment by segment, at the same times.
    assert spanish.status_code == 200
    translator = Translator(server.settings.models_dir)
    expected = [translator.translate(s, "en", "es").text for s in spoken]
    notice, *translated = lines_of(spanish.text)
    # Machine translation, said once at the top in the file's language, on no line of it.
    assert notice == "Traducción automática, puede tener errores"
    assert [line.split("Cora: ", 1)[1] for line in translated] == expected
    assert [line[:10] for line in translated] == [line[:10] for line in said]
    # No model reaches Somali: a page that says what to install, and no file.
    assert somali.status_code == 409
    assert somali.headers["content-type"].startswith("text/html")
    assert "interp models install translation en so" in somali.text
    assert "content-disposition" not in somali.headers

    assert by_coordinator.status_code == 200 and by_coordinator.text == vtt.text
    assert by_other.status_code == 403 and "WEBVTT" not in by_other.text
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")

    # Kept until the meeting ends (the default): the purge a starting server runs first
    # deletes it, and says so in the audit log.
    segments = await kept(server, meeting.info)
    db, meetings = await in_database(server)
    try:
        assert await meetings.end(meeting.info.id)
    finally:
        await db.close()
    server.restart()
    for _ in range(300):
        if not await kept(server, meeting.info):
            break
        await asyncio.sleep(0.1)
    assert await kept(server, meeting.info) == 0
    db = Database(server.settings.effective_database_url)
    try:
        async with db.session() as session:
            [entry] = await session.scalars(select(AuditEntry))
    finally:
        await db.close()
    assert entry.event == "transcripts.purged"
    assert json.loads(entry.detail) == {
        "meeting": meeting.info.id, "segments": segments, "retention_days": 0
    }


@pytest.mark.slow
@pytest.mark.usefixtures("loopback_ice")
async def test_one_refusal_keeps_nothing_while_captions_still_show(
    translating: LiveServer,
) -> None:
    server = translating
    meeting = await open_meeting(server)
    try:
        await meeting.host_answers(True)
        refused = await meeting.guest_answers(server, False)
        assert refused.json()["keeping"] is False
        await speak(meeting.host_page, SHORT_SPEECH)
        shown = await captions_seen(meeting.guest_page)
        download = await meeting.host.get(f"/meetings/{meeting.info.id}/transcript.vtt")
    finally:
        await meeting.close()
    assert any(m["text"] for m in shown if m["final"])  # the captions showed live
    assert await kept(server, meeting.info) == 0
    assert download.status_code == 404
    assert "No transcript has been kept for this meeting" in download.text


async def test_the_consent_api_checks_who_asks(live_server: LiveServer) -> None:
    meeting = await open_meeting(live_server)
    await live_server.create_account("kim@example.org", "caseworker", name="Kim")
    other, other_csrf = await signed_in(live_server, "kim@example.org")
    meeting.clients.append(other)
    url = meeting.consent_url
    try:
        as_guest = {"x-participant-token": meeting.guest_token}
        guest_view = await meeting.host.get(url, headers=as_guest)
        host_view = await meeting.host.get(url)
        async with httpx.AsyncClient(base_url=live_server.url) as nobody:
            anonymous = await nobody.get(url)
            wrong_token = await nobody.get(url, headers={"x-participant-token": "A" * 43})
        refused = [
            await meeting.host.post(url, json={"agreed": True}),  # no CSRF token
            await meeting.host.post(url, json={"agreed": "yes"}, headers=csrf(meeting)),
            await meeting.host.post(url, json={"agreed": True, "x": 1}, headers=csrf(meeting)),
            await meeting.host.post(url, content=b"agreed", headers=csrf(meeting)),
            await other.get(url),
            await other.post(url, json={"agreed": True}, headers={"x-csrf-token": other_csrf}),
            # The host records answers only for speakers in the room, not for Rosa.
            await meeting.host.post(
                url, json={"agreed": True, "participant": guest_view.json()["you"]["id"]},
                headers=csrf(meeting),
            ),
        ]
        nothing = await meeting.host.get(f"/meetings/{meeting.info.id}/transcript.vtt")
        bad_format = await meeting.host.get(f"/meetings/{meeting.info.id}/transcript.doc")
    finally:
        await meeting.close()

    assert guest_view.status_code == 200
    body: dict[str, Any] = guest_view.json()
    assert body["you"]["consent"] is None and body["host"] is False and "kept" not in body
    assert {p["name"] for p in body["participants"]} == {"Cora", "Rosa"}
    assert body["retention"] == {
        "days": 0, "text": "The transcript is deleted when the meeting ends."
    }
    assert host_view.json()["host"] is True and host_view.json()["kept"] == 0
    assert anonymous.status_code == 403 and wrong_token.status_code == 404
    assert [r.status_code for r in refused] == [403, 400, 400, 415, 403, 403, 403]
    assert nothing.status_code == 404 and bad_format.status_code == 404


def csrf(meeting: Meeting) -> dict[str, str]:
    return {"x-csrf-token": meeting.host_csrf}


async def test_the_coordinator_sets_how_long_transcripts_are_kept(
    live_server: LiveServer,
) -> None:
    await live_server.create_account("co@example.org", "coordinator")
    coordinator, _ = await signed_in(live_server, "co@example.org")
    try:
        page = await coordinator.get("/coordinator")
        assert 'name="days"' in page.text and 'value="0"' in page.text
        token = csrf_from(page.text)
        for bad in ("366", "-1", "a week", ""):
            refused = await coordinator.post(
                "/coordinator", data={"csrf_token": token, "action": "retention", "days": bad}
            )
            assert refused.status_code == 400, bad
            assert "Choose a number of days from 0 to 365." in refused.text
        saved = await coordinator.post(
            "/coordinator", data={"csrf_token": token, "action": "retention", "days": "30"}
        )
        assert saved.status_code == 303
        page = await coordinator.get("/coordinator")
    finally:
        await coordinator.aclose()
    assert 'id="retention-days"' in page.text and 'value="30"' in page.text
    assert "kept for 30 days after the meeting ends" in page.text
