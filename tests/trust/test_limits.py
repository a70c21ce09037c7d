"""Limits on every door: past its bound a door refuses with 429 (``rate_limited``, and
``Retry-After``) or, on a socket, a ``rate_limited`` error, in the person's language, and
changes nothing. Counted per token, per account and per address; the address is the
socket's peer unless a trusted proxy forwarded it. With Redis the counts are shared."""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid

import httpx
import pytest
from aiortc import RTCConfiguration, RTCPeerConnection
from aiortc.mediastreams import AudioStreamTrack
from redis.exceptions import RedisError
from sqlalchemy import func, select
from websockets.exceptions import ConnectionClosed

from interp.config import ConfigError, load_settings
from interp.domain.meetings import Meetings
from interp.keys import secret_key
from interp.rate_limit import Limits, MemoryCounters, Rate, RateLimiter, RedisCounters
from interp.realtime.close_codes import CloseCode
from interp.store.database import Database
from interp.store.models import Base, InterpretationRequest, Room, RoomParticipant
from tests.helpers.calls import join, matched_room, pong
from tests.helpers.meetings import create_meeting
from tests.live_server import JsonSocket, LiveServer, csrf_from, sign_in

SPANISH = {"accept-language": "es"}
SPANISH_TOO_MANY = "Demasiados intentos"


async def rows(server: LiveServer, table: type[Base]) -> int:
    db = Database(server.settings.effective_database_url)
    try:
        async with db.session() as session:
            return int(await session.scalar(select(func.count()).select_from(table)) or 0)
    finally:
        await db.close()


