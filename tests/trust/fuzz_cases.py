"""Hostile input for every socket state and every form and JSON endpoint, and the checks
each case must pass: no server error, no connection dropped without a close frame, and
no change to the database when the input is refused. tests/trust/test_fuzz.py runs a
bounded budget in the suite, scripts/fuzz.py a larger one.

Every limit is raised out of reach on the fuzzed server (tests/live_server.py
open_limits) so that the cases reach the parsers and handlers, not the rate limiter.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx
from hypothesis import strategies as st
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from interp.commands.serve import WS_MAX_FRAME_BYTES
from interp.realtime import protocol
from tests.trust.access_policy import SPENDING_MESSAGES
from tests.trust.probes import fill, hello_for, until_pong
from tests.trust.world import World

# Tables a refused input may still touch by design: a visitor's session, and the record
# of refused sign-ins. Columns that move by themselves while cases run: presence, as
# sockets open and close around the cases, and the world's recording being captioned.
UNWATCHED_TABLES = {"sessions", "audit_log", "alembic_version"}
UNWATCHED_COLUMNS = {
    "joined_at",
    "left_at",
    "seen_at",
    "last_seen_at",
    "started_at",
    "status",
    "progress",
    "error",
    "result",
    "finished_at",
}

# A frame the server may answer with these error codes means it failed, not the client.
INTERNAL_CODES = {"internal", "error", "server_error"}
SERVER_FAILURE_CLOSE = 1011
# Generous: the answer only has to come, on a machine shared with other test runs.
PONG_WITHIN_S = 30

HOSTILE_STRINGS = [
    "",
    "\ud800",  # a lone surrogate: cannot be encoded to UTF-8
    "a\udfffb",
    "\x00",
    "\u202e\u200f",  # right-to-left override and mark
    "🙂" * 40,
    "' OR 1=1 --",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "%s%s%n",
    "9999-12-31T23:59",
    "0001-01-01T00:00",
]
LIMITS = [protocol.ID_CHARS, protocol.TOKEN_CHARS, protocol.MAX_NAME_CHARS, 2048]


def huge(n: int) -> str:
    return "x" * n


strings = st.one_of(
    st.text(max_size=40),
    st.sampled_from(HOSTILE_STRINGS),
    st.sampled_from(LIMITS).flatmap(lambda n: st.sampled_from([huge(n), huge(n + 1)])),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    strings,
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(strings, inner, max_size=4),
    max_leaves=12,
)


def nested(depth: int, open_: str, close: str, inner: str = "1") -> str:
    return open_ * depth + inner + close * depth


# Nesting up to the server's frame limit: a larger frame is cut off by the WebSocket
# layer (close 1009), and the client, still sending, may meet the reset before the close.
deep_text = (
    st.integers(min_value=1, max_value=60_000)
    .flatmap(
        lambda d: st.sampled_from(
            [
                nested(d, "[", "]"),
                '{"type":"ping","x":' + nested(d, '{"a":', "}") + "}",
                nested(d, '{"type":"hello","token":', "}", '"t"'),
            ]
        )
    )
    .filter(lambda text: len(text) <= WS_MAX_FRAME_BYTES)
)


def well_typed(spec: protocol.Field) -> st.SearchStrategy[Any]:
    """A value of the field's own type, up to its length (hostile text included)."""
    if spec.kind is bool:
        return st.booleans()
    if spec.kind is int:
        return st.integers(min_value=-(2**40), max_value=2**40)
    if spec.kind is list:
        return st.lists(st.sampled_from(["es", "en", "original", "zz", "\ud800", ""]), max_size=5)
    text = st.one_of(st.text(max_size=40), st.sampled_from(HOSTILE_STRINGS))
    return text.filter(lambda s: spec.max_length is None or len(s) <= spec.max_length)


def message(schema: dict[str, dict[str, protocol.Field]]) -> st.SearchStrategy[dict[str, Any]]:
    """A message of one of the schema's types (none that ends the session): well formed,
    or its fields dropped, retyped or joined by others."""
    kinds = sorted(set(schema) - SPENDING_MESSAGES)

    def well_formed(kind: str) -> st.SearchStrategy[dict[str, Any]]:
        fields = schema[kind]
        return st.fixed_dictionaries(
            {"type": st.just(kind)} | {n: well_typed(f) for n, f in fields.items() if f.required},
            optional={n: well_typed(f) for n, f in fields.items() if not f.required},
        )

    def bent(kind: str) -> st.SearchStrategy[dict[str, Any]]:
        fields = {name: st.one_of(json_values, strings) for name in schema[kind]}
        return st.fixed_dictionaries(
            {"type": st.just(kind)},
            optional={**fields, **{"extra": json_values, "": strings}},
        )

    return st.sampled_from(kinds).flatmap(lambda kind: well_formed(kind) | bent(kind))


