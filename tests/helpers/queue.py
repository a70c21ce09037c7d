"""A resident's request and the live queue's sockets: the volunteer's dashboard and the
resident's queue page."""

from __future__ import annotations

import httpx

from tests.live_server import JsonSocket, LiveServer, sign_in


async def volunteer_socket(
    server: LiveServer, email: str, languages: tuple[str, ...] = ("es",), available: bool = True
) -> tuple[JsonSocket, httpx.AsyncClient]:
    """A new volunteer's dashboard socket, available unless told otherwise, and their
    signed-in client."""
    await server.create_account(email, "volunteer", languages)
    client = httpx.AsyncClient(base_url=server.url)
    await sign_in(client, email)
    socket = await JsonSocket.open(server, "/ws/volunteer", client)
    snapshot = await socket.expect("queue")
    if available and not snapshot["available"]:
        await socket.send({"type": "availability", "available": True})
        await socket.expect("queue", available=True)
    return socket, client


async def resident_socket(server: LiveServer, token: str) -> JsonSocket:
    """The queue page's socket of the request with this token, hello sent."""
    socket = await JsonSocket.open(server, "/ws/resident")
    await socket.send({"type": "hello", "token": token})
    return socket


async def new_request(server: LiveServer, language: str = "es") -> dict:
    """A resident's video request, made through the API; the API's answer."""
    async with httpx.AsyncClient(base_url=server.url) as client:
        made = await client.post("/api/requests", json={"language": language, "media": "video"})
        assert made.status_code == 201
        return dict(made.json())


async def request_status(server: LiveServer, request_id: str) -> str:
    return str((await server.services.queue.get(request_id)).status)
