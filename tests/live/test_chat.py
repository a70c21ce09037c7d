"""Text chat in calls and meetings: a typed line reaches every page over the room socket
as a caption marked ``chat``, translated once per language read (with the test Argos
packages), kept in a meeting's transcript only where everyone agreed, and needing no
speech model."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest

from interp.domain.chat import MAX_CHAT_CHARS
from interp.domain.meetings import MeetingInfo
from tests.helpers.calls import join, joined, matched_room, pong
from tests.live.test_transcripts import in_database, kept, open_meeting
from tests.live_server import JsonSocket, LiveServer

pytestmark = pytest.mark.slow


async def read(socket: JsonSocket, languages: list[str]) -> None:
    await socket.send({"type": "captions.language", "languages": languages})
    assert (await socket.expect("captions.reading"))["languages"] == languages


async def typed(socket: JsonSocket, text: str) -> None:
    await socket.send({"type": "chat.send", "text": text})


async def lines_seen(socket: JsonSocket, quiet_s: float = 1.5) -> list[dict[str, Any]]:
    """Every caption the page got, once nothing more has come for ``quiet_s``."""
    with contextlib.suppress(TimeoutError):
        while True:
            await socket.receive(within=quiet_s)
    return [m for m in socket.seen if m["type"] == "caption"]


def model_runs(server: LiveServer) -> int:
    """How many times a translation model ran in the server: pages see copies only."""
    return server.services.language_tools.translation.translator.model_runs


async def guest_joins(
    server: LiveServer, meeting: MeetingInfo, name: str, let_in: bool = True
) -> JsonSocket:
    """Another Spanish-speaking resident joining the meeting: let in, or left waiting."""
    db, meetings = await in_database(server)
    try:
        guest = await meetings.join(meetings.links(meeting).invite_token, name, "es")
        if let_in:
            await meetings.admit(meeting.id, guest.attendee.id)
    finally:
        await db.close()
    return await join(server, {"token": guest.token})


def shown(lines: list[dict[str, Any]]) -> list[tuple[str, str, str, bool]]:
    return [(m["speaker"]["name"], m["text"], m["language"], m["translated"]) for m in lines]


# Captions switched off on the server: chat needs translation only, never a speech model.
@pytest.mark.server_settings(captions=False)
async def test_a_spanish_and_an_english_reader_each_read_the_other_in_their_language(
    translating: LiveServer,
) -> None:
    made, room, client = await matched_room(translating)
    resident = await join(translating, {"token": made["token"]})
    interpreter = await join(translating, {"room": room}, client)
    assert not joined(resident)["captions"]["available"]
    try:
        await read(interpreter, ["en"])
        runs = model_runs(translating)
        await typed(resident, "  necesito\n agua ")
        await lines_seen(interpreter)  # one line after the other, in this order
        await typed(interpreter, "Good morning, world!")
        got_resident = await lines_seen(resident)
        got_interpreter = await lines_seen(interpreter)
    finally:
        await client.aclose()
    # Each line ran a model once: into the one other language read in the call.
    assert model_runs(translating) == runs + 2
    me = joined(resident)["you"]
    assert shown(got_resident) == [
        (me["name"], "necesito agua", "es", False),  # their own line, as typed, tidied
        ("Vera", "buenos días, mundo!", "es", True),
    ]
    assert shown(got_interpreter) == [
        (me["name"], "need water", "en", True),
        ("Vera", "Good morning, world!", "en", False),
    ]
    vera = joined(interpreter)["you"]
    streams = {"resident": f"{me['id']}/chat", "interpreter": f"{vera['id']}/chat"}
    for line in got_resident + got_interpreter:
        assert line["kind"] == "chat" and line["final"] and line["available"]
        assert line["source_language"] == ("es" if line["speaker"]["role"] == "resident" else "en")
        assert line["stream"] == streams[line["speaker"]["role"]]
    # Two copies of one line (one per reader) share their block; lines do not.
    assert got_resident[0]["seq"] == got_interpreter[0]["seq"] != got_resident[1]["seq"]


async def test_a_line_is_translated_once_per_language_however_many_read_it(
    translating: LiveServer,
) -> None:
    meeting = await open_meeting(translating)  # Cora hosts, Rosa (Spanish) is let in
    pablo = await guest_joins(translating, meeting.info, "Pablo")
    pages = {"Cora": meeting.host_page, "Rosa": meeting.guest_page, "Pablo": pablo}
    try:
        runs = model_runs(translating)
        await typed(meeting.host_page, "Hello world")
        got = {name: await lines_seen(page) for name, page in pages.items()}
    finally:
        await meeting.close()
    assert model_runs(translating) == runs + 1  # Spanish once, for Rosa and Pablo both
    assert shown(got["Cora"]) == [("Cora", "Hello world", "en", False)]
    assert shown(got["Rosa"]) == shown(got["Pablo"]) == [("Cora", "hola mundo", "es", True)]
    # Nobody has agreed to a transcript: the line was shown, not kept.
    assert await kept(translating, meeting.info) == 0


async def test_bad_chat_messages_are_refused_and_change_nothing(live_server: LiveServer) -> None:
    meeting = await open_meeting(live_server)
    host, guest = meeting.host_page, meeting.guest_page
    try:
        await meeting.host_answers(True)
        assert (await meeting.guest_answers(live_server, True)).json()["keeping"] is True
        for bad in (
            {"type": "chat.send"},
            {"type": "chat.send", "text": 5},
            {"type": "chat.send", "text": None},
            {"type": "chat.send", "text": "hi", "to": "everyone"},
            {"type": "chat.send", "text": "x" * (MAX_CHAT_CHARS + 1)},
            {"type": "chat.send", "text": " \n\t\u0007 "},
            {"type": "chat.send", "text": "hi\u0000"},
        ):
            await host.send(bad)
            assert (await host.expect("error"))["code"] == "invalid", bad
        await pong(host)
        await pong(guest)
        refused = [m for page in (host, guest) for m in page.seen if m["type"] == "caption"]
        nothing_kept = await kept(live_server, meeting.info)
        # The longest line there may be still goes through, and (everyone agreed) is kept.
        await typed(host, "y" * MAX_CHAT_CHARS)
        line = await guest.expect("caption")
        await pong(host)  # a page's messages are handled in turn: the line is kept by now
    finally:
        await meeting.close()
    assert refused == [] and nothing_kept == 0
    assert line["text"] == "y" * MAX_CHAT_CHARS and line["kind"] == "chat"
    assert await kept(live_server, meeting.info) == 1


async def test_a_guest_still_waiting_cannot_chat(live_server: LiveServer) -> None:
    meeting = await open_meeting(live_server)
    waiting = await guest_joins(live_server, meeting.info, "Pablo", let_in=False)
    try:
        assert joined(waiting)["waiting"] is True
        await typed(waiting, "hola")
        assert (await waiting.expect("error"))["code"] == "waiting"
        await pong(meeting.host_page)
        await pong(meeting.guest_page)
    finally:
        await meeting.close()
    pages = (waiting, meeting.host_page, meeting.guest_page)
    assert not [m for page in pages for m in page.seen if m["type"] == "caption"]


async def test_typed_lines_are_kept_only_while_everyone_agrees(
    translating: LiveServer,
) -> None:
    meeting = await open_meeting(translating)
    url = f"/meetings/{meeting.info.id}/transcript.txt"
    try:
        await meeting.host_answers(True)
        await meeting.guest_answers(translating, False)
        await typed(meeting.guest_page, "hola")
        await pong(meeting.guest_page)  # handled in turn: the line is out, and not kept
        declined = await meeting.host.get(url)
        await meeting.guest_answers(translating, True)
        await meeting.host_page.expect("meeting.consent", keeping=True)
        await typed(meeting.guest_page, "buenos días")
        await pong(meeting.guest_page)
        agreed = await meeting.host.get(url)
    finally:
        await meeting.close()
    assert declined.status_code == 404
    assert agreed.status_code == 200
    # Kept as typed, in the writer's language, under their name; the line typed while
    # Rosa declined is not there.
    assert [line.split("] ", 1)[1] for line in agreed.text.splitlines() if line.strip()] == [
        "Rosa: buenos días"
    ]