def frames(schema: dict[str, dict[str, protocol.Field]]) -> st.SearchStrategy[str | bytes]:
    """What a hostile client sends on a socket: any text, any bytes, any JSON value,
    deep nesting, and messages of the schema bent every way."""
    return st.one_of(
        st.text(max_size=200),
        st.binary(max_size=200),
        json_values.map(json.dumps),
        deep_text,
        message(schema).map(json.dumps),
        # Escapes keep lone surrogates in valid JSON text, so they reach the fields.
        message(schema).map(lambda m: json.dumps(m, ensure_ascii=True)),
        message(schema).map(lambda m: json.dumps(m)[: len(json.dumps(m)) // 2]),
    )


@dataclass
class Tally:
    """What the cases came to, by target and outcome, and what went wrong."""

    counts: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    def add(self, target: str, outcome: str) -> None:
        self.counts[f"{target}: {outcome}"] += 1

    def fail(self, target: str, case: object, what: str) -> None:
        self.failures.append(f"{target}: {what} on {ascii(case)[:300]}")


def snapshot(world: World) -> dict[str, str]:
    """A digest of each watched table's rows (the server's SQLite file, read-only)."""
    path = world.server.settings.effective_database_url.split("///", 1)[1]
    digests = {}
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        tables = [
            name
            for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")
            if name not in UNWATCHED_TABLES
        ]
        for table in sorted(tables):
            columns = [
                c[1]
                for c in db.execute(f'PRAGMA table_info("{table}")')
                if c[1] not in UNWATCHED_COLUMNS
            ]
            listed = ", ".join(f'"{c}"' for c in columns)
            digest = hashlib.sha256()
            for values in db.execute(f'SELECT {listed} FROM "{table}" ORDER BY 1'):
                digest.update(repr(values).encode("utf-8", "backslashreplace"))
            digests[table] = digest.hexdigest()
    return digests


def changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(t for t in before.keys() | after.keys() if before.get(t) != after.get(t))


# Socket targets: (endpoint, the role that connects, whether it has said hello).
SOCKET_TARGETS = {
    "volunteer": ("/ws/volunteer", "volunteer", False),
    "resident before hello": ("/ws/resident", "resident", False),
    "resident after hello": ("/ws/resident", "resident", True),
    "room before hello": ("/ws/room", "guest", False),
    "room after hello (guest)": ("/ws/room", "guest", True),
    "room after hello (host)": ("/ws/room", "caseworker", True),
    "room after hello (interpreter)": ("/ws/room", "volunteer", True),
    "viewer before hello": ("/ws/captions", "viewer", False),
    "viewer after hello": ("/ws/captions", "viewer", True),
}
SCHEMAS = {
    "/ws/volunteer": protocol.VOLUNTEER_MESSAGES,
    "/ws/resident": protocol.RESIDENT_MESSAGES,
    "/ws/room": protocol.ROOM_MESSAGES,
    "/ws/captions": protocol.VIEWER_MESSAGES,
}


class SocketTarget:
    """One socket in one state, reconnected (and said hello again) whenever the server
    closes it, as it may after too many refused messages."""

    def __init__(self, world: World, name: str) -> None:
        self.world = world
        self.name = name
        self.endpoint, self.role, self.greet = SOCKET_TARGETS[name]
        self.hello = hello_for(self.endpoint, self.role, world) if self.greet else None
        self.ws: ClientConnection | None = None

    async def connection(self) -> ClientConnection:
        if self.ws is None:
            cred = self.world.roles[self.role]
            cookie = "; ".join(f"{k}={v}" for k, v in cred.cookies.items())
            ws = await connect(
                self.world.server.ws_url + self.endpoint,
                additional_headers={"Cookie": cookie} if cookie else {},
                max_size=WS_MAX_FRAME_BYTES,
            )
            try:
                if self.hello is not None:
                    await ws.send(json.dumps(self.hello))
                    await until_pong(ws, PONG_WITHIN_S)
            except BaseException:
                await ws.close()
                raise
            self.ws = ws
        return self.ws

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
            self.ws = None

    async def case(self, frame: str | bytes, tally: Tally) -> None:
        try:
            ws = await self.connection()
        except (ConnectionClosed, OSError, TimeoutError) as exc:
            # The state itself could not be reached again: said, not raised, so that the
            # run goes on and lists every failure.
            tally.fail(self.name, frame, f"could not connect and say hello again: {exc!r}")
            return
        before = snapshot(self.world)
        try:
            await ws.send(frame)
            replies = await until_pong(ws, PONG_WITHIN_S)
        except ConnectionClosed as exc:
            self.ws = None
            if exc.rcvd is None:
                tally.fail(self.name, frame, "connection dropped without a close frame")
            elif exc.rcvd.code == SERVER_FAILURE_CLOSE:
                tally.fail(self.name, frame, f"closed with 1011 ({exc.rcvd.reason})")
            else:
                tally.add(self.name, f"closed {exc.rcvd.code}")
            return
        except TimeoutError:
            tally.fail(self.name, frame, f"no answer to a ping within {PONG_WITHIN_S} s")
            await self.close()
            return
        codes = [r.get("code") for r in replies if r.get("type") == "error"]
        if set(codes) & INTERNAL_CODES:
            tally.fail(self.name, frame, f"internal error {replies}")
        if codes:
            tally.add(self.name, "refused")
            if tables := changed(before, snapshot(self.world)):
                tally.fail(self.name, frame, f"{tables} changed on a refused message")
        else:
            tally.add(self.name, "taken")


# Form and JSON endpoints: the role that is let through, and the fields the form has.
FORM_TARGETS: dict[str, tuple[str, list[str]]] = {
    "POST /login": ("anonymous", ["email", "password", "next"]),
    "POST /account": (
        "volunteer",
        ["name", "languages", "current_password", "password", "available", "action"],
    ),
    "POST /coordinator": (
        "coordinator",
        [
            "action",
            "email",
            "role",
            "user",
            "language",
            "fallback_wait_s",
            "retention_days",
            "opening",
            "term",
            "term_id",
            "rendering_es",
        ],
    ),
    "POST /caseworker": ("caseworker", ["label"]),
    "POST /request": ("anonymous", ["language", "media", "note", "sign"]),
    "POST /r/{token}": ("anonymous", ["language", "media", "note"]),
    "POST /meetings": ("caseworker", ["title", "mode", "when", "timezone", "languages"]),
    "POST /meetings/{id}/interpreter": ("caseworker", ["language", "note", "media"]),
    "POST /j/{token}": ("anonymous", ["name", "language", "email"]),
    "POST /recordings": ("caseworker", ["language", "translate_to", "recording"]),
}
JSON_TARGETS: dict[str, tuple[str, list[str]]] = {
    "POST /api/requests": ("anonymous", ["language", "media", "note", "link"]),
    "POST /api/meetings/{meeting_id}/consent": ("guest", ["agreed", "participant", "aloud"]),
    "POST /api/requests/{id}/accept": ("volunteer", ["request"]),
}


def form_bodies(names: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Form fields: the form's own, with hostile values, some missing, some repeated,
    some unknown; the session's CSRF token stays right, so that the cases get past it
    (test_fuzz.py tries hostile CSRF tokens on their own)."""
    value = st.one_of(strings, st.lists(strings, max_size=3))
    return st.dictionaries(st.sampled_from([*names, "zzz"]), value, max_size=8)


def json_bodies(names: list[str]) -> st.SearchStrategy[str]:
    keyed = st.dictionaries(st.sampled_from([*names, "extra"]), json_values, max_size=6)
    return st.one_of(
        json_values.map(json.dumps),
        keyed.map(json.dumps),
        keyed.map(lambda b: json.dumps(b, ensure_ascii=True)),
        deep_text,
        st.text(max_size=100),
    )


class HttpTarget:
    """A POST route as the role its policy lets through, with that session's CSRF token
    (unless the case drops it), so that the cases reach the handler."""

    def __init__(self, world: World, door: str, json_body: bool) -> None:
        self.world = world
        self.door = door
        self.json_body = json_body
        method, path = door.split(" ", 1)
        self.role, self.names = (JSON_TARGETS if json_body else FORM_TARGETS)[door]
        self.path = fill(path, self.role, world)
        self.client = world.roles[self.role].client(world.server)

    def strategy(self) -> st.SearchStrategy[Any]:
        return json_bodies(self.names) if self.json_body else form_bodies(self.names)

    async def case(self, body: Any, tally: Tally) -> None:
        cred = self.world.roles[self.role]
        headers = {"x-csrf-token": cred.csrf}
        if cred.token:
            headers["x-participant-token"] = cred.token
        before = snapshot(self.world)
        try:
            if self.json_body:
                headers["content-type"] = "application/json"
                answer = await self.client.post(
                    self.path, content=body.encode("utf-8", "surrogatepass"), headers=headers
                )
            else:
                headers["content-type"] = "application/x-www-form-urlencoded"
                # Encoded by hand: a lone surrogate goes out as the invalid UTF-8 bytes a
                # broken client would send, which httpx's own encoding refuses to write.
                form = urlencode(
                    {"csrf_token": cred.csrf, **body}, doseq=True, errors="surrogatepass"
                )
                answer = await self.client.post(self.path, content=form, headers=headers)
        except httpx.TransportError as exc:
            tally.fail(self.door, body, f"no answer: {exc!r}")
            return
        if answer.status_code >= 500:
            tally.fail(self.door, body, f"status {answer.status_code}")
        tally.add(self.door, str(answer.status_code))
        if 400 <= answer.status_code < 500 and (tables := changed(before, snapshot(self.world))):
            tally.fail(self.door, body, f"{tables} changed on a {answer.status_code}")

    async def post_with_csrf(self, csrf: str) -> httpx.Response:
        """The route posted with ``csrf`` as its CSRF token (field and header, the header
        as the latin-1 bytes a client can put there)."""
        cred = self.world.roles[self.role]
        headers = [(b"x-csrf-token", csrf.encode("utf-8"))]
        if cred.token:
            headers.append((b"x-participant-token", cred.token.encode()))
        if self.json_body:
            headers.append((b"content-type", b"application/json"))
            return await self.client.post(self.path, content=b"{}", headers=headers)
        headers.append((b"content-type", b"application/x-www-form-urlencoded"))
        return await self.client.post(
            self.path, content=urlencode({"csrf_token": csrf}), headers=headers
        )

    async def close(self) -> None:
        await self.client.aclose()
