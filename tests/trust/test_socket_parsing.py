"""No frame ends a socket's handler unannounced: deeply nested JSON and text that cannot be
stored are refused at the edge with an error, an offer that cannot be answered is refused
at once, and whatever ends a room connection, its participant is marked gone."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest

from interp.media.peers import OfferError, check_offer
from interp.realtime.close_codes import CloseCode
from interp.realtime.protocol import ROOM_MESSAGES, ProtocolError, parse_message
from interp.realtime.room.signalling import Signalling
from tests.helpers.calls import matched_room
from tests.helpers.queue import new_request, request_status, volunteer_socket
from tests.helpers.sockets import closed_with
from tests.live_server import JsonSocket, LiveServer

NESTED = '{"type":"ping","deep":' + "[" * 1000 + "]" * 1000 + "}"

# A browser's audio offer, cut down to what check_offer looks at.
OFFER = (
    "v=0\r\n"
    "o=- 1 2 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=group:BUNDLE 0\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:abcd\r\n"
    "a=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
    "a=fingerprint:sha-256 "
    "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\r\n"
    "a=setup:actpass\r\n"
    "a=mid:0\r\n"
    "a=sendonly\r\n"
    "a=rtcp-mux\r\n"
    "a=rtpmap:111 opus/48000/2\r\n"
)


def without(sdp: str, attribute: str) -> str:
    return "".join(line + "\r\n" for line in sdp.split("\r\n") if line and attribute not in line)


@contextlib.asynccontextmanager
async def in_a_call(server: LiveServer) -> AsyncIterator[tuple[JsonSocket, JsonSocket]]:
    """The resident's and the interpreter's room sockets, both joined."""
    made, room, client = await matched_room(server)
    resident = await JsonSocket.open(server, "/ws/room")
    interpreter = await JsonSocket.open(server, "/ws/room", client)
    try:
        await resident.send({"type": "hello", "token": made["token"], "session": "resident"})
        await resident.expect("joined")
        await interpreter.send({"type": "hello", "room": room, "session": "interpreter"})
        await interpreter.expect("joined")
        await resident.expect("peer.joined")
        yield resident, interpreter
    finally:
        await resident.close()
        await interpreter.close()
        await client.aclose()


async def still_answers(socket: JsonSocket) -> None:
    await socket.send({"type": "ping"})
    await socket.expect("pong")


def test_parse_message_refuses_deep_nesting_before_parsing() -> None:
    for raw in (NESTED, NESTED.encode(), '{"type":"ping","deep":' + "{" * 20_000):
        with pytest.raises(ProtocolError) as refused:
            parse_message(raw, ROOM_MESSAGES)
        assert refused.value.code == "invalid"
    # Brackets inside strings are text, not nesting.
    assert parse_message('{"type":"captions.speaker","name":"[[[[[[[[[[[["}', ROOM_MESSAGES)


def test_parse_message_refuses_text_that_cannot_be_stored() -> None:
    for raw in (
        '{"type":"meeting.admit","participant":"\\ud800"}',
        '{"type":"captions.language","languages":["en","\\udfff"]}',
        '{"type":"meeting.admit","participant":"a\\u0000b"}',
        '{"type":"ping","\\ud800":1}',
    ):
        with pytest.raises(ProtocolError) as refused:
            parse_message(raw, ROOM_MESSAGES)
        assert refused.value.code == "invalid", raw


@pytest.mark.server_settings(reconnect_grace_s=0.5)
async def test_nested_frame_is_refused_and_the_participant_still_leaves(
    live_server: LiveServer,
) -> None:
    async with in_a_call(live_server) as (resident, interpreter):
        await resident.send(NESTED)
        refused = await resident.expect("error")
        assert refused["code"] == "invalid"
        await still_answers(resident)
        await resident.close()  # dropped: no leave
        await interpreter.expect("peer.reconnecting")
        left = await interpreter.expect("peer.left")
        assert (left["peer"]["role"], left["reason"]) == ("resident", "gone")


async def test_lone_surrogate_is_refused_on_every_socket(live_server: LiveServer) -> None:
    volunteer, client = await volunteer_socket(live_server, "v@example.org")
    try:
        made = await new_request(live_server)
        await volunteer.send('{"type":"accept","request":"\\ud800"}')
        assert (await volunteer.expect("error"))["code"] == "invalid"
        await still_answers(volunteer)
        assert await request_status(live_server, made["request"]["id"]) == "open"

        resident = await JsonSocket.open(live_server, "/ws/resident")
        await resident.send('{"type":"hello","token":"\\ud800"}')
        assert (await resident.expect("error"))["code"] == "invalid"
        await resident.close()

        room = await JsonSocket.open(live_server, "/ws/room", client)
        await room.send('{"type":"hello","room":"\\udc00","session":"s"}')
        assert (await room.expect("error"))["code"] == "invalid"
        await room.close()
    finally:
        await volunteer.close()
        await client.aclose()


@pytest.mark.server_settings(reconnect_grace_s=0.5)
async def test_handler_failure_closes_with_1011_and_the_participant_leaves(
    live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No client message makes a handler fail any more, so one is made to fail here: the
    # test is of what the server does with a fault it did not foresee.
    async def broken(self: Signalling, message: dict[str, Any]) -> None:
        raise RuntimeError("a fault nobody foresaw")

    monkeypatch.setattr(Signalling, "_mute", broken)
    async with in_a_call(live_server) as (resident, interpreter):
        await resident.send({"type": "mute", "audio": False, "video": False})
        assert await closed_with(resident) == CloseCode.INTERNAL_ERROR
        await interpreter.expect("peer.reconnecting")
        left = await interpreter.expect("peer.left")
        assert (left["peer"]["role"], left["reason"]) == ("resident", "gone")
        await still_answers(interpreter)


def test_check_offer_needs_a_fingerprint_and_an_ice_ufrag() -> None:
    check_offer(OFFER)
    # A fingerprint for the whole session serves every media section.
    fingerprint = next(line for line in OFFER.split("\r\n") if line.startswith("a=fingerprint"))
    check_offer(without(OFFER, "a=fingerprint").replace("t=0 0\r\n", f"t=0 0\r\n{fingerprint}\r\n"))
    for missing in ("a=fingerprint", "a=ice-ufrag"):
        with pytest.raises(OfferError):
            check_offer(without(OFFER, missing))


async def test_offer_without_fingerprint_is_refused_at_once(live_server: LiveServer) -> None:
    async with in_a_call(live_server) as (resident, _):
        await resident.send({"type": "captions.start", "sdp": without(OFFER, "a=fingerprint")})
        refused = await resident.expect("error", within=5)
        assert refused["code"] == "invalid_offer"
        assert not any(m["type"] == "captions.answer" for m in resident.seen)
        await still_answers(resident)
