"""Matching under load: N volunteers on WebSockets, residents arriving at a steady rate.

Starts ``interp serve`` in a process of its own (SQLite in a temp folder unless
``--database-url`` is given), connects the volunteers to /ws/volunteer, then posts
resident requests at ``--rate`` per second for ``--duration`` seconds. Every
request is accepted by one idle volunteer the moment it is shown to them; the
volunteer and the resident then join the room over /ws/room and leave again.

Prints, with all times measured in this process on one clock:
- request -> notification: from sending the request to each volunteer's socket
  receiving it (every delivery to every volunteer counts);
- accept -> both in the room: from sending ``accept`` to both the volunteer and the
  resident holding a ``joined`` message from /ws/room;
- requests per second matched, and the server's memory (RSS now and peak).

The load generator shares the machine with the server, so figures include its cost.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import itsdangerous
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException

from interp.domain.passwords import hash_password
from interp.domain.sessions import Sessions
from interp.domain.tokens import new_id, utcnow
from interp.http.auth import SESSION_KEY
from interp.store.database import Database, upgrade_schema
from interp.store.models import User, UserLanguage

LANGUAGE = "es"  # every volunteer interprets it: each request reaches all of them


@dataclass
class Volunteer:
    index: int
    cookie: str
    socket: ClientConnection | None = None
    # The reply to this volunteer's ``accept``, routed here by its feed listener.
    reply: asyncio.Future[dict[str, Any]] | None = None


@dataclass
class Stats:
    room_ms: list[float] = field(default_factory=list)
    sent_at: dict[str, float] = field(default_factory=dict)  # request id -> send time
    # request id -> volunteer index -> arrival time (notifications can beat the HTTP reply)
    arrivals: dict[str, dict[int, float]] = field(default_factory=dict)
    matched: int = 0
    errors: list[str] = field(default_factory=list)

    def first_notify_ms(self) -> list[float]:
        """Per request, the first volunteer's notification: the cost before the fan-out."""
        return [
            (min(by_volunteer.values()) - self.sent_at[request_id]) * 1000
            for request_id, by_volunteer in self.arrivals.items()
            if request_id in self.sent_at
        ]

    def notify_ms(self) -> list[float]:
        return [
            (arrived - self.sent_at[request_id]) * 1000
            for request_id, by_volunteer in self.arrivals.items()
            if request_id in self.sent_at
            for arrived in by_volunteer.values()
        ]


def percentiles(values: list[float]) -> str:
    if len(values) < 2:
        return "n/a (too few samples)"
    q = statistics.quantiles(values, n=100, method="inclusive")
    return f"p50 {q[49]:7.1f} ms   p95 {q[94]:7.1f} ms   p99 {q[98]:7.1f} ms   (n={len(values)})"


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> tuple[int, int]:
    """(current, peak) resident memory of a process, from /proc."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    return values["VmRSS"], values["VmHWM"]


async def create_volunteers(url: str, count: int) -> list[str]:
    """Volunteer accounts written straight to the database: one password hash shared by all,
    since hashing 500 passwords with argon2 would only measure argon2. Returns a signed-in
    session's token for each."""
    db = Database(url)
    password_hash = await hash_password("bench password")
    ids = [new_id() for _ in range(count)]
    async with db.session() as session:
        for n, user_id in enumerate(ids):
            session.add(
                User(
                    id=user_id,
                    email=f"volunteer{n}@bench.example",
                    display_name=f"Volunteer {n}",
                    role="volunteer",
                    password_hash=password_hash,
                    active=True,
                    available=True,
                    created_at=utcnow(),
                )
            )
        await session.flush()
        session.add_all(UserLanguage(user_id=i, language_code=LANGUAGE) for i in ids)
    sessions = Sessions(db)
    tokens = [await sessions.start(user_id) for user_id in ids]
    await db.close()
    return tokens


def session_cookie(secret_key: str, session_token: str) -> str:
    """A signed session cookie for a session started in the database, made as Starlette's
    SessionMiddleware makes it: signing in 500 times through the form would hit the login
    rate limit (and measure argon2)."""
    data = base64.b64encode(json.dumps({SESSION_KEY: session_token}).encode())
    signed = itsdangerous.TimestampSigner(secret_key).sign(data).decode()
    return f"interp_session={signed}"


