"""Faults around the service: Redis down and back, a full disk, a read-only data
directory, input that used to raise deep inside; each gives a clear refusal that changes
nothing, with the security headers every answer carries."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from interp.domain.errors import InvalidInput
from interp.http.headers import HEADERS
from tests.live_server import LiveServer, csrf_from, free_port, sign_in, start_live_server

JSON = {"accept": "application/json"}


def assert_security_headers(response: httpx.Response) -> None:
    for name, value in HEADERS:
        assert response.headers.get(name.decode()) == value.decode(), name


def count_rows(server: LiveServer, table: str) -> int:
    with sqlite3.connect(server.settings.data_dir / "interp.db") as db:
        return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def count_requests(server: LiveServer) -> int:
    return count_rows(server, "requests")


# -- Redis down and back ------------------------------------------------------------------


class ThrowawayRedis:
    """A redis-server of this test's own on a free port (the machine's shared one must
    never be stopped), which the test kills and starts again on the same port."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary is not None
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            with contextlib.suppress(OSError), socket.create_connection(
                ("127.0.0.1", self.port), timeout=0.2
            ):
                return
            assert self.process.poll() is None, "redis-server did not start"
            time.sleep(0.05)
        raise AssertionError("redis-server did not start listening")

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def throwaway_redis() -> Iterator[ThrowawayRedis]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed here")
    redis = ThrowawayRedis(free_port())
    redis.start()
    try:
        yield redis
    finally:
        redis.kill()


@pytest.fixture
def server_on_throwaway_redis(
    tmp_path: Path, throwaway_redis: ThrowawayRedis
) -> Iterator[LiveServer]:
    server = start_live_server(tmp_path / "data", redis_url=throwaway_redis.url)
    try:
        yield server
    finally:
        server.stop()


async def _ready(client: httpx.AsyncClient, within_s: float = 15.0) -> httpx.Response:
    for _ in range(int(within_s / 0.2)):
        answer = await client.get("/readyz")
        if answer.status_code == 200:
            return answer
        await asyncio.sleep(0.2)
    raise AssertionError(f"not ready after {within_s} s: {answer.text}")


async def test_while_redis_is_down_requests_are_refused_cleanly_and_all_recovers(
    server_on_throwaway_redis: LiveServer, throwaway_redis: ThrowawayRedis
) -> None:
    server = server_on_throwaway_redis
    new = {"language": "es", "media": "audio", "note": "hello"}
    async with httpx.AsyncClient(base_url=server.url) as client:
        ready = await _ready(client)
        assert ready.json()["checks"] == {"database": "ok", "hub": "ok", "disk": "ok"}
        assert (await client.post("/api/requests", json=new)).status_code == 201
        assert count_requests(server) == 1

        throwaway_redis.kill()
        refused = await client.post("/api/requests", json=new)
        assert refused.status_code == 503
        assert refused.json()["error"]["code"] == "unavailable"
        assert "try again" in refused.json()["error"]["message"]
        assert_security_headers(refused)
        # The form says the same in the resident's language.
        form = await client.get("/request?lang=es")
        page = await client.post(
            "/request", data={**new, "csrf_token": csrf_from(form.text)}
        )
        assert page.status_code == 503
        assert "No se ha enviado nada" in page.text
        assert count_requests(server) == 1  # nothing committed

        not_ready = await client.get("/readyz")
        assert not_ready.status_code == 503
        checks = not_ready.json()["checks"]
        assert checks["database"] == "ok" and checks["disk"] == "ok"
        assert checks["hub"] != "ok" and "Redis" in checks["hub"]
        # Liveness: the process itself is fine, restarting it would not help.
        assert (await client.get("/api/health")).status_code == 200

        throwaway_redis.start()
        await _ready(client)
        assert (await client.post("/api/requests", json=new)).status_code == 201
        assert count_requests(server) == 2


