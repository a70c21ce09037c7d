"""Two interp processes sharing PostgreSQL and Redis behave as one service: a request made
on one node reaches a volunteer on the other, and a call connects across them."""

from __future__ import annotations

import httpx
import pytest

from tests.helpers.speech import SPEECH
from tests.live_server import JsonSocket, LiveServer, sign_in
from tests.rtc_peer import RtcPeer

pytestmark = pytest.mark.usefixtures("loopback_ice")


async def test_queue_and_call_span_two_nodes(two_nodes: tuple[LiveServer, LiveServer]) -> None:
    node_a, node_b = two_nodes
    # A language only this test uses keeps concurrent runs on the same Redis apart.
    await node_a.create_account("v@example.org", "volunteer", ("bfi",), name="Vera")
    volunteer = httpx.AsyncClient(base_url=node_a.url)
    await sign_in(volunteer, "v@example.org")
    feed = await JsonSocket.open(node_a, "/ws/volunteer", volunteer)
    await feed.expect("queue")
    await feed.send({"type": "availability", "available": True})
    await feed.expect("queue", available=True)
    resident = interpreter = None
    try:
        async with httpx.AsyncClient(base_url=node_b.url) as client:
            made = (
                await client.post("/api/requests", json={"language": "bfi", "media": "audio"})
            ).json()
        queue = await JsonSocket.open(node_b, "/ws/resident")
        await queue.send({"type": "hello", "token": made["token"]})
        await queue.expect("status", status="open")

        shown = await feed.expect("request.new")
        assert shown["request"]["id"] == made["request"]["id"]
        await feed.send({"type": "accept", "request": made["request"]["id"]})
        room = (await feed.expect("accepted"))["room"]
        matched = await queue.expect("status", status="matched")  # told on the other node
        assert matched["call_url"] == f"/call/{made['token']}"
        await queue.close()

        resident = RtcPeer(
            await JsonSocket.open(node_b, "/ws/room"), {"token": made["token"]}, str(SPEECH)
        )
        interpreter = RtcPeer(
            await JsonSocket.open(node_a, "/ws/room", volunteer), {"room": room}, str(SPEECH)
        )
        await resident.join()
        await interpreter.join()
        await resident.wait_connected()
        await interpreter.wait_connected()
        await interpreter.wait_audio()
    finally:
        for peer in (resident, interpreter):
            if peer is not None:
                await peer.close()
        await feed.close()
        await volunteer.aclose()
