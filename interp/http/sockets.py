"""WebSocket endpoints: who may connect, then the realtime session takes over."""

from __future__ import annotations

from typing import Any

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from interp.domain.accounts import Account
from interp.domain.errors import DomainError
from interp.domain.kinds import AccountRole
from interp.domain.rooms import Participant
from interp.http.auth import current_account
from interp.http.security import same_origin
from interp.http.state import services
from interp.realtime.close_codes import CloseCode
from interp.realtime.connection import Connection, closing_on_failure
from interp.realtime.coordinator import CoordinatorSession
from interp.realtime.handshake import handshake
from interp.realtime.protocol import ROOM_MESSAGES
from interp.realtime.resident import ResidentSession
from interp.realtime.volunteer import VolunteerSession


async def _staff_socket(websocket: WebSocket, role: AccountRole) -> Account | None:
    """The signed-in account of ``role`` on this same-origin socket, or None once the
    socket is closed with the reason."""
    # Accept first, then close with a code: a refused handshake tells the page nothing.
    await websocket.accept()
    if not same_origin(websocket):
        await websocket.close(CloseCode.FORBIDDEN)
        return None
    account = await current_account(websocket)
    if account is None or account.role != role:
        await websocket.close(CloseCode.UNAUTHORISED)
        return None
    return account


async def volunteer_socket(websocket: WebSocket) -> None:
    account = await _staff_socket(websocket, AccountRole.VOLUNTEER)
    if account is None:
        return
    svc = services(websocket)
    conn = Connection(websocket, VolunteerSession.schema, svc.limits.message_bucket())
    with svc.limits.volunteer_sockets.hold(account.id) as held:
        if not held:
            await too_many_sockets(conn)
            return
        await VolunteerSession(conn, account, svc.dispatcher, svc.accounts).run()


async def coordinator_socket(websocket: WebSocket) -> None:
    account = await _staff_socket(websocket, AccountRole.COORDINATOR)
    if account is None:
        return
    svc = services(websocket)
    conn = Connection(websocket, CoordinatorSession.schema, svc.limits.message_bucket())
    await CoordinatorSession(conn, account, svc.hub, svc.accounts, svc.feedback).run()


async def resident_socket(websocket: WebSocket) -> None:
    await websocket.accept()
    svc = services(websocket)
    conn = Connection(websocket, ResidentSession.schema, svc.limits.message_bucket())
    await ResidentSession(conn, svc.dispatcher, await svc.queue.waits.seconds()).run()


async def room_socket(websocket: WebSocket) -> None:
    await websocket.accept()
    if not same_origin(websocket):
        await websocket.close(CloseCode.FORBIDDEN)
        return
    svc = services(websocket)
    conn = Connection(websocket, ROOM_MESSAGES, svc.limits.message_bucket())
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
    if joining is None:
        return
    participant, session = joining
    with svc.limits.room_sockets.hold(participant.id) as held:
        if not held:
            await too_many_sockets(conn)
            return
        await svc.calls.serve(conn, participant, session)


async def too_many_sockets(conn: Connection) -> None:
    await conn.send_error("rate_limited", "Too many connections are open: close one, then retry.")
    await conn.close(CloseCode.TOO_MANY)


routes = [
    WebSocketRoute("/ws/volunteer", closing_on_failure(volunteer_socket)),
    WebSocketRoute("/ws/coordinator", closing_on_failure(coordinator_socket)),
    WebSocketRoute("/ws/resident", closing_on_failure(resident_socket)),
    WebSocketRoute("/ws/room", closing_on_failure(room_socket)),
]
