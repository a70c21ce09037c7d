"""Benchmark the coordinator's reports on a year of history, on SQLite and PostgreSQL.

Writes a year of requests (100,000 by default) with a realistic mix: a few languages
carry most of the demand, rare ones wait longer and go unanswered more often, some
residents take machine interpretation, some cancel; calls last minutes to an hour. Then
signs in as a coordinator through the real app (httpx's ASGI transport, the app's own
lifespan) and prints the time to render /coordinator/reports and its CSV file, for the
default period (the last 30 days) and for the whole year. Target: well under a second.

PostgreSQL gets a database of its own, dropped at the end; nothing else is touched.

    .venv/bin/python scripts/bench_reports.py [--requests 100000] [--repeat 5]
        [--postgres-url postgresql+asyncpg://postgres@127.0.0.1:5432/test] [--no-postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import secrets
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy import insert
from sqlalchemy.engine import make_url

from interp.app import create_app
from interp.config import load_settings
from interp.domain.accounts import Accounts
from interp.store.database import Database, upgrade_schema
from interp.store.models import (
    InterpretationRequest,
    OfferedLanguage,
    Room,
    RoomParticipant,
    User,
    UserLanguage,
)

POSTGRES_URL = os.environ.get(
    "INTERP_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
PASSWORD = "benchmark password"
BATCH = 5_000
# Language: (share of requests, share answered by an interpreter, median wait in seconds,
# volunteers who offer it).
LANGUAGES = {
    "ar": (0.22, 0.85, 70, 14), "es": (0.18, 0.9, 45, 16), "uk": (0.12, 0.8, 90, 9),
    "pl": (0.1, 0.85, 60, 8), "ro": (0.08, 0.75, 120, 5), "so": (0.08, 0.5, 240, 3),
    "fa": (0.07, 0.6, 180, 4), "ti": (0.06, 0.35, 420, 1), "pt": (0.05, 0.8, 90, 4),
    "ur": (0.03, 0.55, 200, 2), "bfi": (0.01, 0.4, 300, 1),
}
FALLBACK_WAIT_S = 120.0


def _id() -> str:
    return secrets.token_hex(16)


def history(count: int, now: datetime, rng: random.Random) -> Iterator[dict[str, list[Any]]]:
    """Batches of rows (requests, rooms, participants) over the year up to ``now``."""
    codes = list(LANGUAGES)
    weights = [LANGUAGES[c][0] for c in codes]
    for start in range(0, count, BATCH):
        batch: dict[str, list[Any]] = {"rooms": [], "requests": [], "participants": []}
        for _ in range(min(BATCH, count - start)):
            code = rng.choices(codes, weights)[0]
            _share, answered, median_wait, _volunteers = LANGUAGES[code]
            created = now - timedelta(seconds=rng.uniform(0, 365 * 86400))
            wait = rng.lognormvariate(0, 0.9) * median_wait
            request = {
                "id": _id(), "token_hash": secrets.token_hex(32), "language_code": code,
                "media": rng.choice(("video", "audio")), "note": "", "needs_captions": False,
                "status": "closed", "priority": 0, "created_at": created,
                "expires_at": created + timedelta(hours=2), "long_wait_at": None,
                "matched_at": None, "volunteer_id": None, "room_id": None,
                "closed_at": None, "resident_link_id": None,
            }
            if wait > FALLBACK_WAIT_S:
                request["long_wait_at"] = created + timedelta(seconds=FALLBACK_WAIT_S)
            outcome = rng.random()
            room_id = _id()
            if outcome < answered:
                started = created + timedelta(seconds=wait + rng.uniform(5, 40))
                closed = started + timedelta(seconds=rng.lognormvariate(0, 0.6) * 900)
                request.update(matched_at=created + timedelta(seconds=wait), room_id=room_id,
                               closed_at=closed)
                batch["rooms"].append(_room(room_id, "call", created, started, closed))
                batch["participants"] += [
                    _participant(room_id, "interpreter", code, started),
                    _participant(room_id, "resident", code, started),
                ]
            elif outcome < answered + (1 - answered) * 0.4:
                started = created + timedelta(seconds=FALLBACK_WAIT_S + rng.uniform(0, 60))
                closed = started + timedelta(seconds=rng.uniform(120, 1800))
                request.update(room_id=room_id, closed_at=closed)
                batch["rooms"].append(_room(room_id, "machine", created, started, closed))
                batch["participants"].append(_participant(room_id, "resident", code, started))
            elif outcome < answered + (1 - answered) * 0.7:
                request.update(status="cancelled", closed_at=created + timedelta(seconds=wait))
            else:
                request.update(status="expired", closed_at=request["expires_at"])
            batch["requests"].append(request)
        yield batch


def _room(room_id: str, kind: str, created: datetime, started: datetime,
          closed: datetime) -> dict[str, Any]:
    return {"id": room_id, "request_id": None, "media": "video", "kind": kind,
            "desk_language": None, "captions_for_all": False, "created_at": created,
            "started_at": started, "closed_at": closed}


def _participant(room_id: str, role: str, code: str, joined: datetime) -> dict[str, Any]:
    return {"id": _id(), "room_id": room_id, "role": role, "display_name": "",
            "language_code": code, "user_id": None, "token_hash": None,
            "joined_at": joined, "left_at": None}


async def fill(db: Database, count: int, rng: random.Random) -> float:
    """Write the volunteers, the offered languages and the year; returns the seconds taken."""
    began = time.perf_counter()
    now = datetime.now(UTC)
    async with db.session() as session:
        await session.execute(insert(OfferedLanguage), [
            {"language_code": code, "position": i} for i, code in enumerate(LANGUAGES)])
        for code, (_share, _answered, _wait, volunteers) in LANGUAGES.items():
            for n in range(volunteers):
                user_id = _id()
                await session.execute(insert(User), [{
                    "id": user_id, "email": f"{code}{n}@bench.example", "display_name": "V",
                    "role": "volunteer", "password_hash": "x", "active": True,
                    "available": n % 3 == 0, "created_at": now}])
                await session.execute(insert(UserLanguage), [
                    {"user_id": user_id, "language_code": code}])
    for batch in history(count, now, rng):
        async with db.session() as session:
            await session.execute(insert(Room), batch["rooms"])
            await session.execute(insert(InterpretationRequest), batch["requests"])
            await session.execute(insert(RoomParticipant), batch["participants"])
    return time.perf_counter() - began


@contextlib.asynccontextmanager
async def postgres_database(server_url: str) -> AsyncIterator[str]:
    """A fresh PostgreSQL database for the benchmark, dropped afterwards."""
    server = make_url(server_url)
    name = f"interp_bench_{os.getpid()}_{secrets.token_hex(4)}"
    dsn = server.set(drivername="postgresql").render_as_string(hide_password=False)
    admin = await asyncpg.connect(dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        admin = await asyncpg.connect(dsn)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


async def timed_get(client: httpx.AsyncClient, path: str, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        answer = await client.get(path)
        times.append(time.perf_counter() - began)
        if answer.status_code != 200:
            raise SystemExit(f"{path} answered {answer.status_code}")
    return times


async def bench(label: str, url: str, data_dir: Path, count: int, repeat: int) -> None:
    await upgrade_schema(url)
    db = Database(url)
    try:
        written = await fill(db, count, random.Random(14))
        await Accounts(db, timedelta(hours=1)).create(
            "boss@bench.example", "Boss", "coordinator", PASSWORD, [])
    finally:
        await db.close()
    print(f"{label}: wrote {count:,} requests in {written:.1f} s")
    settings = load_settings(None, data_dir=data_dir, database_url=url, host="127.0.0.1")
    app = create_app(settings)
    today = date.today()
    periods = {
        "last 30 days": "",
        "whole year": f"?start={today - timedelta(days=365)}&end={today}",
    }
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
        transport=transport, base_url="http://bench"
    ) as client:
        login = await client.get("/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', login.text)
        assert csrf, "the login page has no CSRF token"
        await client.post("/login", data={
            "email": "boss@bench.example", "password": PASSWORD, "csrf_token": csrf.group(1)})
        for name, query in periods.items():
            for what, path in (("page", "/coordinator/reports"),
                               ("CSV", "/coordinator/reports.csv")):
                await client.get(path + query)  # warm: templates compiled, caches filled
                times = await timed_get(client, path + query, repeat)
                print(f"  {what:4} {name:12}  median {statistics.median(times) * 1000:6.0f} ms"
                      f"  best {min(times) * 1000:6.0f} ms  worst {max(times) * 1000:6.0f} ms")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="interp-bench-reports-") as tmp:
        sqlite_dir = Path(tmp) / "sqlite"
        url = f"sqlite+aiosqlite:///{sqlite_dir / 'interp.db'}"
        await bench("SQLite", url, sqlite_dir, args.requests, args.repeat)
        if not args.no_postgres:
            async with postgres_database(args.postgres_url) as pg_url:
                await bench("PostgreSQL", pg_url, Path(tmp) / "pg", args.requests, args.repeat)


if __name__ == "__main__":
    asyncio.run(main())