def refused_in_json(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert response.json()["error"]["code"] == "rate_limited"
    assert response.json()["error"]["message"]
    assert int(response.headers["retry-after"]) >= 1


def refused_on_a_page(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert int(response.headers["retry-after"]) >= 1
    assert SPANISH_TOO_MANY in response.text  # in the reader's language


async def ask(client: httpx.AsyncClient, **headers: str) -> httpx.Response:
    return await client.post(
        "/api/requests", json={"language": "es", "media": "audio"}, headers=headers
    )


async def test_the_21st_request_from_one_address_is_refused_and_not_made(
    live_server: LiveServer,
) -> None:
    async with httpx.AsyncClient(base_url=live_server.url, headers=SPANISH) as client:
        made = [(await ask(client)).status_code for _ in range(20)]
        assert made == [201] * 20
        refused_in_json(await ask(client))
        # The request form is the same door.
        form = await client.get("/request")
        data = {"csrf_token": csrf_from(form.text), "language": "es", "media": "audio"}
        refused_on_a_page(await client.post("/request", data=data))
    assert await rows(live_server, InterpretationRequest) == 20


@pytest.mark.server_settings(limit_requests_per_address="1/600")
async def test_a_forwarded_address_is_ignored_from_an_untrusted_peer(
    live_server: LiveServer,
) -> None:
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        assert (await ask(client, **{"x-forwarded-for": "203.0.113.1"})).status_code == 201
        refused_in_json(await ask(client, **{"x-forwarded-for": "203.0.113.2"}))
    assert await rows(live_server, InterpretationRequest) == 1


async def test_a_forwarded_header_does_not_get_round_the_sign_in_limit(
    live_server: LiveServer,
) -> None:
    await live_server.create_account("cw@example.org", "caseworker")
    async with httpx.AsyncClient(base_url=live_server.url) as attacker:
        for n in range(10):
            attacker.headers["x-forwarded-for"] = f"203.0.113.{n}"
            assert (await sign_in(attacker, "cw@example.org", "guess")).status_code == 400
        attacker.headers["x-forwarded-for"] = "203.0.113.99"
        assert (await sign_in(attacker, "cw@example.org")).status_code == 429


@pytest.mark.server_settings(limit_requests_per_address="1/600", trusted_proxies="127.0.0.1")
async def test_a_trusted_proxy_names_the_client(live_server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        for address in ("203.0.113.1", "203.0.113.2"):
            assert (await ask(client, **{"x-forwarded-for": address})).status_code == 201
        refused_in_json(await ask(client, **{"x-forwarded-for": "203.0.113.1"}))
    assert await rows(live_server, InterpretationRequest) == 2


async def test_failed_sign_ins_for_one_account_do_not_lock_out_another(
    live_server: LiveServer,
) -> None:
    await live_server.create_account("target@example.org", "caseworker")
    await live_server.create_account("colleague@example.org", "caseworker")
    async with httpx.AsyncClient(base_url=live_server.url) as attacker:
        for _ in range(10):
            assert (await sign_in(attacker, "target@example.org", "guess")).status_code == 400
        locked = await sign_in(attacker, "target@example.org")
        assert locked.status_code == 429 and int(locked.headers["retry-after"]) >= 1
    # Someone else in the same office (the same address) signs in as usual.
    async with httpx.AsyncClient(base_url=live_server.url) as colleague:
        assert (await sign_in(colleague, "colleague@example.org")).status_code == 303
        assert (await colleague.get("/caseworker")).status_code == 200


@pytest.mark.server_settings(limit_sign_in_per_address="3/900")
async def test_one_address_guessing_at_many_accounts_meets_its_ceiling(
    live_server: LiveServer,
) -> None:
    await live_server.create_account("cw@example.org", "caseworker")
    async with httpx.AsyncClient(base_url=live_server.url, headers=SPANISH) as client:
        for n in range(3):
            assert (await sign_in(client, f"nobody{n}@example.org", "guess")).status_code == 400
        refused = await sign_in(client, "cw@example.org")
        refused_on_a_page(refused)
        assert (await client.get("/caseworker")).status_code == 303


@pytest.mark.server_settings(
    limit_guest_joins_per_invite="2/3600", meeting_max_participants=10
)
async def test_guest_joins_through_one_invite_are_bounded(live_server: LiveServer) -> None:
    meeting = await create_meeting(live_server, mode="online")
    db = Database(live_server.settings.effective_database_url)
    try:
        meetings = Meetings(db, secret_key(live_server.settings), 10)
        invite = meetings.links(meeting.info).invite_token
    finally:
        await db.close()
    seats = await rows(live_server, RoomParticipant)
    statuses = []
    for n in range(3):
        # A fresh client each time, as a script would: the limit is the invite's.
        async with httpx.AsyncClient(base_url=live_server.url, headers=SPANISH) as guest:
            form = await guest.get(f"/j/{invite}")
            data = {"csrf_token": csrf_from(form.text), "name": f"Guest {n}", "language": "es"}
            answer = await guest.post(f"/j/{invite}", data=data)
            statuses.append(answer.status_code)
    assert statuses[:2] == [303, 303]
    refused_on_a_page(answer)
    assert await rows(live_server, RoomParticipant) == seats + 2


@pytest.mark.server_settings(limit_machine_rooms_per_address="1/600")
async def test_machine_interpretation_rooms_per_address_are_bounded(
    live_server: LiveServer,
) -> None:
    async with httpx.AsyncClient(base_url=live_server.url, headers=SPANISH) as resident:
        tokens = [(await ask(resident)).json()["token"] for _ in range(2)]
        answers = []
        for token in tokens:
            csrf = csrf_from((await resident.get(f"/q/{token}")).text)
            answers.append(await resident.post(f"/q/{token}/machine", data={"csrf_token": csrf}))
    assert answers[0].status_code == 303
    refused_on_a_page(answers[1])
    assert f'href="/q/{tokens[1]}"' in answers[1].text  # back to the queue
    assert await rows(live_server, Room) == 1


@pytest.mark.server_settings(limit_uploads_per_account="1/3600")
async def test_uploads_per_account_are_bounded(live_server: LiveServer) -> None:
    await live_server.create_account("cw@example.org", "caseworker")
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        await sign_in(client, "cw@example.org")
        csrf = csrf_from((await client.get("/recordings")).text)
        answers = [
            await client.post(
                "/recordings",
                data={"csrf_token": csrf},
                files={"recording": ("a.wav", b"RIFF....WAVE", "audio/wav")},
                headers={"accept": "application/json"},
            )
            for _ in range(2)
        ]
    assert answers[0].status_code != 429
    refused_in_json(answers[1])


async def closed_with(socket: JsonSocket) -> int | None:
    with contextlib.suppress(ConnectionClosed):
        while True:
            await socket.receive()
    return socket.connection.close_code


async def test_one_account_holds_at_most_five_volunteer_sockets(live_server: LiveServer) -> None:
    await live_server.create_account("v@example.org", "volunteer", ("es",))
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        await sign_in(client, "v@example.org")
        sockets = [await JsonSocket.open(live_server, "/ws/volunteer", client) for _ in range(5)]
        try:
            for socket in sockets:
                await socket.expect("queue")
            extra = await JsonSocket.open(live_server, "/ws/volunteer", client)
            refused = await extra.expect("error")
            assert refused["code"] == "rate_limited" and refused["message"]
            assert await closed_with(extra) == CloseCode.TOO_MANY
            # Closing one makes room for another.
            await sockets.pop().close()
            await asyncio.sleep(0.2)
            sockets.append(await JsonSocket.open(live_server, "/ws/volunteer", client))
            await sockets[-1].expect("queue")
        finally:
            for socket in sockets:
                await socket.close()


@pytest.mark.server_settings(limit_room_sockets_per_participant=1)
async def test_call_sockets_per_participant_are_bounded(live_server: LiveServer) -> None:
    """A page that opens the call again replaces the last one (one socket, normally); the
    bound is for a flood of them at once. With a bound of 1 the second is refused."""
    made, _, volunteer = await matched_room(live_server)
    page = await join(live_server, {"token": made["token"]})
    try:
        extra = await JsonSocket.open(live_server, "/ws/room")
        await extra.send({"type": "hello", "session": "extra", "token": made["token"]})
        refused = await extra.expect("error")
        assert refused["code"] == "rate_limited"
        assert await closed_with(extra) == CloseCode.TOO_MANY
        await pong(page)  # the page already in the call goes on
    finally:
        await page.close()
        await volunteer.aclose()


@pytest.mark.server_settings(limit_socket_message_burst=5, limit_socket_messages_per_s=0.1)
async def test_a_socket_that_floods_is_told_to_slow_down_then_closed(
    live_server: LiveServer,
) -> None:
    socket = await JsonSocket.open(live_server, "/ws/resident")
    for _ in range(5):
        await socket.send({"type": "ping"})
        await socket.expect("pong")
    await socket.send({"type": "ping"})
    slow_down = await socket.receive()
    assert slow_down["type"] == "error" and slow_down["code"] == "rate_limited"
    for _ in range(30):
        with contextlib.suppress(ConnectionClosed):
            await socket.send({"type": "ping"})
    assert await closed_with(socket) == CloseCode.POLICY_VIOLATION


@pytest.mark.usefixtures("loopback_ice")
async def test_a_flood_of_caption_starts_opens_one_caption_connection(
    live_server: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    made, _, volunteer = await matched_room(live_server)
    resident = await join(live_server, {"token": made["token"]})
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    try:
        pc.addTransceiver(AudioStreamTrack(), direction="sendonly")
        await pc.setLocalDescription(await pc.createOffer())
        for _ in range(30):
            await resident.send({"type": "captions.start", "sdp": pc.localDescription.sdp})
        await resident.expect("captions.answer", within=60)
        await pong(resident)
        refusals = [m for m in resident.seen if m["type"] == "error"]
        assert [m["code"] for m in refusals] == ["rate_limited"] * 29
        assert [m["type"] for m in resident.seen].count("captions.answer") == 1
    finally:
        await resident.close()
        await pc.close()
        await volunteer.aclose()
    await asyncio.sleep(0.5)
    unhandled = [r for r in caplog.records if "exception was never retrieved" in r.getMessage()]
    assert not unhandled


def _redis_url() -> str:
    url = os.environ.get("INTERP_TEST_REDIS_URL", "")
    if not url:
        pytest.skip("Redis not configured: set INTERP_TEST_REDIS_URL to run this test")
    return url


async def test_redis_counts_are_shared_between_nodes() -> None:
    url = _redis_url()
    first, second = RedisCounters(url), RedisCounters(url)
    try:
        try:
            await first._redis.ping()
        except RedisError as exc:
            pytest.skip(f"Redis not reachable at {url}: {exc}")
        name = f"test-{uuid.uuid4().hex}"
        rate = Rate(3, 60)
        node_a, node_b = RateLimiter(first, name, rate), RateLimiter(second, name, rate)
        waits = [await limiter.hit("198.51.100.7") for limiter in (node_a, node_b, node_a)]
        assert waits == [0.0, 0.0, 0.0]
        assert 0 < await node_b.hit("198.51.100.7") <= 60
        assert await node_a.blocked("198.51.100.7") > 0
        assert await node_b.hit("198.51.100.8") == 0.0  # another key has its own count
        await node_b.reset("198.51.100.7")
        assert await node_a.blocked("198.51.100.7") == 0.0
    finally:
        await first.close()
        await second.close()


async def test_limits_come_from_settings_and_bad_values_are_refused() -> None:
    settings = load_settings(None, limit_requests_per_address="2/60")
    limits = Limits(settings, MemoryCounters())
    assert [await limits.request("a") for _ in range(2)] == [0.0, 0.0]
    assert 0 < await limits.request("a") <= 60
    for bad in ("20", "0/60", "x/60", "5/0"):
        with pytest.raises(ConfigError, match="limit_requests_per_address"):
            load_settings(None, limit_requests_per_address=bad)
    with pytest.raises(ConfigError, match="trusted_proxies"):
        load_settings(None, trusted_proxies="not an address")

