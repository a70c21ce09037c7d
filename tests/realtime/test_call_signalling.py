"""Two real aiortc peers signal through the server's room WebSocket until media flows;
reconnects, hand-backs and bad signalling behave as the protocol promises."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from interp.realtime.protocol import MAX_SDP_CHARS
from tests.helpers.calls import matched_room
from tests.helpers.speech import SPEECH
from tests.live_server import JsonSocket, LiveServer, sign_in
from tests.rtc_peer import RtcPeer

# Loopback only (see the fixture): aioice leaves 127.0.0.1 out of its host candidates.
pytestmark = pytest.mark.usefixtures("loopback_ice")


async def peers(
    server: LiveServer, made: dict, room: str, client: httpx.AsyncClient
) -> tuple[RtcPeer, RtcPeer]:
    resident = RtcPeer(
        await JsonSocket.open(server, "/ws/room"), {"token": made["token"]}, str(SPEECH)
    )
    interpreter = RtcPeer(
        await JsonSocket.open(server, "/ws/room", client), {"room": room}, str(SPEECH)
    )
    return resident, interpreter


@dataclass
class Call:
    made: dict
    room: str
    client: httpx.AsyncClient
    resident: RtcPeer
    interpreter: RtcPeer


@contextlib.asynccontextmanager
async def matched_call(server: LiveServer) -> AsyncIterator[Call]:
    """A matched room with both participants' peers (not yet joined), closed afterwards."""
    made, room, client = await matched_room(server)
    resident, interpreter = await peers(server, made, room, client)
    try:
        yield Call(made, room, client, resident, interpreter)
    finally:
        await resident.close()
        await interpreter.close()
        await client.aclose()


async def test_two_peers_connect_and_audio_flows(live_server: LiveServer) -> None:
    async with matched_call(live_server) as call:
        made = call.made
        client = call.client
        resident, interpreter = call.resident, call.interpreter
        joined = await resident.join()
        assert joined["you"]["role"] == "resident" and joined["ice_servers"] == []
        assert (await interpreter.join())["you"]["name"] == "Vera"
        for peer in (resident, interpreter):
            await peer.next_message("peer.joined" if peer is resident else "peer.present")
        await resident.wait_connected()
        await interpreter.wait_connected()
        await resident.wait_audio()
        await interpreter.wait_audio()
        assert resident.audio_frames >= 25 and interpreter.audio_frames >= 25
        assert (await interpreter.next_message("ice"))["candidate"] == ""

        await resident.socket.send({"type": "mute", "audio": False, "video": False})
        muted = await interpreter.next_message("mute")
        assert (muted["peer"]["role"], muted["peer"]["audio"]) == ("resident", False)

        await interpreter.socket.send({"type": "leave"})
        closed = await resident.next_message("room.closed")
        assert closed["reason"] == "ended"
        status = (await client.get(f"/q/{made['token']}")).text
        assert "This request has ended." in status


async def test_dropped_signalling_shows_reconnecting_then_resumes(live_server: LiveServer) -> None:
    async with matched_call(live_server) as call:
        resident, interpreter = call.resident, call.interpreter
        await resident.join()
        await interpreter.join()
        await resident.wait_connected()
        await interpreter.wait_connected()

        await resident.drop_signalling()
        reconnecting = await interpreter.next_message("peer.reconnecting")
        assert reconnecting["peer"]["session"] == resident.session
        await resident.rejoin(await JsonSocket.open(live_server, "/ws/room"))
        back = await interpreter.next_message("peer.joined")
        # Same session: the interpreter keeps its peer connection and the call goes on.
        assert back["peer"]["session"] == resident.session
        before = interpreter.audio_frames
        async with asyncio.timeout(10):  # media kept flowing across the signalling drop
            await interpreter.more_audio(before)
        assert interpreter.pc.connectionState == "connected"
        assert not any(m["type"] == "peer.left" for m in interpreter.socket.seen)


@pytest.mark.server_settings(reconnect_grace_s=0.5)
async def test_peer_that_does_not_return_has_left(live_server: LiveServer) -> None:
    async with matched_call(live_server) as call:
        resident, interpreter = call.resident, call.interpreter
        await resident.join()
        await interpreter.join()
        await resident.wait_connected()
        await resident.drop_signalling()
        await interpreter.next_message("peer.reconnecting")
        left = await interpreter.next_message("peer.left")
        assert (left["peer"]["role"], left["reason"]) == ("resident", "gone")


