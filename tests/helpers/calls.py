"""A call set up through the real HTTP API and joined over the room WebSocket."""

from __future__ import annotations

import secrets
from typing import Any

import httpx

from tests.live_server import JsonSocket, LiveServer, csrf_from, sign_in


async def matched_room(server: LiveServer) -> tuple[dict, str, httpx.AsyncClient]:
    """A resident's request accepted by a volunteer: (request, room id, volunteer's client)."""
    await server.create_account("v@example.org", "volunteer", ("es",), name="Vera")
    volunteer = httpx.AsyncClient(base_url=server.url)
    made = (await volunteer.post("/api/requests", json={"language": "es", "media": "audio"})).json()
    await sign_in(volunteer, "v@example.org")
    csrf = csrf_from((await volunteer.get("/volunteer")).text)
    accepted = await volunteer.post(
        f"/api/requests/{made['request']['id']}/accept", headers={"x-csrf-token": csrf}
    )
    return made, accepted.json()["room"], volunteer


async def join(
    server: LiveServer,
    hello: dict[str, Any],
    client: httpx.AsyncClient | None = None,
    session: str | None = None,
) -> JsonSocket:
    """A call page's room socket, once the server has said ``joined``."""
    socket = await JsonSocket.open(server, "/ws/room", client)
    await socket.send({"type": "hello", "session": session or secrets.token_hex(8), **hello})
    await socket.expect("joined")
    return socket


def joined(socket: JsonSocket) -> dict[str, Any]:
    """The ``joined`` message the socket got."""
    return next(m for m in socket.seen if m["type"] == "joined")


async def pong(socket: JsonSocket) -> None:
    """Round trip: everything the server sent before this has been read."""
    await socket.send({"type": "ping"})
    await socket.expect("pong")
