"""Trying one door as one role against a running server, and naming what happened.

HTTP outcomes: "ok" (the door opened: the handler judged the input, whatever its
verdict, 2xx, 3xx elsewhere than sign-in, 400, 409, 413, 415, 422, 429), "login" (sent to
sign in), or the refusing status (401, 403, 404, 410). Socket outcomes: "ok" (the message
was taken, or judged on its content), "refused" (an error that denies the right:
forbidden, unauthorised, a bad token, or any message after a refused hello) and
"closed" (the connection ended at the door). A 5xx, a close code 1011 or a socket
dropped without a close frame is "error", which no policy row allows.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from interp.commands.serve import WS_MAX_FRAME_BYTES
from tests.trust.world import World
from tests.trust.world import open_request as queued_request

REFUSING_STATUSES = {401, 403, 404, 405, 410}
RIGHTS_CODES = {"forbidden", "unauthorised", "invalid_token", "not_allowed"}
# What a role holding no token of the right kind puts in a link: a well-formed stranger.
STRANGER = secrets.token_urlsafe(32)
STRANGER_ID = secrets.token_hex(16)

# The route's kind of link token, and which roles hold one of that kind.
TOKEN_HOLDERS = {
    "request": {"resident"},
    "participant": {"resident", "guest", "removed_guest"},
    "guest": {"guest", "removed_guest"},
    "view": {"viewer"},
}
TOKEN_KIND = {
    "/q/": "request",
    "/call/": "participant",
    "/m/": "guest",
    "/v/": "view",
}


def fill(path: str, role: str, world: World, open_request: str = "") -> str:
    """The route's path with its parameters filled as ``role`` would: its own token
    where the route takes that kind of token, the world's objects for ids."""
    cred = world.roles[role]
    targets = world.targets
    kind = next((k for prefix, k in TOKEN_KIND.items() if path.startswith(prefix)), None)
    if kind is not None:
        token = cred.token if role in TOKEN_HOLDERS[kind] and cred.token else STRANGER
    elif path.startswith("/j/"):
        token = targets.invite_token  # the invite link is handed around: anyone may hold it
    elif path.startswith("/r/"):
        token = targets.resident_link
    else:
        token = STRANGER  # account invites and the setup link: nobody here holds one
    ids = {
        "/rooms/": targets.room_id,
        "/calls/": targets.room_id,
        "/recordings/": targets.recording_id,
        "/api/recordings/": targets.recording_id,
        "/api/requests/": open_request or STRANGER_ID,
    }
    object_id = next(
        (v for prefix, v in ids.items() if path.startswith(prefix)), targets.meeting_id
    )
    return (
        path.replace("{token}", token)
        .replace("{room_id}", object_id)
        .replace("{meeting_id}", object_id)
        .replace("{id}", object_id)
        .replace("{fmt}", "vtt")
        # A transcript in a language nobody knows: the owner's probe is judged (400)
        # rather than told that the world's meeting has nothing kept (404).
        + ("?language=zz" if "/transcript." in path else "")
    )


def body_for(method: str, path: str, csrf: str) -> dict[str, Any]:
    """A harmless body: the CSRF token the role's session holds and input that, once past
    the door, is judged without creating anything the other probes would trip over."""
    if method != "POST":
        return {}
    if path.startswith("/api/meetings/"):
        return {"json": {"agreed": True}}
    if path.startswith("/api/"):
        return {"json": {"language": "zz", "media": "audio"}}
    fields: dict[str, Any] = {"csrf_token": csrf}
    if path == "/recordings":
        return {"data": fields, "files": {"recording": ("empty.wav", b"", "audio/wav")}}
    extra = {
        "/login": {"email": "nobody@example.org", "password": "not the password"},
        "/request": {"language": "zz", "media": "audio"},
        "/r/{token}": {"language": "zz", "media": "audio"},
        "/meetings": {"title": "", "mode": "online"},
        "/meetings/{id}/interpreter": {"language": "zz"},
        "/j/{token}": {"name": "", "language": "zz"},
        "/coordinator": {"action": "nothing"},
        "/caseworker": {"label": "access probe"},
    }
    return {"data": {**fields, **extra.get(path, {})}}


def http_outcome(answer: httpx.Response) -> str | int:
    if answer.status_code >= 500:
        return "error"
    if answer.status_code in (302, 303, 307) and answer.headers.get("location", "").startswith(
        "/login"
    ):
        return "login"
    if answer.status_code in REFUSING_STATUSES:
        return answer.status_code
    return "ok"


async def try_route(world: World, method: str, path: str, role: str) -> str | int:
    open_request = ""
    if path == "/api/requests/{id}/accept":
        open_request = (await queued_request(world.server))["id"]
    cred = world.roles[role]
    headers = {"x-csrf-token": cred.csrf}
    if cred.token:
        headers["x-participant-token"] = cred.token
    async with cred.client(world.server) as client:
        answer = await client.request(
            method,
            fill(path, role, world, open_request),
            headers=headers,
            **body_for(method, path, cred.csrf),
        )
    return http_outcome(answer)


