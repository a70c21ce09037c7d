"""Captions in a call: a participant's microphone (a real speech file sent by an aiortc
peer) goes through the server's caption connection, and the other participants read the
captions over the room WebSocket, in the languages they chose: machine translations made
once per language, the speaker's own words where no model translates, nothing at all
when captions cannot run here."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jiwer
import pytest
from aiortc import RTCConfiguration, RTCPeerConnection

from interp.realtime.protocol import MAX_SDP_CHARS
from interp.translation.translator import Translator
from tests.caption_sender import CaptionSender
from tests.helpers.calls import join, joined, matched_room, pong
from tests.helpers.captions import captions_seen, finals, speak, words
from tests.helpers.speech import REFERENCE, SHORT_REFERENCE, SHORT_SPEECH, SPEECH
from tests.live_server import JsonSocket, LiveServer, csrf_from, sign_in, start_live_server

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("loopback_ice")]


async def read(socket: JsonSocket, languages: list[str]) -> None:
    await socket.send({"type": "captions.language", "languages": languages})
    assert (await socket.expect("captions.reading"))["languages"] == languages


async def test_a_speakers_captions_reach_the_other_participant_in_their_languages(
    translating: LiveServer,
) -> None:
    made, room, client = await matched_room(translating)
    resident = await join(translating, {"token": made["token"]})
    interpreter = await join(translating, {"room": room}, client)
    # Spanish has a model (the test package); Somali has none.
    await read(resident, ["es", "so"])
    try:
        await speak(interpreter, SPEECH)
        heard = await captions_seen(interpreter)  # interpreters read everyone's own words
        got = await captions_seen(resident)
    finally:
        await client.aclose()
    on = next(m for m in resident.seen if m["type"] == "captions.state")
    assert on["on"] and on["peer"]["role"] == "interpreter"

    originals = finals(heard, "original")
    text = " ".join(f["text"] for f in originals)
    assert jiwer.wer(words(REFERENCE), words(text)) < 0.15, text
    assert all(f["speaker"] == {"name": "Vera", "role": "interpreter"} for f in originals)
    assert all(f["source_language"] == "en" and not f["translated"] for f in originals)
    assert {m["reading"] for m in got} == {"es", "so"}  # only what the page reads

    translator = Translator(translating.settings.models_dir)
    spanish, somali = finals(got, "es"), finals(got, "so")
    assert [m["seq"] for m in spanish] == [m["seq"] for m in somali] == [
        m["seq"] for m in originals
    ]
    for original, es, so in zip(originals, spanish, somali, strict=True):
        expected = translator.translate(original["text"], "en", "es")
        assert expected.translated and words(expected.text) != words(original["text"])
        assert es["text"] == expected.text
        assert (es["language"], es["source_language"], es["translated"]) == ("es", "en", True)
        assert es["available"] and es["stable"] == ""
        assert es["speaker"] == original["speaker"]
        # No model for Somali: the speaker's own words, marked so, and nothing waited for one.
        assert so["text"] == original["text"]
        assert (so["language"], so["translated"], so["available"]) == ("en", False, False)


@dataclass
class ThreeParty:
    """A machine-interpretation room with a resident, a caseworker and an interpreter."""

    room: str
    resident: JsonSocket
    caseworker: JsonSocket
    interpreter: JsonSocket
    caseworker_client: httpx.AsyncClient
    clients: list[httpx.AsyncClient]

    async def close(self) -> None:
        for client in self.clients:
            await client.aclose()


async def three_party_machine_room(server: LiveServer) -> ThreeParty:
    """A caseworker's resident link used for a Spanish request that switches to machine
    interpretation, then accepted by a volunteer, who joins the same room."""
    await server.create_account("c@example.org", "caseworker", name="Cora")
    await server.create_account("v@example.org", "volunteer", ("es",), name="Vera")
    caseworker, volunteer, resident = (httpx.AsyncClient(base_url=server.url) for _ in range(3))
    await sign_in(caseworker, "c@example.org")
    await sign_in(volunteer, "v@example.org")
    page = await caseworker.get("/caseworker")
    sent = await caseworker.post("/caseworker", data={"csrf_token": csrf_from(page.text)})
    link = re.search(r"/r/([\w-]+)", sent.text)
    assert link, sent.text
    made = (
        await resident.post(
            "/api/requests", json={"language": "es", "media": "audio", "link": link.group(1)}
        )
    ).json()
    queue_url = made["queue_url"]
    csrf = csrf_from((await resident.get(queue_url)).text)
    machine = await resident.post(f"{queue_url}/machine", data={"csrf_token": csrf})
    assert machine.headers["location"] == made["call_url"]
    resident_socket = await join(server, {"token": made["token"]})
    room = joined(resident_socket)["room"]["id"]
    csrf = csrf_from((await volunteer.get("/volunteer")).text)
    accepted = await volunteer.post(
        f"/api/requests/{made['request']['id']}/accept", headers={"x-csrf-token": csrf}
    )
    assert accepted.json()["room"] == room  # the interpreter joins the machine room
    return ThreeParty(
        room,
        resident_socket,
        await join(server, {"room": room}, caseworker),
        await join(server, {"room": room}, volunteer),
        caseworker,
        [caseworker, volunteer, resident],
    )


async def test_each_segment_is_translated_once_per_language_read_in_the_room(
    translating: LiveServer,
) -> None:
    three = await three_party_machine_room(translating)
    resident, caseworker, interpreter = three.resident, three.caseworker, three.interpreter
    # Three pages read translations: Spanish on two of them, French on two.
    await read(resident, ["es"])
    await read(interpreter, ["es", "fr"])
    await read(caseworker, ["fr", "en"])
    try:
        await speak(caseworker, SHORT_SPEECH)
        got = {
            "resident": await captions_seen(resident),
            "interpreter": await captions_seen(interpreter),
            "caseworker": await captions_seen(caseworker),
        }
    finally:
        await three.close()

    def key(m: dict[str, Any]) -> tuple[Any, ...]:
        return (m["stream"], m["seq"], m["final"], m["end_s"])

    spoken = finals(got["caseworker"], "en")
    text = " ".join(m["text"] for m in spoken)
    assert jiwer.wer(SHORT_REFERENCE, words(text)) < 0.3, text
    assert all(m["speaker"] == {"name": "Cora", "role": "caseworker"} for m in spoken)

    expected = Translator(translating.settings.models_dir)
    for final in spoken:
        for page, language in [
            ("resident", "es"), ("interpreter", "es"), ("interpreter", "fr"), ("caseworker", "fr")
        ]:
            copies = [m for m in got[page] if key(m) == key(final) and m["reading"] == language]
            assert [(m["text"], m["translated"]) for m in copies] == [
                (expected.translate(final["text"], "en", language).text, True)
            ]

    # Partials are translated now and then too: each (language, text) costs one model
    # run, however many pages read that language.
    originals = {key(m): m["text"] for m in got["caseworker"] if m["reading"] == "en"}
    translated = [m for page in got.values() for m in page if m["translated"]]
    distinct = {(m["reading"], originals[key(m)]) for m in translated}
    assert {(language, f["text"]) for f in spoken for language in ("es", "fr")} <= distinct
    # Counted at the translator: pages see copies, not how many times a model ran.
    translator = translating.services.language_tools.translation.translator
    assert translator.model_runs == len(distinct)


async def state_of(socket: JsonSocket, session: str, on: bool) -> dict[str, Any]:
    """The next ``captions.state`` of this page session turning on or off."""
    while True:
        state = await socket.expect("captions.state", within=60)
        if state["peer"]["session"] == session and state["on"] is on:
            return state


async def test_bad_caption_messages_are_refused_and_change_nothing(
    live_server: LiveServer,
) -> None:
    made, room, client = await matched_room(live_server)
    resident = await join(live_server, {"token": made["token"]})
    interpreter = await join(live_server, {"room": room}, client)
    live = live_server.services.live
    no_audio = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    try:
        await read(resident, ["en"])
        # Unknown, signed, none, too many, not codes, not a list.
        for languages in (["xx"], ["bfi"], [], ["es", "en", "fr"], [5], "es"):
            await resident.send({"type": "captions.language", "languages": languages})
            assert (await resident.expect("error"))["code"] == "invalid", languages

        no_audio.createDataChannel("chat")
        await no_audio.setLocalDescription(await no_audio.createOffer())
        for sdp in ("v=0\r\nthis is not an offer", no_audio.localDescription.sdp):
            await resident.send({"type": "captions.start", "sdp": sdp})
            refused = await resident.expect("error", within=60)
            assert refused["code"] == "invalid_offer" and refused["message"]
        await resident.send({"type": "captions.start", "sdp": "v=0\r\n" + "a" * MAX_SDP_CHARS})
        assert (await resident.expect("error"))["code"] == "too_large"
        await pong(resident)
        await pong(interpreter)
    finally:
        await no_audio.close()
        await client.aclose()

    assert len(live.peers) == 0  # no caption connection was left open
    assert not live.is_on(joined(resident)["you"]["id"])
    answered = {m["type"] for m in resident.seen}
    assert "captions.answer" not in answered and "caption" not in answered
    assert [m for m in resident.seen if m["type"] == "captions.reading"] == [
        {"type": "captions.reading", "languages": ["en"]}
    ]
    assert not any(m["type"] == "captions.state" for m in interpreter.seen)
    # The choice made before the bad ones stands (a reloaded page is told it).
    again = await join(live_server, {"token": made["token"]})
    assert joined(again)["captions"]["reading"] == ["en"]
    await again.close()


async def test_a_bad_offer_leaves_running_captions_on(live_server: LiveServer) -> None:
    made, room, client = await matched_room(live_server)
    resident = await join(live_server, {"token": made["token"]})
    interpreter = await join(live_server, {"room": room}, client)
    me = joined(interpreter)["you"]
    live = live_server.services.live
    sender = CaptionSender(interpreter, SHORT_SPEECH)
    try:
        await sender.start()
        await state_of(resident, me["session"], on=True)
        await interpreter.send({"type": "captions.start", "sdp": "v=0\r\nthis is not an offer"})
        assert (await interpreter.expect("error", within=60))["code"] == "invalid_offer"
        await pong(resident)
        assert live.is_on(me["id"]) and len(live.peers) == 1
        assert sum(m["type"] == "captions.state" for m in resident.seen) == 1  # still on
    finally:
        await sender.close()
        await client.aclose()


@pytest.fixture(params=["switched off", "no speech model"])
def server_without_captions(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    if request.param == "switched off":
        server = start_live_server(tmp_path / "data", captions=False)
    else:
        server = start_live_server(tmp_path / "data", models_dir=tmp_path / "no-models")
    try:
        yield server
    finally:
        server.stop()


async def test_captions_that_cannot_run_here_say_why(
    server_without_captions: LiveServer,
) -> None:
    server = server_without_captions
    made, room, client = await matched_room(server)
    interpreter = await join(server, {"room": room}, client)
    captions = joined(interpreter)["captions"]
    assert captions["available"] is False and captions["reason"]
    sender = CaptionSender(interpreter, SHORT_SPEECH)
    try:
        await interpreter.send({"type": "captions.start", "sdp": await sender.offer()})
        refused = await interpreter.expect("error", within=30)
    finally:
        await sender.close()
        await client.aclose()
    assert (refused["code"], refused["message"]) == ("captions_unavailable", captions["reason"])
    assert len(server.services.live.peers) == 0


async def test_a_page_that_goes_stops_its_captions_and_a_reload_takes_over(
    live_server: LiveServer,
) -> None:
    # Three people, so that one of them leaving does not end the call.
    three = await three_party_machine_room(live_server)
    resident, first = three.resident, three.caseworker
    me = joined(first)["you"]
    live = live_server.services.live
    senders: list[CaptionSender] = []

    async def caption(page: JsonSocket) -> str:
        senders.append(CaptionSender(page, SHORT_SPEECH))
        await senders[-1].start()
        session: str = joined(page)["you"]["session"]
        await state_of(resident, session, on=True)
        assert live.is_on(me["id"]) and len(live.peers) == 1
        return session

    try:
        await caption(first)
        # Reloaded: the new page takes over the call, and its offer replaces the first.
        second = await join(live_server, {"room": three.room}, three.caseworker_client)
        assert (await first.expect("room.closed"))["reason"] == "replaced"
        session = await caption(second)
        # Its socket drops: its captions stop and the caption connection closes.
        await second.close()
        await state_of(resident, session, on=False)
        assert not live.is_on(me["id"]) and len(live.peers) == 0
        # Back, captioning again, then gone for good.
        third = await join(live_server, {"room": three.room}, three.caseworker_client)
        session = await caption(third)
        await third.send({"type": "leave"})
        left = await resident.expect("peer.left")
        assert left["peer"]["session"] == session
        await state_of(resident, session, on=False)
        assert not live.is_on(me["id"]) and len(live.peers) == 0
        await pong(resident)  # the call goes on for the others
    finally:
        for sender in senders:
            await sender.close()
        await three.close()


async def test_a_stale_socket_of_a_reconnected_page_leaves_its_captions_on(
    live_server: LiveServer,
) -> None:
    made, room, client = await matched_room(live_server)
    resident = await join(live_server, {"token": made["token"]})
    stale = await join(live_server, {"room": room}, client)
    me = joined(stale)["you"]
    live = live_server.services.live
    senders = [CaptionSender(stale, SHORT_SPEECH)]
    try:
        await senders[0].start()
        await state_of(resident, me["session"], on=True)
        # The page lost its socket and came back with the same session, before the server
        # noticed the old socket had gone; as the protocol asks, it starts captions again.
        back = await join(live_server, {"room": room}, client, session=me["session"])
        senders.append(CaptionSender(back, SHORT_SPEECH))
        await senders[1].start()
        await state_of(resident, me["session"], on=True)
        # Now the server notices: the old socket's end must not stop the new captions,
        # nor show the others a "reconnecting" for someone who is back.
        await stale.close()
        # No client sees the server finish with the old socket (nothing is sent when all
        # goes well), so wait for its count of this participant's sockets to drop.
        calls = live_server.services.calls
        for _ in range(200):
            if calls.connections(me["id"]) == 1:
                break
            await asyncio.sleep(0.05)
        await resident.send({"type": "ping"})
        await resident.expect("pong")
        assert calls.connections(me["id"]) == 1
        assert not any(
            m["type"] == "captions.state" and not m["on"] for m in resident.seen
        )
        assert not any(m["type"] == "peer.reconnecting" for m in resident.seen)
        assert live.is_on(me["id"]) and len(live.peers) == 1
    finally:
        for sender in senders:
            await sender.close()
        await client.aclose()


async def test_captions_reach_a_listener_on_another_node(
    two_nodes: tuple[LiveServer, LiveServer],
) -> None:
    node_a, node_b = two_nodes
    made, room, client = await matched_room(node_a)
    resident = await join(node_b, {"token": made["token"]})
    interpreter = await join(node_a, {"room": room}, client)
    await read(resident, ["en"])
    try:
        await speak(interpreter, SHORT_SPEECH)  # captioned on node A
        got = await captions_seen(resident)  # read on node B
    finally:
        await client.aclose()
    english = finals(got, "en")
    text = " ".join(m["text"] for m in english)
    assert jiwer.wer(SHORT_REFERENCE, words(text)) < 0.3, text
    assert all(m["speaker"] == {"name": "Vera", "role": "interpreter"} for m in english)