async def wait_for_health(url: str, process: asyncio.subprocess.Process) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(300):
            if process.returncode is not None:
                raise SystemExit("the server exited during start")
            try:
                if (await client.get(f"{url}/api/health")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit("the server did not start")


async def join_room(ws_url: str, hello: dict[str, Any], cookie: str | None) -> None:
    headers = {"Cookie": cookie} if cookie else {}
    async with connect(f"{ws_url}/ws/room", additional_headers=headers) as socket:
        await socket.send(json.dumps({"type": "hello", "session": new_id(), **hello}))
        while json.loads(await socket.recv())["type"] != "joined":
            pass
        if "room" in hello:
            await socket.send(json.dumps({"type": "leave"}))


class Bench:
    def __init__(self, url: str, stats: Stats, idle: deque[Volunteer]) -> None:
        self.url = url
        self.ws_url = url.replace("http://", "ws://")
        self.stats = stats
        self.idle = idle
        self.tasks: set[asyncio.Task[None]] = set()
        self.arrived = asyncio.Condition()

    def spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def listen(self, volunteer: Volunteer) -> None:
        assert volunteer.socket is not None
        async for raw in volunteer.socket:
            now = time.perf_counter()
            message = json.loads(raw)
            if message["type"] == "request.new":
                request_id = message["request"]["id"]
                self.stats.arrivals.setdefault(request_id, {})[volunteer.index] = now
                async with self.arrived:
                    self.arrived.notify_all()
            elif message["type"] in ("accepted", "error") and volunteer.reply is not None:
                volunteer.reply.set_result(message)

    async def resident(self, client: httpx.AsyncClient) -> None:
        """One resident asks; their assigned volunteer accepts once the request shows up."""
        if not self.idle:
            self.stats.errors.append("no idle volunteer: request skipped")
            return
        volunteer = self.idle.popleft()
        try:
            await self._ask_and_accept(client, volunteer)
        except (httpx.HTTPError, WebSocketException, OSError, TimeoutError) as exc:
            self.stats.errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            self.idle.append(volunteer)

    async def _ask_and_accept(self, client: httpx.AsyncClient, volunteer: Volunteer) -> None:
        sent = time.perf_counter()
        made = await client.post("/api/requests", json={"language": LANGUAGE, "media": "audio"})
        body = made.json()
        request_id = body["request"]["id"]
        self.stats.sent_at[request_id] = sent
        async with asyncio.timeout(60), self.arrived:
            await self.arrived.wait_for(
                lambda: volunteer.index in self.stats.arrivals.get(request_id, {})
            )
        await self.accept(volunteer, request_id, body["token"])

    async def accept(self, volunteer: Volunteer, request_id: str, token: str) -> None:
        assert volunteer.socket is not None
        volunteer.reply = asyncio.get_running_loop().create_future()
        started = time.perf_counter()
        await volunteer.socket.send(json.dumps({"type": "accept", "request": request_id}))
        reply = await volunteer.reply
        volunteer.reply = None
        if reply["type"] == "error":
            self.stats.errors.append(reply["message"])
            return
        await asyncio.gather(
            join_room(self.ws_url, {"room": reply["room"]}, volunteer.cookie),
            join_room(self.ws_url, {"token": token}, None),
        )
        self.stats.room_ms.append((time.perf_counter() - started) * 1000)
        self.stats.matched += 1


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="interp-bench-") as folder:
        await run_in(Path(folder), args)


async def run_in(data_dir: Path, args: argparse.Namespace) -> None:
    port = args.port
    env = {**os.environ, "INTERP_DATA_DIR": str(data_dir), "INTERP_PORT": str(port)}
    if args.database_url:
        env["INTERP_DATABASE_URL"] = args.database_url
    db_url = args.database_url or f"sqlite+aiosqlite:///{data_dir / 'interp.db'}"
    await upgrade_schema(db_url)
    tokens = await create_volunteers(db_url, args.volunteers)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "interp",
        "serve",
        "--port",
        str(port),
        env={**env, "INTERP_LOG_LEVEL": "warning"},
        stdout=asyncio.subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        await wait_for_health(url, process)
        secret = (data_dir / "secret_key").read_text().strip()
        volunteers = [Volunteer(i, session_cookie(secret, token)) for i, token in enumerate(tokens)]
        stats = Stats()
        bench = Bench(url, stats, deque(volunteers))
        for volunteer in volunteers:
            volunteer.socket = await connect(
                f"{bench.ws_url}/ws/volunteer", additional_headers={"Cookie": volunteer.cookie}
            )
            await volunteer.socket.recv()  # the queue snapshot
        listeners = [asyncio.create_task(bench.listen(v)) for v in volunteers]
        idle_rss, _ = rss_kib(process.pid)
        print(f"{args.volunteers} volunteers connected; server RSS {idle_rss / 1024:.0f} MiB")

        total = int(args.rate * args.duration)
        server_cpu, own_cpu = cpu_seconds(process.pid), time.process_time()
        began = time.perf_counter()
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:
            for n in range(total):
                # A steady arrival rate: wait for this request's slot, not a fixed gap.
                await asyncio.sleep(max(0.0, began + n / args.rate - time.perf_counter()))
                bench.spawn(bench.resident(client))
            if bench.tasks:
                await asyncio.wait(set(bench.tasks), timeout=30)
        elapsed = time.perf_counter() - began
        server_cpu = cpu_seconds(process.pid) - server_cpu
        own_cpu = time.process_time() - own_cpu
        rss, peak = rss_kib(process.pid)
        for task in listeners:
            task.cancel()
        for volunteer in volunteers:
            if volunteer.socket is not None:
                await volunteer.socket.close()

        engine = "PostgreSQL" if args.database_url else "SQLite"
        print(
            f"residents: {total} at {args.rate}/s over {args.duration:.0f} s; "
            f"volunteers: {args.volunteers}; database: {engine}"
        )
        print(f"request -> volunteer notification: {percentiles(stats.notify_ms())}")
        print(f"request -> first volunteer:        {percentiles(stats.first_notify_ms())}")
        print(f"accept -> both in the room:        {percentiles(stats.room_ms)}")
        print(
            f"requests matched per second: {stats.matched / elapsed:.1f} "
            f"({stats.matched} of {total} in {elapsed:.1f} s)"
        )
        print(f"server RSS: {rss / 1024:.0f} MiB now, {peak / 1024:.0f} MiB peak")
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"machine load average (1, 5, 15 min): {load} on {os.cpu_count()} CPUs")
        print(
            f"CPU over the run: server {server_cpu / elapsed:.0%} of a core, "
            f"this load generator {own_cpu / elapsed:.0%} of a core"
        )
        if stats.errors:
            print(f"errors: {len(stats.errors)}, e.g. {stats.errors[0]}")
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--volunteers", type=int, default=500)
    parser.add_argument("--rate", type=float, default=5.0, help="residents arriving per second")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of arrivals")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--database-url", default="", help="an empty PostgreSQL database; default SQLite"
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
