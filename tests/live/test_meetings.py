"""Meeting rules on the room WebSocket: guests wait unseen until the host lets them in,
the host removes people and ends the meeting, nobody else may, the size limit holds, and
in a meeting held in a room the host names who their microphone hears."""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from interp.domain.meetings import MeetingInfo, Meetings
from interp.keys import secret_key
from interp.store.database import Database
from tests.caption_sender import CaptionSender, joined_speech
from tests.helpers.speech import DATA
from tests.live_server import JsonSocket, LiveServer, csrf_from, sign_in

HOST_EMAIL = "kasia@example.org"


@dataclass
class Meeting:
    info: MeetingInfo
    invite: str  # the invite link's path
    host: httpx.AsyncClient  # the caseworker's signed-in client


async def stored(server: LiveServer, meeting_id: str) -> MeetingInfo:
    """The meeting as the server's database holds it now."""
    db = Database(server.settings.effective_database_url)
    try:
        return await Meetings(db, secret_key(server.settings), 0).get(meeting_id)
    finally:
        await db.close()


@pytest.fixture
async def meeting(
    live_server: LiveServer, request: pytest.FixtureRequest
) -> AsyncIterator[Meeting]:
    """A meeting made through the caseworker's pages: online, or held in a room when a test
    asks with ``@pytest.mark.parametrize("meeting", ["in_room"], indirect=True)``."""
    mode = getattr(request, "param", "online")
    await live_server.create_account(HOST_EMAIL, "caseworker", name="Kasia")
    client = httpx.AsyncClient(base_url=live_server.url)
    try:
        await sign_in(client, HOST_EMAIL)
        page = await client.get("/meetings")
        made = await client.post("/meetings", data={
            "csrf_token": csrf_from(page.text), "title": "Housing review", "mode": mode,
            "languages": ["es"],
        })
        assert made.status_code == 303, made.text
        meeting_id = made.headers["location"].rsplit("/", 1)[1]
        host_page = (await client.get(made.headers["location"])).text
        invite = re.search(r'id="invite-link"[^>]*value="https?://[^/]+(/j/[^"]+)"', host_page)
        assert invite, "the host page shows the invite link"
        yield Meeting(await stored(live_server, meeting_id), invite.group(1), client)
    finally:
        await client.aclose()


async def join_as_guest(server: LiveServer, meeting: Meeting, name: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=server.url) as guest:
        form = await guest.get(meeting.invite)
        return await guest.post(meeting.invite, data={
            "csrf_token": csrf_from(form.text), "name": name, "language": "es",
        })


async def guest_token(server: LiveServer, meeting: Meeting, name: str) -> str:
    joined = await join_as_guest(server, meeting, name)
    assert joined.status_code == 303, joined.text
    return str(joined.headers["location"]).removeprefix("/m/")


async def connect(
    server: LiveServer, hello: dict[str, Any], client: httpx.AsyncClient | None = None
) -> JsonSocket:
    socket = await JsonSocket.open(server, "/ws/room", client)
    await socket.send({"type": "hello", "session": secrets.token_hex(8), **hello})
    return socket


async def host_joins(server: LiveServer, meeting: Meeting) -> tuple[JsonSocket, dict[str, Any]]:
    host = await connect(server, {"room": meeting.info.room_id}, meeting.host)
    joined = await host.expect("joined")
    assert joined["meeting"]["host"] is True and joined["waiting"] is False
    assert (await host.expect("meeting.waiting"))["waiting"] == []
    return host, joined


async def guest_joins(server: LiveServer, token: str) -> tuple[JsonSocket, dict[str, Any]]:
    guest = await connect(server, {"token": token})
    return guest, await guest.expect("joined")


