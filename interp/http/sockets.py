"""WebSocket endpoints: who may connect, then the realtime session takes over."""

from __future__ import annotations

from typing import Any

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from interp.domain.errors import DomainError
from interp.domain.kinds import AccountRole
from interp.domain.rooms import Participant
from interp.http.auth import current_account
from interp.http.security import same_origin
from interp.http.state import services
from interp.realtime.close_codes import CloseCode
from interp.realtime.connection import Connection
from interp.realtime.handshake import handshake
from interp.realtime.protocol import ROOM_MESSAGES
from interp.realtime.resident import ResidentSession
from interp.realtime.volunteer import VolunteerSession


async def volunteer_socket(websocket: WebSocket) -> None:
    # Accept first, then close with a code: a refused handshake tells the page nothing.
    await websocket.accept()
    if not same_origin(websocket):
        await websocket.close(CloseCode.FORBIDDEN)
        return
    account = await current_account(websocket)
    if account is None or account.role != AccountRole.VOLUNTEER:
        await websocket.close(CloseCode.UNAUTHORISED)
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
        await websocket.close(CloseCode.FORBIDDEN)
        return
    svc = services(websocket)
    conn = Connection(websocket, ROOM_MESSAGES)
    refusal = "Send hello with either your call link token or the room id."

    async def welcome(hello: dict[str, Any]) -> tuple[Participant, str] | None:
        """The participant the hello names (by their call link token, or by the room and
        the signed-in account) and the page's session; None (having said why) if refused."""
        if ("token" in hello) == ("room" in hello):
            await conn.reject("invalid", refusal)
            return None
        try:
            if "token" in hello:
                participant = await svc.rooms.participant_by_token(hello["token"])
            else:
                account = await current_account(websocket)
                if account is None:
                    await conn.send_error("unauthorised", "Sign in again to rejoin the call.")
                    await conn.close(CloseCode.UNAUTHORISED)
                    return None
                participant = await svc.rooms.participant_for_user(hello["room"], account.id)
        except DomainError as exc:
            await conn.send_error(exc.code, exc.message)
            forbidden = exc.code == "forbidden"
            await conn.close(CloseCode.FORBIDDEN if forbidden else CloseCode.NOT_FOUND)
            return None
        return participant, hello["session"]

    joining = await handshake(conn, welcome, refusal)
    if joining is not None:
        await svc.calls.serve(conn, *joining)


routes = [
    WebSocketRoute("/ws/volunteer", volunteer_socket),
    WebSocketRoute("/ws/resident", resident_socket),
    WebSocketRoute("/ws/room", room_socket),
]