async def test_a_request_whose_announcement_fails_is_taken_back_out_of_the_queue(
    server_on_throwaway_redis: LiveServer, throwaway_redis: ThrowawayRedis,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Redis dying between the check and the announcement is a race no test can time, so
    the check is made to pass here: the announcement then fails for real."""
    server = server_on_throwaway_redis

    async def passes() -> None:
        return None

    monkeypatch.setattr(server.services.hub, "check", passes)
    throwaway_redis.kill()
    async with httpx.AsyncClient(base_url=server.url) as client:
        refused = await client.post("/api/requests", json={"language": "es", "media": "audio"})
    assert refused.status_code == 503
    assert await server.services.queue.queue("es") == []


# -- input that raised deep inside -------------------------------------------------------


@contextlib.asynccontextmanager
async def caseworker(server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    await server.create_account("case@example.org", "caseworker", name="Casey")
    async with httpx.AsyncClient(base_url=server.url) as client:
        assert (await sign_in(client, "case@example.org")).status_code == 303
        yield client


@pytest.mark.parametrize(
    ("when", "zone"),
    [("9999-12-31T23:30", "America/Los_Angeles"), ("0001-01-01T00:00", "Asia/Tokyo")],
)
async def test_a_meeting_at_the_ends_of_the_calendar_is_refused_clearly(
    live_server: LiveServer, when: str, zone: str
) -> None:
    async with caseworker(live_server) as client:
        csrf = csrf_from((await client.get("/meetings")).text)
        fields = {"title": "Housing", "mode": "online", "when": when, "timezone": zone}
        answer = await client.post("/meetings", data={**fields, "csrf_token": csrf})
        assert answer.status_code == 400
        assert "in a year from 2000 to 2100" in answer.text
        assert_security_headers(answer)
        assert count_rows(live_server, "meetings") == 0


async def test_the_domain_refuses_a_meeting_outside_the_years_meetings_are_held(
    live_server: LiveServer,
) -> None:
    owner = await live_server.create_account("host@example.org", "caseworker")
    with pytest.raises(InvalidInput) as refused:
        await live_server.services.meetings.create(
            owner, "Far away", "online", scheduled_at=datetime(2999, 1, 1, tzinfo=UTC)
        )
    assert refused.value.field == "scheduled_at"


async def test_a_lone_surrogate_in_a_request_is_refused_and_nothing_is_stored(
    live_server: LiveServer,
) -> None:
    body = '{"language": "es", "media": "audio", "note": "help \\ud800"}'
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        refused = await client.post(
            "/api/requests", content=body, headers={"content-type": "application/json"}
        )
        assert refused.status_code == 400
        assert "not valid Unicode" in refused.text
        assert_security_headers(refused)
        # The form cannot carry one (its bytes are decoded with replacement): it is taken.
        form = await client.get("/request")
        taken = await client.post(
            "/request",
            content=f"language=es&media=audio&note=%ED%A0%80&csrf_token={csrf_from(form.text)}",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert taken.status_code == 303
    assert count_requests(live_server) == 1


async def test_the_domain_refuses_a_note_that_cannot_be_stored(live_server: LiveServer) -> None:
    with pytest.raises(InvalidInput) as refused:
        await live_server.services.queue.create("es", "audio", "help \ud800")
    assert refused.value.field == "note"


async def test_a_server_error_still_carries_the_security_headers(
    live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No known input raises any more, so a service is made to fail: what matters is the
    answer an unforeseen error gets."""

    async def broken() -> None:
        raise RuntimeError("an unforeseen fault")

    monkeypatch.setattr(live_server.services.organisation, "offered_languages", broken)
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        failed = await client.get("/api/languages")
    assert failed.status_code == 500
    assert_security_headers(failed)


# -- the disk: read-only, full ------------------------------------------------------------


@contextlib.contextmanager
def small_tmpfs(where: Path, options: str) -> Iterator[Path]:
    """A tmpfs mounted at ``where``: the only way to make root's writes fail there (tests
    run as root, which chmod does not stop). Skipped where mounting is not permitted."""
    where.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)],
        capture_output=True, text=True, check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.strip()})")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def run_interp(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"INTERP_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin", "HOME": "/tmp"}
    return subprocess.run(
        [sys.executable, "-m", "interp", *args],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )


def assert_one_clear_line(done: subprocess.CompletedProcess[str], data_dir: Path, why: str) -> None:
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert str(data_dir) in lines[0] and why in lines[0]
    assert "INTERP_DATA_DIR" in lines[0]  # and what to do about it