async def test_a_guest_waits_unseen_until_the_host_lets_them_in(
    live_server: LiveServer, meeting: Meeting
) -> None:
    host, host_joined = await host_joins(live_server, meeting)
    assert (await stored(live_server, meeting.info.id)).started_at is not None

    guest, joined = await guest_joins(live_server, await guest_token(live_server, meeting, "Ana"))
    assert joined["waiting"] is True and joined["meeting"]["host"] is False
    assert joined["meeting"]["title"] == "Housing review"
    ana = joined["you"]
    waiting = await host.expect("meeting.waiting")
    assert [(g["id"], g["name"], g["language"]) for g in waiting["waiting"]] == [
        (ana["id"], "Ana", "es")
    ]

    # Waiting, the guest reaches nobody: no signals, no captions.
    await guest.send({"type": "offer", "to": host_joined["you"]["session"], "sdp": "v=0"})
    assert (await guest.expect("error"))["code"] == "waiting"
    await guest.send({"type": "captions.start", "sdp": "v=0"})
    assert (await guest.expect("error"))["code"] == "waiting"
    # Host messages from anyone else are refused.
    await guest.send({"type": "meeting.admit", "participant": ana["id"]})
    assert (await guest.expect("error"))["code"] == "waiting"

    await host.send({"type": "meeting.admit", "participant": ana["id"]})
    await guest.expect("meeting.admitted")
    present = await guest.expect("peer.present")
    assert present["peer"]["id"] == host_joined["you"]["id"]
    arrived = await host.expect("peer.joined")
    assert arrived["peer"]["id"] == ana["id"]
    # The emptied waiting list and the arrival come on different paths, in either order.
    since_admit = host.seen[host.seen.index(waiting) + 1:]
    if not any(m["type"] == "meeting.waiting" and m["waiting"] == [] for m in since_admit):
        await host.expect("meeting.waiting", waiting=[])
    # The host heard nothing of the guest before letting them in.
    before = host.seen[: host.seen.index(arrived)]
    assert not [m for m in before if m["type"].startswith("peer.")]

    for message in (
        {"type": "meeting.remove", "participant": host_joined["you"]["id"]},
        {"type": "meeting.end"},
        {"type": "captions.speaker", "name": "Ana"},
    ):
        await guest.send(message)
        assert (await guest.expect("error"))["code"] == "forbidden"
    assert (await stored(live_server, meeting.info.id)).ended_at is None

    # A guest leaving does not end the meeting.
    await guest.send({"type": "leave"})
    left = await host.expect("peer.left")
    assert left["peer"]["id"] == ana["id"] and left["reason"] == "left"
    assert (await stored(live_server, meeting.info.id)).ended_at is None
    again, _ = await guest_joins(live_server, await guest_token(live_server, meeting, "Bo"))
    await again.close()
    await host.close()


async def test_a_removed_guest_is_shown_out_and_cannot_come_back(
    live_server: LiveServer, meeting: Meeting
) -> None:
    host, _ = await host_joins(live_server, meeting)
    token = await guest_token(live_server, meeting, "Ana")
    guest, joined = await guest_joins(live_server, token)
    ana = joined["you"]["id"]
    await host.send({"type": "meeting.admit", "participant": ana})
    await guest.expect("meeting.admitted")
    await host.expect("peer.joined")

    await host.send({"type": "meeting.remove", "participant": ana})
    assert (await guest.expect("room.closed"))["reason"] == "removed"
    left = await host.expect("peer.left")
    assert left["peer"]["id"] == ana and left["reason"] == "removed"

    back = await connect(live_server, {"token": token})
    assert (await back.expect("room.closed"))["reason"] == "removed"
    async with httpx.AsyncClient(base_url=live_server.url) as page:
        assert (await page.get(f"/m/{token}")).status_code == 403

    # A waiting guest can be turned away too.
    waiting, joined = await guest_joins(live_server, await guest_token(live_server, meeting, "Bo"))
    await host.send({"type": "meeting.remove", "participant": joined["you"]["id"]})
    assert (await waiting.expect("room.closed"))["reason"] == "removed"
    # The host cannot be removed, nor anyone unknown.
    await host.send({"type": "meeting.remove", "participant": "0" * 32})
    assert (await host.expect("error"))["code"] == "not_found"
    await host.close()