async def test_interpreter_hands_back_before_the_call_starts(live_server: LiveServer) -> None:
    made, room, client = await matched_room(live_server)
    queue = await JsonSocket.open(live_server, "/ws/resident")
    interpreter = RtcPeer(
        await JsonSocket.open(live_server, "/ws/room", client), {"room": room}, None
    )
    try:
        await queue.send({"type": "hello", "token": made["token"]})
        await queue.expect("status", status="matched")
        await interpreter.join()
        await interpreter.socket.send({"type": "release"})
        assert (await interpreter.next_message("room.closed"))["reason"] == "released"
        back = await queue.expect("status", status="open")
        assert back["position"] == 1
        refused = await JsonSocket.open(live_server, "/ws/room")
        await refused.send({"type": "hello", "token": made["token"], "session": "s"})
        assert (await refused.expect("error"))["code"] == "invalid_token"
        await refused.close()
    finally:
        await queue.close()
        await interpreter.close()
        await client.aclose()


@pytest.mark.server_settings(reconnect_grace_s=0.5)
async def test_interpreter_who_never_arrives_hands_back(live_server: LiveServer) -> None:
    made, _room, client = await matched_room(live_server)
    queue = await JsonSocket.open(live_server, "/ws/resident")
    try:
        await queue.send({"type": "hello", "token": made["token"]})
        await queue.expect("status", status="matched")
        back = await queue.expect("status", status="open")  # the sweeper handed it back
        assert back["position"] == 1
    finally:
        await queue.close()
        await client.aclose()


async def test_bad_signalling_is_refused_and_relays_nothing(live_server: LiveServer) -> None:
    async with matched_call(live_server) as call:
        resident, interpreter = call.resident, call.interpreter
        await resident.join()
        await interpreter.join()
        await resident.next_message("peer.joined")
        socket = resident.socket
        oversized = {
            "type": "offer",
            "to": interpreter.session,
            "sdp": "v=0\r\n" + "a" * MAX_SDP_CHARS,
        }
        await socket.send(oversized)
        assert (await resident.next_message("error"))["code"] == "too_large"
        await socket.send('{"type": "offer", "to": 1, "sdp": "x"}')
        assert (await resident.next_message("error"))["code"] == "invalid"
        await socket.send(json.dumps({"type": "shout"}))
        assert (await resident.next_message("error"))["code"] == "unknown_type"
        await socket.send({"type": "release"})
        assert (await resident.next_message("error"))["code"] == "forbidden"
        # None of it reached the interpreter, and the call still connects.
        await interpreter.wait_connected()
        assert not any(m["type"] == "offer" and "aaaa" in m["sdp"] for m in interpreter.socket.seen)


async def test_room_refuses_strangers(live_server: LiveServer) -> None:
    made, room, client = await matched_room(live_server)
    await live_server.create_account("other@example.org", "volunteer", ("es",))
    stranger = httpx.AsyncClient(base_url=live_server.url)
    await sign_in(stranger, "other@example.org")
    try:
        for hello, http_client, code in [
            ({"token": "A" * 43}, None, "invalid_token"),
            ({"room": room}, stranger, "forbidden"),
            ({"room": room}, None, "unauthorised"),
        ]:
            socket = await JsonSocket.open(live_server, "/ws/room", http_client)
            await socket.send({"type": "hello", "session": "s1", **hello})
            assert (await socket.expect("error"))["code"] == code
            await socket.close()
        assert (await stranger.get(f"/rooms/{room}")).status_code == 404
    finally:
        await stranger.aclose()
        await client.aclose()


@pytest.mark.server_settings(reconnect_grace_s=0.5)
async def test_call_ends_when_everyone_has_gone(live_server: LiveServer) -> None:
    async with matched_call(live_server) as call:
        made = call.made
        room = call.room
        client = call.client
        resident, interpreter = call.resident, call.interpreter
        await resident.join()
        await interpreter.join()
        await resident.wait_connected()
        queue = await JsonSocket.open(live_server, "/ws/resident")
        await queue.send({"type": "hello", "token": made["token"]})
        await queue.expect("status", status="matched")
        await resident.drop_signalling()
        await interpreter.next_message("peer.left")
        await interpreter.drop_signalling()
        await queue.expect("status", status="closed")  # the last one gone ends the call
        await queue.close()
        assert (await client.get(f"/call/{made['token']}")).status_code == 410
        assert (await client.get(f"/rooms/{room}")).status_code == 404