def hello_for(endpoint: str, role: str, world: World) -> dict[str, Any] | None:
    """What ``role`` says first on ``endpoint``: its own token or room, or for a role
    with neither, a stranger's token (no hello on the volunteer socket)."""
    cred = world.roles[role]
    token = cred.token or STRANGER
    if endpoint in ("/ws/volunteer", "/ws/coordinator"):
        return None
    if endpoint == "/ws/resident":
        return {"type": "hello", "token": token}
    if endpoint == "/ws/captions":
        return {"type": "hello", "token": token, "languages": ["es"]}
    session = secrets.token_hex(8)
    if cred.account_id is None:
        return {"type": "hello", "token": token, "session": session}
    room = world.targets.room_id if "volunteer" in role else world.targets.meeting_room_id
    return {"type": "hello", "room": room, "session": session}


SAMPLE_MESSAGES: dict[str, dict[str, Any]] = {
    "ping": {},
    "availability": {"available": False},
    "accept": {"request": STRANGER_ID},
    "cancel": {},
    "offer": {"to": STRANGER_ID, "sdp": "v=0\r\n"},
    "answer": {"to": STRANGER_ID, "sdp": "v=0\r\n"},
    "ice": {"to": STRANGER_ID, "candidate": ""},
    "mute": {"audio": True, "video": True},
    "release": {},
    "leave": {},
    "captions.start": {"sdp": "v=0\r\n"},
    "captions.stop": {},
    "captions.language": {"languages": ["es"]},
    "chat.send": {"text": "access probe"},
    "captions.all": {"on": True},
    "captions.speak": {"languages": ["es"]},
    "meeting.admit": {"participant": STRANGER_ID},
    "meeting.remove": {"participant": STRANGER_ID},
    "meeting.end": {},
    "captions.speaker": {"name": ""},
    "viewer.language": {"languages": ["es"]},
}


async def open_socket(world: World, endpoint: str, role: str) -> ClientConnection:
    cred = world.roles[role]
    cookie = "; ".join(f"{k}={v}" for k, v in cred.cookies.items())
    return await connect(
        world.server.ws_url + endpoint,
        additional_headers={"Cookie": cookie} if cookie else {},
        max_size=WS_MAX_FRAME_BYTES,
    )


def closed_outcome(exc: ConnectionClosed) -> str:
    """A close frame the server sent: at the door ("closed"), as the protocol's end
    ("ok"), or an internal failure, or no close frame at all ("error")."""
    frame = exc.rcvd
    if frame is None or frame.code == 1011:
        return "error"
    return "closed" if frame.code >= 4000 or frame.code == 1008 else "ok"


async def exchange(ws: ClientConnection, raw: str, within: float = 20) -> list[dict[str, Any]]:
    """Send ``raw`` and a ping, and return what came back until the pong."""
    await ws.send(raw)
    return await until_pong(ws, within)


async def until_pong(ws: ClientConnection, within: float) -> list[dict[str, Any]]:
    """Ping, and what came back before the pong."""
    await ws.send('{"type":"ping"}')
    replies: list[dict[str, Any]] = []
    async with asyncio.timeout(within):
        while True:
            reply = json.loads(await ws.recv())
            if reply.get("type") == "pong":
                return replies
            replies.append(reply)


def reply_outcome(replies: list[dict[str, Any]]) -> str:
    for reply in replies:
        if reply.get("type") != "error":
            continue
        code = reply.get("code") or reply.get("error", {}).get("code", "")
        if code in RIGHTS_CODES:
            return "refused"
        if code in ("internal", "error", "server_error"):
            return "error"
    return "ok"


async def try_message(world: World, endpoint: str, kind: str, role: str) -> str:
    """Connect as ``role``, say hello, send one ``kind`` message; what came of it."""
    try:
        ws = await open_socket(world, endpoint, role)
    except (OSError, ConnectionClosed):
        return "closed"
    try:
        hello = hello_for(endpoint, role, world)
        hello_refused = False
        if hello is not None:
            try:
                hello_refused = reply_outcome(await exchange(ws, json.dumps(hello))) != "ok"
            except ConnectionClosed as exc:
                # Closed in answer to its hello, whatever the code (a removed guest's ends
                # with 1000 and the reason): the door did not open.
                return "error" if closed_outcome(exc) == "error" else "closed"
            if kind == "hello":
                return "refused" if hello_refused else "ok"
        message = {"type": kind, **SAMPLE_MESSAGES.get(kind, {})}
        if kind == "hello":
            message = {"type": "ping"}
        outcome = reply_outcome(await exchange(ws, json.dumps(message)))
        return "refused" if hello_refused and outcome == "ok" else outcome
    except ConnectionClosed as exc:
        return closed_outcome(exc)
    finally:
        await ws.close()