async def test_ending_the_meeting_closes_every_page_and_link(
    live_server: LiveServer, meeting: Meeting
) -> None:
    host, _ = await host_joins(live_server, meeting)
    ana = await guest_token(live_server, meeting, "Ana")
    admitted, joined = await guest_joins(live_server, ana)
    await host.send({"type": "meeting.admit", "participant": joined["you"]["id"]})
    await admitted.expect("meeting.admitted")
    token = await guest_token(live_server, meeting, "Bo")
    waiting, _ = await guest_joins(live_server, token)

    await host.send({"type": "meeting.end"})
    for page in (host, admitted, waiting):
        assert (await page.expect("room.closed"))["reason"] == "ended"
    assert (await stored(live_server, meeting.info.id)).ended_at is not None

    async with httpx.AsyncClient(base_url=live_server.url) as page:
        for path in (meeting.invite, f"/m/{token}"):
            ended = await page.get(path)
            assert ended.status_code == 410 and "This meeting has ended." in ended.text
    closed = await connect(live_server, {"token": token})
    assert (await closed.expect("error"))["code"] == "invalid_token"


@pytest.mark.server_settings(meeting_max_participants=2)
async def test_a_full_meeting_says_so_on_joining_and_on_letting_in(
    live_server: LiveServer, meeting: Meeting
) -> None:
    host, _ = await host_joins(live_server, meeting)
    ana_token = await guest_token(live_server, meeting, "Ana")
    ana, joined = await guest_joins(live_server, ana_token)
    ana_id = joined["you"]["id"]
    # Two present (the host and Ana, waiting): the next guest is told the meeting is full.
    refused = await join_as_guest(live_server, meeting, "Bo")
    assert refused.status_code == 409
    assert "This meeting is full (2 people). Ask the caseworker." in refused.text

    await host.send({"type": "meeting.admit", "participant": ana_id})
    await ana.expect("meeting.admitted")
    # Ana steps out; Bo gets in line; Ana comes back: two are in, Bo cannot be let in.
    await ana.send({"type": "leave"})
    await host.expect("peer.left")
    bo, joined = await guest_joins(live_server, await guest_token(live_server, meeting, "Bo"))
    ana, _ = await guest_joins(live_server, ana_token)
    await host.expect("peer.joined")
    await host.send({"type": "meeting.admit", "participant": joined["you"]["id"]})
    full = await host.expect("error")
    assert full["code"] == "full" and "(2 people)" in full["message"]
    # Nor is there room for an interpreter.
    host_page = await meeting.host.get(f"/meetings/{meeting.info.id}")
    asked = await meeting.host.post(f"/meetings/{meeting.info.id}/interpreter", data={
        "csrf_token": csrf_from(host_page.text), "language": "es", "note": ""})
    assert asked.status_code == 409 and "someone must leave" in asked.text
    for socket in (host, ana, bo):
        await socket.close()


async def test_an_interpreter_asked_into_the_meeting_joins_it(
    live_server: LiveServer, meeting: Meeting
) -> None:
    host, _ = await host_joins(live_server, meeting)
    host_page = await meeting.host.get(f"/meetings/{meeting.info.id}")
    asked = await meeting.host.post(f"/meetings/{meeting.info.id}/interpreter", data={
        "csrf_token": csrf_from(host_page.text), "language": "es", "note": "Housing review"})
    assert asked.status_code == 303
    request_id = (await stored(live_server, meeting.info.id)).request_id

    await live_server.create_account("vera@example.org", "volunteer", ("es",), name="Vera")
    async with httpx.AsyncClient(base_url=live_server.url) as volunteer:
        await sign_in(volunteer, "vera@example.org")
        csrf = csrf_from((await volunteer.get("/volunteer")).text)
        accepted = await volunteer.post(
            f"/api/requests/{request_id}/accept", headers={"x-csrf-token": csrf})
        assert accepted.json()["room"] == meeting.info.room_id
        # The ordinary call link leads to the meeting's own call page.
        call = await volunteer.get(accepted.json()["call_url"])
        assert call.status_code == 303
        assert call.headers["location"] == f"/meetings/{meeting.info.id}/call"
        assert (await volunteer.get(call.headers["location"])).status_code == 200

        interpreter = await connect(live_server, {"room": meeting.info.room_id}, volunteer)
        joined = await interpreter.expect("joined")
        assert joined["waiting"] is False and joined["meeting"]["host"] is False
        await interpreter.expect("peer.present")
        assert (await host.expect("peer.joined"))["peer"]["role"] == "interpreter"
        assert (await stored(live_server, meeting.info.id)).interpreter_joined_at is not None
        await interpreter.close()
    await host.close()


