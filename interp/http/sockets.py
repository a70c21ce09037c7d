"""WebSocket endpoints: who may connect, then the realtime session takes over."""

from __future__ import annotations

import asyncio

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from interp.domain.errors import DomainError
from interp.http.auth import current_account
from interp.http.security import same_origin
from interp.http.state import services
from interp.realtime.connection import Connection
from interp.realtime.protocol import ROOM_MESSAGES
from interp.realtime.resident import HELLO_TIMEOUT_S, ResidentSession
from interp.realtime.volunteer import VolunteerSession

# Close codes that mirror HTTP statuses, so a page can tell "sign in again" from "gone".
UNAUTHORISED, FORBIDDEN, NOT_FOUND = 4401, 4403, 4404


async def volunteer_socket(websocket: WebSocket) -> None:
    # Accept first, then close with a code: a refused handshake tells the page nothing.
    await websocket.accept()
    if not same_origin(websocket):
        await websocket.close(FORBIDDEN)
        return
    account = await current_account(websocket)
    if account is None or account.role != "volunteer":
        await websocket.close(UNAUTHORISED)
        return
    svc = services(websocket)
    conn = Connection(websocket, VolunteerSession.schema)
    await VolunteerSession(conn, account, svc.dispatcher, svc.accounts).run()


async def resident_socket(websocket: WebSocket) -> None:
    await websocket.accept()
    svc = services(websocket)
    conn = Connection(websocket, ResidentSession.schema)
    await ResidentSession(conn, svc.dispatcher, svc.settings.fallback_wait_s).run()


async def room_socket(websocket: WebSocket) -> None:
    await websocket.accept()
    if not same_origin(websocket):
        await websocket.close(FORBIDDEN)
        return
    svc = services(websocket)
    conn = Connection(websocket, ROOM_MESSAGES)
    while True:
        try:
            hello = await asyncio.wait_for(conn.receive(), HELLO_TIMEOUT_S)
        except TimeoutError:
            await conn.close(4408, "no hello")
            return
        if hello is None:
            return
        if hello["type"] == "hello" and ("token" in hello) != ("room" in hello):
            break
        await conn.reject("invalid", "Send hello with either your call link token or the room id.")
    try:
        if "token" in hello:
            participant = await svc.rooms.participant_by_token(hello["token"])
        else:
            account = await current_account(websocket)
            if account is None:
                await conn.send_error("unauthorised", "Sign in again to rejoin the call.")
                await conn.close(UNAUTHORISED)
                return
            participant = await svc.rooms.participant_for_user(hello["room"], account.id)
    except DomainError as exc:
        await conn.send_error(exc.code, exc.message)
        await conn.close(NOT_FOUND if exc.code != "forbidden" else FORBIDDEN)
        return
    await svc.calls.serve(conn, participant, hello["session"])


routes = [
    WebSocketRoute("/ws/volunteer", volunteer_socket),
    WebSocketRoute("/ws/resident", resident_socket),
    WebSocketRoute("/ws/room", room_socket),
]