@pytest.mark.parametrize("command", [["db", "upgrade"], ["serve", "--port", "1"]])
def test_a_read_only_data_directory_is_named_in_one_clear_line(
    tmp_path: Path, command: list[str]
) -> None:
    with small_tmpfs(tmp_path / "data", "ro,size=1m") as data_dir:
        assert_one_clear_line(run_interp(data_dir, *command), data_dir, "Read-only file system")


@pytest.mark.parametrize("command", [["db", "upgrade"], ["serve", "--port", "1"]])
def test_a_file_where_the_data_directory_should_be_is_named_in_one_clear_line(
    tmp_path: Path, command: list[str]
) -> None:
    (tmp_path / "in-the-way").write_text("not a directory")
    data_dir = tmp_path / "in-the-way" / "data"
    assert_one_clear_line(run_interp(data_dir, *command), data_dir, "Not a directory")


@pytest.fixture
def small_incoming(tmp_path: Path) -> Iterator[LiveServer]:
    """A live server whose folder for incoming uploads is a 1 MiB tmpfs."""
    with small_tmpfs(tmp_path / "data" / "uploads" / "incoming", "size=1m"):
        server = start_live_server(tmp_path / "data")
        try:
            yield server
        finally:
            server.stop()


def fill(folder: Path) -> Path:
    """Fill the disk under ``folder`` to the last byte."""
    filler = folder / "filler"
    with filler.open("wb", buffering=0) as out, contextlib.suppress(OSError):
        while True:
            out.write(b"\0" * 4096)
    return filler


@pytest.mark.parametrize(
    ("already_full", "size"),
    [
        (False, 3 * 1024 * 1024),  # the disk fills while the file is written
        (True, 2000),  # a small file, all of it still buffered when the file is closed
    ],
)
async def test_an_upload_that_finds_the_disk_full_is_refused_and_nothing_is_kept(
    small_incoming: LiveServer, already_full: bool, size: int
) -> None:
    if small_incoming.services.language_tools.unavailable() is not None:
        pytest.skip("no speech model installed: uploads are refused before any write")
    incoming = small_incoming.settings.data_dir / "uploads" / "incoming"
    kept = {fill(incoming)} if already_full else set()
    async with caseworker(small_incoming) as client:
        csrf = csrf_from((await client.get("/recordings")).text)
        answer = await client.post(
            "/recordings",
            data={"csrf_token": csrf},
            files={"recording": ("talk.wav", b"\0" * size)},
            headers=JSON,
        )
    assert answer.status_code == 507
    assert "no room to store this file" in answer.json()["error"]["message"]
    assert_security_headers(answer)
    assert set(incoming.iterdir()) == kept


@pytest.fixture
def small_data_dir(tmp_path: Path) -> Iterator[LiveServer]:
    """A live server whose whole data directory (the SQLite database in it) is a 4 MiB
    tmpfs."""
    with small_tmpfs(tmp_path / "data", "size=4m"):
        server = start_live_server(tmp_path / "data")
        try:
            yield server
        finally:
            server.stop()


async def test_a_database_write_that_finds_the_disk_full_is_refused_and_rolled_back(
    small_data_dir: LiveServer,
) -> None:
    data_dir = small_data_dir.settings.data_dir
    async with httpx.AsyncClient(base_url=small_data_dir.url) as client:
        new = {"language": "es", "media": "audio", "note": "x" * 400}
        assert (await client.post("/api/requests", json=new)).status_code == 201
        filler = fill(data_dir)
        before = count_requests(small_data_dir)
        refused = await client.post("/api/requests", json=new)
        assert refused.status_code == 507
        assert "run out of storage space" in refused.json()["error"]["message"]
        assert_security_headers(refused)
        form = await client.get("/request?lang=es")
        page = await client.post("/request", data={**new, "csrf_token": csrf_from(form.text)})
        assert page.status_code == 507
        assert "no se ha guardado nada" in page.text
        assert_security_headers(page)
        assert count_requests(small_data_dir) == before  # each write rolled back whole
        filler.unlink()
        assert (await client.post("/api/requests", json=new)).status_code == 201
