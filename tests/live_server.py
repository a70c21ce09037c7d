"""The real app served by uvicorn on a free port, in a thread of its own.

A thread (not the test's event loop) keeps the server answering while a test
blocks, as synchronous Playwright calls do, and works the same for async tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import re
import secrets
import socket
import threading
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import uvicorn
from sqlalchemy import text
from websockets.asyncio.client import ClientConnection, connect

from interp.app import create_app
from interp.commands.serve import server_options
from interp.config import Settings, load_settings
from interp.domain.accounts import Account, Accounts
from interp.services import Services
from interp.store.database import Database, upgrade_schema
from interp.store.models import Base

PASSWORD = "correct horse battery"
T = TypeVar("T")


def run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to the end from synchronous code, even where an event loop is
    already running in this thread (Playwright's synchronous API keeps one)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def empty_tables(url: str) -> None:
    """Delete every row from a migrated PostgreSQL database (tests share one per run)."""
    db = Database(url)
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    try:
        async with db.engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {tables} CASCADE"))
    finally:
        await db.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


async def sign_in(
    client: httpx.AsyncClient, email: str, password: str = PASSWORD
) -> httpx.Response:
    """Sign in through the login form, as a browser would."""
    csrf = csrf_from((await client.get("/login")).text)
    return await client.post(
        "/login", data={"email": email, "password": password, "csrf_token": csrf}
    )


@dataclass
class LiveServer:
    settings: Settings
    server: uvicorn.Server
    thread: threading.Thread

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.settings.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.settings.port}"

    @property
    def setup_url(self) -> str | None:
        """The first coordinator's link, which a fresh server prints to its console: read
        where the app keeps it, since this process's stdout is not the test's to parse."""
        url: str | None = self.server.config.app.state.setup_url  # type: ignore[union-attr]
        return url

    @property
    def services(self) -> Services:
        """The running app's services, for the few facts no client can observe through the
        protocol, HTTP or the database (the caption connections the server holds open, how
        many sockets a participant has on this node, how often a translation model ran) and
        for standing in for a part the test leaves out (the relay's publishing). The server
        runs in this process, so they are read directly; every test that can observe a
        behaviour as a client does so instead."""
        services: Services = self.server.config.app.state.services  # type: ignore[union-attr]
        return services

    async def create_account(
        self, email: str, role: str, languages: tuple[str, ...] = (), name: str = ""
    ) -> Account:
        """An account made straight in the database the server uses (test setup only)."""
        db = Database(self.settings.effective_database_url)
        try:
            accounts = Accounts(db, timedelta(hours=1))
            return await accounts.create(
                email, name or email.split("@")[0], role, PASSWORD, list(languages)
            )
        finally:
            await db.close()

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)

    def restart(self) -> None:
        """Stop, then serve the same data directory on the same port again (as after a
        crash and a supervisor's restart); clients must reconnect by themselves."""
        self.stop()
        settings = dataclasses.asdict(self.settings)
        del settings["host"]
        again = start_live_server(**settings)
        self.server, self.thread = again.server, again.thread


def start_live_server(data_dir: Path, **overrides: Any) -> LiveServer:
    port = overrides.pop("port", None) or free_port()
    settings = load_settings(None, data_dir=data_dir, host="127.0.0.1", port=port, **overrides)
    run_sync(upgrade_schema(settings.effective_database_url))
    config = uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level="warning",
        **server_options(settings),
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(300):
        if server.started or not thread.is_alive():
            break
        threading.Event().wait(0.05)
    if not server.started:
        server.should_exit = True
        raise RuntimeError("the test server did not start")
    return LiveServer(settings, server, thread)


@contextlib.contextmanager
def two_nodes_sharing(
    tmp_path: Path, database_url: str, redis_url: str, **settings: Any
) -> Iterator[tuple[LiveServer, LiveServer]]:
    """Two servers on one emptied PostgreSQL database and one Redis, with one secret key:
    one service on two nodes. ``settings`` apply to both."""
    run_sync(empty_tables(database_url))
    shared = {
        "database_url": database_url,
        "redis_url": redis_url,
        "secret_key": secrets.token_urlsafe(32),
        **settings,
    }
    first = start_live_server(tmp_path / "a", **shared)
    second = start_live_server(tmp_path / "b", **shared)
    try:
        yield first, second
    finally:
        first.stop()
        second.stop()


class JsonSocket:
    """A test client for the WebSocket protocol: JSON in, JSON out, wait for a type."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self.seen: list[dict[str, Any]] = []

    @classmethod
    async def open(
        cls, server: LiveServer, path: str, client: httpx.AsyncClient | None = None
    ) -> JsonSocket:
        headers = {}
        if client is not None:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        return cls(await connect(server.ws_url + path, additional_headers=headers))

    async def send(self, message: dict[str, Any] | str) -> None:
        await self.connection.send(message if isinstance(message, str) else json.dumps(message))

    async def receive(self, within: float = 10) -> dict[str, Any]:
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation
        # that arrives as the message does, and a cancelled reader would then read on.
        async with asyncio.timeout(within):
            message: dict[str, Any] = json.loads(await self.connection.recv())
        self.seen.append(message)
        return message

    async def expect(self, kind: str, within: float = 10, **fields: Any) -> dict[str, Any]:
        """The next message of this type (and these field values), skipping others."""
        async with asyncio.timeout(within):
            while True:
                message = await self.receive(within)
                if message["type"] == kind and all(message.get(k) == v for k, v in fields.items()):
                    return message

    async def close(self) -> None:
        await self.connection.close()


def open_limits() -> dict[str, object]:
    """Every limit of this build's settings raised out of reach: the access and fuzz tests
    try doors many times from one address, and limits have tests of their own."""
    limits: dict[str, object] = {}
    for setting in dataclasses.fields(Settings):
        if setting.name.startswith("limit_"):
            kind = type(getattr(Settings, setting.name, setting.default))
            limits[setting.name] = {str: "1000000/1", int: 100000, float: 1e6}[kind]
    return limits
