"""The live queue over WebSockets: volunteers see requests appear and go; residents see their
place; first accept wins; bad messages get errors and change nothing."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from tests.helpers.queue import new_request, resident_socket, volunteer_socket
from tests.live_server import JsonSocket, LiveServer


async def test_volunteer_sees_requests_in_their_languages_live(live_server: LiveServer) -> None:
    volunteer, client = await volunteer_socket(live_server, "v@example.org", ("es",))
    try:
        arabic = await new_request(live_server, "ar")
        spanish = await new_request(live_server, "es")
        shown = await volunteer.expect("request.new")
        assert shown["request"]["id"] == spanish["request"]["id"]  # Arabic never shown
        assert arabic["request"]["id"] not in str(volunteer.seen)
        async with httpx.AsyncClient(base_url=live_server.url) as resident:
            page = await resident.get(spanish["queue_url"])
            assert page.status_code == 200
        cancelled = await resident_socket(live_server, spanish["token"])
        await cancelled.expect("status", status="open")
        await cancelled.send({"type": "cancel"})
        await cancelled.expect("status", status="cancelled")
        gone = await volunteer.expect("request.gone")
        assert (gone["id"], gone["reason"]) == (spanish["request"]["id"], "cancelled")
        await cancelled.close()
    finally:
        await volunteer.close()
        await client.aclose()


async def test_unavailable_volunteer_sees_nothing_until_available(live_server: LiveServer) -> None:
    volunteer, client = await volunteer_socket(live_server, "v@example.org", available=False)
    try:
        first = await new_request(live_server)
        await volunteer.send({"type": "ping"})
        await volunteer.expect("pong")
        assert not any(m["type"] == "request.new" for m in volunteer.seen)
        await volunteer.send({"type": "availability", "available": True})
        snapshot = await volunteer.expect("queue", available=True)
        assert [r["id"] for r in snapshot["requests"]] == [first["request"]["id"]]
    finally:
        await volunteer.close()
        await client.aclose()


async def test_resident_sees_place_move_and_the_match(live_server: LiveServer) -> None:
    first = await new_request(live_server)
    second = await new_request(live_server)
    resident = await resident_socket(live_server, second["token"])
    volunteer, client = await volunteer_socket(live_server, "v@example.org")
    # A volunteer holds one call at a time: another takes the second request.
    other, other_client = await volunteer_socket(live_server, "w@example.org")
    try:
        status = await resident.expect("status")
        assert (status["status"], status["position"]) == ("open", 2)
        await volunteer.send({"type": "accept", "request": first["request"]["id"]})
        accepted = await volunteer.expect("accepted")
        assert accepted["call_url"] == f"/rooms/{accepted['room']}"
        assert (await resident.expect("status"))["position"] == 1
        await other.send({"type": "accept", "request": second["request"]["id"]})
        matched = await resident.expect("status", status="matched")
        assert matched["call_url"] == f"/call/{second['token']}"
    finally:
        await resident.close()
        await volunteer.close()
        await other.close()
        await client.aclose()
        await other_client.aclose()


async def test_twenty_volunteers_accept_at_once_over_websockets(live_server: LiveServer) -> None:
    pairs = [await volunteer_socket(live_server, f"v{n}@example.org") for n in range(20)]
    sockets = [socket for socket, _ in pairs]
    try:
        made = await new_request(live_server)
        request_id = made["request"]["id"]
        await asyncio.gather(*(s.expect("request.new") for s in sockets))
        await asyncio.gather(*(s.send({"type": "accept", "request": request_id}) for s in sockets))

        async def outcome(socket: JsonSocket) -> str:
            while True:
                message = await socket.receive()
                if message["type"] == "accepted":
                    return "won"
                if message["type"] == "error" and message.get("code") == "taken":
                    return "taken"

        outcomes = await asyncio.gather(*(outcome(s) for s in sockets))
        assert outcomes.count("won") == 1 and outcomes.count("taken") == 19
        for socket in sockets:  # everyone's dashboard drops the request
            gone = [m for m in socket.seen if m["type"] == "request.gone"]
            if not gone:
                gone = [await socket.expect("request.gone")]
            assert gone[0]["id"] == request_id
    finally:
        for socket, client in pairs:
            await socket.close()
            await client.aclose()


async def test_bad_messages_get_errors_and_change_nothing(live_server: LiveServer) -> None:
    volunteer, client = await volunteer_socket(live_server, "v@example.org", ("ar",))
    try:
        made = await new_request(live_server, "es")
        for bad, code in [
            ("{not json", "malformed"),
            ('{"type": "launch"}', "unknown_type"),
            ('{"type": "accept"}', "invalid"),
            ('{"type": "accept", "request": "' + "0" * 32 + '"}', "not_found"),
            ('{"type": "accept", "request": "' + made["request"]["id"] + '"}', "forbidden"),
        ]:
            await volunteer.send(bad)
            error = await volunteer.expect("error")
            assert error["code"] == code, (bad, error)
        resident = await resident_socket(live_server, made["token"])
        status = await resident.expect("status")
        assert (status["status"], status["position"]) == ("open", 1)
        await resident.close()
    finally:
        await volunteer.close()
        await client.aclose()


async def test_resident_socket_refuses_a_wrong_token(live_server: LiveServer) -> None:
    socket = await resident_socket(live_server, "A" * 43)
    error = await socket.expect("error")
    assert error["code"] == "invalid_token"
    with pytest.raises(ConnectionClosed):
        await socket.receive(within=5)


async def test_volunteer_socket_needs_a_signed_in_volunteer(live_server: LiveServer) -> None:
    socket = await JsonSocket.open(live_server, "/ws/volunteer")
    with pytest.raises(ConnectionClosed):
        await socket.receive(within=5)
    assert socket.connection.close_code == 4401


@pytest.mark.server_settings(fallback_wait_s=0.5)
async def test_long_wait_is_told_and_the_request_stays_open(live_server: LiveServer) -> None:
    made = await new_request(live_server)
    resident = await resident_socket(live_server, made["token"])
    try:
        status = await resident.expect("status", long_wait=True)
        assert status["status"] == "open"
        async with httpx.AsyncClient(base_url=live_server.url) as client:
            page = await client.get(made["queue_url"])
        assert 'id="long-wait" hidden' not in page.text
    finally:
        await resident.close()