@pytest.mark.slow
@pytest.mark.parametrize("meeting", ["in_room"], indirect=True)
async def test_the_host_names_who_their_microphone_hears(
    live_server: LiveServer, meeting: Meeting, tmp_path: Path, loopback_ice: None
) -> None:
    host, joined = await host_joins(live_server, meeting)
    if not joined["captions"]["available"]:
        await host.close()
        pytest.skip(joined["captions"]["reason"])
    assert joined["room"]["media"] == "audio" and joined["meeting"]["mode"] == "in_room"
    # Two people in turn at the host's microphone.
    speech = joined_speech(
        [DATA / "en_speechbrain_spk1_snt1.wav", DATA / "en_librispeech_1272-128104-0000.wav"],
        tmp_path / "two.wav", pause_s=2.0,
    )
    await host.send({"type": "captions.speaker", "name": "  Maria  "})
    assert (await host.expect("captions.speaker"))["name"] == "Maria"
    sender = CaptionSender(host, speech)
    try:
        await sender.start()
        first = await host.expect("caption", within=120, final=True)
        assert first["speaker"] == {"name": "Maria", "role": "speaker"}
        await host.send({"type": "captions.speaker", "name": ""})
        assert (await host.expect("captions.speaker"))["name"] == ""
        later = await host.expect("caption", within=120, final=True)
        assert later["seq"] > first["seq"]
        assert later["speaker"] == {"name": "Kasia", "role": "caseworker"}
    finally:
        await sender.close()

    await host.send({"type": "captions.speaker", "name": "x" * 101})
    assert (await host.expect("error"))["code"] == "invalid"
    await host.close()


@pytest.mark.parametrize("meeting", ["in_room"], indirect=True)
async def test_a_named_speaker_is_remembered_for_consent_and_the_history(
    live_server: LiveServer, meeting: Meeting
) -> None:
    host, _ = await host_joins(live_server, meeting)
    await host.send({"type": "captions.speaker", "name": "Mr  Okafor"})
    assert (await host.expect("captions.speaker"))["name"] == "Mr Okafor"
    await host.send({"type": "captions.speaker", "name": ""})
    assert (await host.expect("captions.speaker"))["name"] == ""
    await host.send({"type": "captions.speaker", "name": "Bell\x07"})
    assert (await host.expect("error"))["code"] == "invalid"
    await host.send({"type": "meeting.end"})
    await host.expect("room.closed")
    history = await meeting.host.get("/meetings")
    assert "Mr Okafor" in history.text and "Speaker in the room" in history.text


async def test_speakers_are_named_only_in_meetings_held_in_a_room(
    live_server: LiveServer, meeting: Meeting
) -> None:
    host, _ = await host_joins(live_server, meeting)
    await host.send({"type": "captions.speaker", "name": "Maria"})
    error = await host.expect("error")
    assert error["code"] == "invalid" and "in a room" in error["message"]
    await host.close()


async def test_the_meeting_time_is_read_in_the_browsers_time_zone(
    live_server: LiveServer, meeting: Meeting
) -> None:
    page = await meeting.host.get("/meetings")
    form = {"csrf_token": csrf_from(page.text), "title": "Summer review", "mode": "online",
            "when": "2030-07-01T09:30", "timezone": "Europe/London"}
    made = await meeting.host.post("/meetings", data=form)
    summer = await stored(live_server, made.headers["location"].rsplit("/", 1)[1])
    assert summer.scheduled_at is not None
    assert summer.scheduled_at.isoformat() == "2030-07-01T08:30:00+00:00"  # BST is UTC+1
    refused = await meeting.host.post("/meetings", data={**form, "when": "1 July"})
    assert refused.status_code == 400 and "Enter the date and time as shown" in refused.text
    # A guest language nobody offers is refused with a clear message.
    async with httpx.AsyncClient(base_url=live_server.url) as guest:
        join_page = await guest.get(meeting.invite)
        wrong = await guest.post(meeting.invite, data={
            "csrf_token": csrf_from(join_page.text), "name": "Ana", "language": "xx"})
        assert wrong.status_code == 400 and "Choose one of the languages" in wrong.text
