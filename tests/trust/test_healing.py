"""A call whose node was killed heals by itself once a node runs again, whoever comes back.

Real ``interp serve`` processes, SIGKILLed mid-call: the participants' departures were
only watched in the killed process's memory, so the surviving state is in the database
alone. With a short reconnect grace, the restarted node must find them gone and apply
the rules of a live departure.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import sqlite3
import time
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import connect

from interp.domain.rooms import Rooms
from interp.store.database import Database
from tests.helpers.server_process import interp, server_process
from tests.live_server import PASSWORD, JsonSocket, LiveServer, csrf_from, free_port, sign_in

GRACE_S = 4.0
# The grace, one refresh of "seen" (a third of the grace), a sweep, and slack for a slow
# machine: long after which the room must have healed.
HEALED_WITHIN_S = GRACE_S * 2 + 8


def _environment(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "INTERP_DATA_DIR": str(tmp_path / "data"),
        "INTERP_RECONNECT_GRACE_S": str(GRACE_S),
        "PYTHONUNBUFFERED": "1",
    }


def _row(tmp_path: Path, query: str, *args: str) -> tuple[Any, ...]:
    with sqlite3.connect(tmp_path / "data" / "interp.db") as db:
        found = db.execute(query, args).fetchone()
    assert found is not None, query
    return tuple(found)


async def _join(url: str, hello: dict[str, str], cookies: str = "") -> JsonSocket:
    ws_url = url.replace("http://", "ws://") + "/ws/room"
    headers = {"Cookie": cookies} if cookies else {}
    socket = JsonSocket(await connect(ws_url, additional_headers=headers))
    await socket.send({"type": "hello", "session": secrets.token_hex(8), **hello})
    await socket.expect("joined")
    return socket


def _setup_link(log: Path) -> str:
    """The first coordinator's link, as the fresh server printed it."""
    printed = log.read_text()
    setup = re.search(r"(/setup/[A-Za-z0-9_-]+)", printed)
    assert setup, printed
    return setup.group(1)


async def _matched_call(url: str, log: Path, env: dict[str, str]) -> tuple[
    httpx.AsyncClient, dict[str, Any], str
]:
    """A coordinator, a volunteer signed in, and a request the volunteer accepted."""
    setup = _setup_link(log)
    async with httpx.AsyncClient(base_url=url) as client:
        form = await client.get(setup)
        fields = {"email": "boss@example.org", "display_name": "Boss", "password": PASSWORD}
        await client.post(setup, data={**fields, "csrf_token": csrf_from(form.text)})
    interp(
        env, "users", "create", "--email", "v@example.org", "--name", "Vera",
        "--role", "volunteer", "--languages", "es", "--password-stdin", stdin=PASSWORD,
    )
    volunteer = httpx.AsyncClient(base_url=url)
    made = (
        await volunteer.post("/api/requests", json={"language": "es", "media": "audio"})
    ).json()
    await sign_in(volunteer, "v@example.org")
    csrf = csrf_from((await volunteer.get("/volunteer")).text)
    accepted = await volunteer.post(
        f"/api/requests/{made['request']['id']}/accept", headers={"x-csrf-token": csrf}
    )
    return volunteer, made, accepted.json()["room"]


def _cookies(client: httpx.AsyncClient) -> str:
    return "; ".join(f"{k}={v}" for k, v in client.cookies.items())


async def _wait_for(check: Any, within: float) -> None:
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, "the state did not heal in time"
        await asyncio.sleep(0.25)


async def test_a_started_call_closes_when_nobody_returns_after_a_kill(tmp_path: Path) -> None:
    env = _environment(tmp_path)
    port = free_port()
    interp(env, "db", "upgrade")
    first_log = tmp_path / "first.log"
    with server_process(env, port, first_log) as url:
        volunteer, made, room = await _matched_call(url, first_log, env)
        resident = await _join(url, {"token": made["token"]})
        interpreter = await _join(url, {"room": room}, _cookies(volunteer))
        await resident.expect("room.started")
    # SIGKILLed on leaving the block: neither page says goodbye, no watcher survives.
    with server_process(env, port, tmp_path / "second.log") as url:
        started = time.monotonic()

        def healed() -> bool:
            closed_at = _row(tmp_path, "SELECT closed_at FROM rooms WHERE id = ?", room)[0]
            return closed_at is not None

        await _wait_for(healed, HEALED_WITHIN_S)
        assert time.monotonic() - started < HEALED_WITHIN_S
        status = _row(
            tmp_path,
            "SELECT status FROM requests WHERE id = ?",
            made["request"]["id"],
        )[0]
        assert status == "closed"
        left = _row(
            tmp_path,
            "SELECT count(*) FROM room_participants WHERE room_id = ? AND left_at IS NULL",
            room,
        )[0]
        assert left == 0
        dashboard = await volunteer.get("/volunteer")
        assert f"/rooms/{room}" not in dashboard.text  # no "return to the call"
        async with httpx.AsyncClient(base_url=url) as client:
            assert (await client.get(f"/call/{made['token']}")).status_code == 410
    await volunteer.aclose()
    for socket in (resident, interpreter):
        await socket.close()


async def test_an_interpreter_killed_before_the_call_started_hands_the_request_back(
    tmp_path: Path,
) -> None:
    env = _environment(tmp_path)
    port = free_port()
    interp(env, "db", "upgrade")
    first_log = tmp_path / "first.log"
    with server_process(env, port, first_log) as url:
        volunteer, made, room = await _matched_call(url, first_log, env)
        interpreter = await _join(url, {"room": room}, _cookies(volunteer))
    with server_process(env, port, tmp_path / "second.log"):

        def handed_back() -> bool:
            status = _row(
                tmp_path,
                "SELECT status FROM requests WHERE id = ?",
                made["request"]["id"],
            )[0]
            return bool(status == "open")

        await _wait_for(handed_back, HEALED_WITHIN_S)
        assert _row(tmp_path, "SELECT closed_at FROM rooms WHERE id = ?", room)[0] is not None
    await volunteer.aclose()
    await interpreter.close()


async def test_a_call_everyone_left_is_closed_even_when_the_departure_was_cut_short(
    live_server: LiveServer,
) -> None:
    """Both departures recorded, but the node died (or the hub failed) before it closed
    the call: the sweeper closes it, and its request with it."""
    await live_server.create_account("v@example.org", "volunteer", ("es",), name="Vera")
    async with httpx.AsyncClient(base_url=live_server.url) as volunteer:
        made = (
            await volunteer.post("/api/requests", json={"language": "es", "media": "audio"})
        ).json()
        await sign_in(volunteer, "v@example.org")
        csrf = csrf_from((await volunteer.get("/volunteer")).text)
        accepted = await volunteer.post(
            f"/api/requests/{made['request']['id']}/accept", headers={"x-csrf-token": csrf}
        )
    room_id = accepted.json()["room"]
    db = Database(live_server.settings.effective_database_url)
    try:
        rooms = Rooms(db)
        people = [p.id for p in (await rooms.get(room_id)).participants]
        for participant in people:
            await rooms.mark_joined(participant)
        for participant in people:
            await rooms.mark_left(participant)

        async def closed() -> bool:
            room = await rooms.get(room_id)
            status = _row(
                live_server.settings.data_dir.parent,
                "SELECT status FROM requests WHERE id = ?",
                made["request"]["id"],
            )[0]
            return room.closed_at is not None and status == "closed"

        for _ in range(40):
            if await closed():
                break
            await asyncio.sleep(0.25)
        assert await closed()
    finally:
        await db.close()
