"""Fixtures shared by every test area: the real Redis and PostgreSQL, and a migrated database."""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import pytest
from alembic import command
from sqlalchemy.engine import make_url

from interp.store.database import Database, alembic_config, upgrade_schema
from tests.live_server import LiveServer, empty_tables, start_live_server, two_nodes_sharing

REDIS_URL = os.environ.get("INTERP_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    address = (parts.hostname or "127.0.0.1", parts.port or default_port)
    try:
        with socket.create_connection(address, timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def redis_url() -> str:
    if not reachable(REDIS_URL, 6379):
        pytest.skip(f"Redis is not reachable at {REDIS_URL} (set INTERP_TEST_REDIS_URL)")
    return REDIS_URL


POSTGRES_URL = os.environ.get(
    "INTERP_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL database of this run's own, migrated to head, dropped at the end.

    A fresh database per run keeps parallel runs on one server from colliding.
    """
    if not reachable(POSTGRES_URL, 5432):
        pytest.skip(f"PostgreSQL is not reachable at {POSTGRES_URL} (set INTERP_TEST_POSTGRES_URL)")
    server = make_url(POSTGRES_URL)
    name = f"interp_test_{os.getpid()}_{secrets.token_hex(4)}"
    dsn = server.set(drivername="postgresql").render_as_string(hide_password=False)

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    # A thread of its own: this fixture may first be requested from inside a running loop.
    def in_thread(fn: Callable[[], object]) -> None:
        with ThreadPoolExecutor(1) as pool:
            pool.submit(fn).result()

    in_thread(lambda: asyncio.run(admin(f'CREATE DATABASE "{name}"')))
    url = server.set(database=name).render_as_string(hide_password=False)
    try:
        in_thread(lambda: command.upgrade(alembic_config(url), "head"))
        yield url
    finally:
        in_thread(lambda: asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')))


@pytest.fixture(params=["sqlite", "postgresql"])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated, empty database on each backend: SQLite in a temp file, and PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'interp.db'}"
        await upgrade_schema(url)
        db = Database(url)
    else:
        url = request.getfixturevalue("postgres_url")
        await empty_tables(url)
        db = Database(url)
    try:
        yield db
    finally:
        await db.close()


@pytest.fixture
def loopback_ice(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep aiortc peers on 127.0.0.1.

    aioice leaves loopback out when it gathers host candidates, so peers in one
    process would otherwise connect over whatever other interface the machine has.
    """
    import aioice.ice

    monkeypatch.setattr(aioice.ice, "get_host_addresses", lambda use_ipv4, use_ipv6: ["127.0.0.1"])


@pytest.fixture
def live_server(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    """The real app on a free port with an empty data directory (SQLite) of its own.

    Settings can be changed per test: ``@pytest.mark.server_settings(fallback_wait_s=1)``.
    """
    marker = request.node.get_closest_marker("server_settings")
    overrides = marker.kwargs if marker else {}
    server = start_live_server(tmp_path / "data", **overrides)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def two_nodes(
    tmp_path: Path, postgres_url: str, redis_url: str
) -> Iterator[tuple[LiveServer, LiveServer]]:
    """Two interp processes sharing PostgreSQL and Redis, as one service on two nodes
    (skipped where those are not reachable)."""
    with two_nodes_sharing(tmp_path, postgres_url, redis_url) as nodes:
        yield nodes


@pytest.fixture(scope="session")
def caption_sender_module() -> Any:
    """tests.caption_sender, imported before any test moves HOME: it finds the installed
    speech models there when imported (higher-scoped fixtures are set up first)."""
    import tests.caption_sender

    return tests.caption_sender


@pytest.fixture
def translating(
    caption_sender_module: Any,
    tmp_path: Path,
    argos_home: None,
    argos_archives: dict[tuple[str, str], Path],
    request: pytest.FixtureRequest,
) -> Iterator[LiveServer]:
    """A live server with the speech model and the test Argos packages (en→es, es→en, en→fr);
    settings as for ``live_server``: ``@pytest.mark.server_settings(...)``."""
    marker = request.node.get_closest_marker("server_settings")
    settings = marker.kwargs if marker else {}
    with caption_sender_module.translating_server(tmp_path, argos_archives, **settings) as server:
        yield server


@pytest.fixture
def argos_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point HOME and XDG_* at a temporary folder: importing argostranslate makes folders there."""
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    for name, sub in (("DATA", "data"), ("CONFIG", "config"), ("CACHE", "cache")):
        monkeypatch.setenv(f"XDG_{name}_HOME", str(home / sub))


@pytest.fixture(scope="session")
def argos_archives(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    """Small valid Argos packages for en→es, es→en and en→fr, built once per run."""
    from tests.translation.argos_package import EN_ES, EN_FR, ES_EN, build_argos_package

    folder = tmp_path_factory.mktemp("argos")
    return {
        ("en", "es"): build_argos_package(folder, "en", "es", EN_ES),
        ("es", "en"): build_argos_package(folder, "es", "en", ES_EN),
        ("en", "fr"): build_argos_package(folder, "en", "fr", EN_FR),
    }
