"""A soak run: steady arrivals, calls, captions and uploads against one real ``interp
serve`` node (a process of its own on 127.0.0.1, SQLite in a temporary folder), with the
server's memory and open file descriptors printed every minute.

    python scripts/bench_soak.py --minutes 30

Residents ask for an interpreter at a steady rate; a free volunteer accepts; both join
the room over WebSocket and stay for the length of a call, and every few calls the
interpreter's microphone (a speech file, sent by aiortc) is captioned. A caseworker
uploads a recording every few minutes. At the end: whether memory and descriptors levelled
off (their slope over the last half of the run), requests lost (made but never matched
and joined; target 0) and server errors (5xx answers, sockets closed with 1011 or without
a close frame, tracebacks in the server's log; target 0).

All traffic stays on 127.0.0.1; every loop is bounded by the run's length. One address
stands for many residents here, so the per-address limits are raised for the run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from interp.config import Settings

REPO = Path(__file__).resolve().parents[1]
SPEECH = REPO / "tests" / "data" / "en_librispeech_1272-128104-0000.wav"
PASSWORD = "soak test password"
VOLUNTEERS = 6
# A level series grows by less than this per minute over the last half of the run.
LEVEL_RSS_MB_PER_MIN = 2.0
LEVEL_FDS_PER_MIN = 1.0


@dataclass
class Counts:
    made: int = 0
    matched: int = 0
    joined: int = 0
    captioned: int = 0
    lost: int = 0
    uploads: int = 0
    uploads_done: int = 0
    errors: int = 0
    error_notes: list[str] = field(default_factory=list)

    def error(self, note: str) -> None:
        self.errors += 1
        self.error_notes.append(note)


@dataclass
class Sample:
    minute: float
    rss_mb: float
    fds: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def raised_limits() -> dict[str, str]:
    """Every per-client limit of this build, out of reach (as environment variables)."""
    env = {}
    for setting in dataclasses.fields(Settings):
        if setting.name.startswith("limit_"):
            value = "1000000/1" if setting.type in (str, "str") else "100000"
            env[f"INTERP_{setting.name.upper()}"] = value
    return env


def interp(env: dict[str, str], *args: str, stdin: str | None = None) -> None:
    subprocess.run(
        [sys.executable, "-m", "interp", *args],
        env=env,
        input=stdin,
        text=True,
        capture_output=True,
        timeout=120,
        check=True,
    )


def csrf_from(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "page has no CSRF token"
    return found[1]


async def signed_in(url: str, email: str) -> tuple[httpx.AsyncClient, str]:
    client = httpx.AsyncClient(base_url=url, timeout=60)
    csrf = csrf_from((await client.get("/login")).text)
    answer = await client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf}
    )
    assert answer.status_code == 303, f"sign-in of {email}: {answer.status_code}"
    return client, csrf_from((await client.get("/account")).text)


class Soak:
    def __init__(self, url: str, counts: Counts, call_s: float, caption_every: int) -> None:
        self.url = url
        self.ws_url = url.replace("http://", "ws://")
        self.counts = counts
        self.call_s = call_s
        self.caption_every = caption_every
        self.free: asyncio.Queue[tuple[httpx.AsyncClient, str]] = asyncio.Queue()
        self.tasks: set[asyncio.Task[None]] = set()
        self.jobs: list[str] = []

    def checked(self, answer: httpx.Response, what: str) -> httpx.Response:
        if answer.status_code >= 500:
            self.counts.error(f"{what}: {answer.status_code}")
        return answer

    async def room(
        self, hello: dict[str, Any], client: httpx.AsyncClient | None
    ) -> ClientConnection:
        headers = {}
        if client is not None:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        ws = await connect(f"{self.ws_url}/ws/room", additional_headers=headers, max_size=2**20)
        await ws.send(json.dumps({"type": "hello", "session": secrets.token_hex(8), **hello}))
        await expect(ws, "joined")
        return ws

    def arrive(self, number: int) -> None:
        task = asyncio.create_task(self.call(number))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def call(self, number: int) -> None:
        """One resident's request, from asking to hanging up."""
        async with httpx.AsyncClient(base_url=self.url, timeout=60) as resident:
            made = self.checked(
                await resident.post("/api/requests", json={"language": "es", "media": "audio"}),
                "create request",
            )
        if made.status_code != 201:
            self.counts.lost += 1
            return
        self.counts.made += 1
        body = made.json()
        volunteer, csrf = await self.free.get()
        try:
            accepted = self.checked(
                await volunteer.post(
                    f"/api/requests/{body['request']['id']}/accept", headers={"x-csrf-token": csrf}
                ),
                "accept",
            )
            if accepted.status_code != 200:
                self.counts.lost += 1
                return
            self.counts.matched += 1
            await self.talk(body["token"], accepted.json()["room"], volunteer, number)
        except (ConnectionClosed, TimeoutError, OSError) as exc:
            self.counts.lost += 1
            if isinstance(exc, ConnectionClosed) and (exc.rcvd is None or exc.rcvd.code == 1011):
                self.counts.error(f"call {number}: socket closed {exc.rcvd}")
        finally:
            self.free.put_nowait((volunteer, csrf))

    async def talk(self, token: str, room: str, volunteer: httpx.AsyncClient, number: int) -> None:
        resident_ws = await self.room({"token": token}, None)
        interpreter_ws = await self.room({"room": room}, volunteer)
        self.counts.joined += 1
        try:
            if number % self.caption_every == 0:
                await self.caption(interpreter_ws)
            else:
                await asyncio.sleep(self.call_s)
            for ws in (resident_ws, interpreter_ws):
                await ws.send('{"type":"ping"}')
                await expect(ws, "pong")
        finally:
            for ws in (interpreter_ws, resident_ws):
                with contextlib.suppress(ConnectionClosed):
                    await ws.send('{"type":"leave"}')
                await ws.close()

    async def caption(self, ws: ClientConnection) -> None:
        """The interpreter's microphone (the speech file) captioned, as call.js does it."""
        from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
        from aiortc.contrib.media import MediaPlayer

        player = MediaPlayer(str(SPEECH))
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        ended = asyncio.Event()
        assert player.audio is not None
        player.audio.on("ended", ended.set)
        try:
            pc.addTransceiver(player.audio, direction="sendonly")
            await pc.setLocalDescription(await pc.createOffer())
            await ws.send(json.dumps({"type": "captions.start", "sdp": pc.localDescription.sdp}))
            answer = await expect(ws, "captions.answer", within=60)
            await pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type="answer"))
            async with asyncio.timeout(self.call_s + 60):
                await ended.wait()
            await ws.send('{"type":"captions.stop"}')
            await expect(ws, "captions.stopped", within=60)
            self.counts.captioned += 1
        finally:
            await pc.close()

    async def upload(self, client: httpx.AsyncClient) -> None:
        csrf = csrf_from((await client.get("/recordings")).text)
        made = self.checked(
            await client.post(
                "/recordings",
                data={"csrf_token": csrf, "language": "en"},
                files={"recording": (SPEECH.name, SPEECH.read_bytes())},
                headers={"accept": "application/json"},
            ),
            "upload",
        )
        if made.status_code == 201:
            self.counts.uploads += 1
            self.jobs.append(made.json()["job"]["id"])

    async def uploads_done(self, client: httpx.AsyncClient) -> int:
        """The uploads captioned by now (waiting at most a minute for the last)."""
        deadline = time.monotonic() + 60
        while True:
            answers = [
                self.checked(await client.get(f"/api/recordings/{job}"), "job status")
                for job in self.jobs
            ]
            done = sum(
                a.status_code == 200 and a.json()["job"]["status"] == "done" for a in answers
            )
            if done == len(self.jobs) or time.monotonic() > deadline:
                return done
            await asyncio.sleep(2)


async def expect(ws: ClientConnection, kind: str, within: float = 20) -> dict[str, Any]:
    async with asyncio.timeout(within):
        while True:
            message: dict[str, Any] = json.loads(await ws.recv())
            if message.get("type") == kind:
                return message


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares change per minute."""
    if len(points) < 2:
        return 0.0
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    spread = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in points) / spread if spread else 0.0


def server_tracebacks(log: Path) -> int:
    return log.read_text(errors="replace").count("Traceback (most recent call last)")


async def run(
    url: str, pid: int, log: Path, args: argparse.Namespace
) -> tuple[Counts, list[Sample]]:
    counts = Counts()
    soak = Soak(url, counts, args.call_s, args.caption_every)
    for n in range(VOLUNTEERS):
        soak.free.put_nowait(await signed_in(url, f"volunteer{n}@example.org"))
    caseworker, _ = await signed_in(url, "caseworker@example.org")
    server = psutil.Process(pid)
    samples: list[Sample] = []
    start = time.monotonic()
    end = start + args.minutes * 60
    next_arrival = next_upload = next_sample = start
    arrivals = 0
    print(
        "minute  rss_mb  fds  made  matched  joined  captioned  lost  uploads  errors", flush=True
    )
    while time.monotonic() < end:
        now = time.monotonic()
        if now >= next_arrival:
            arrivals += 1
            soak.arrive(arrivals)
            next_arrival += args.arrival_s
        if now >= next_upload:
            await soak.upload(caseworker)
            next_upload += args.upload_every_min * 60
        if now >= next_sample:
            minute = (now - start) / 60
            sample = Sample(minute, server.memory_info().rss / 2**20, server.num_fds())
            samples.append(sample)
            print(
                f"{minute:6.1f}  {sample.rss_mb:6.1f}  {sample.fds:3d}  {counts.made:4d}  "
                f"{counts.matched:7d}  {counts.joined:6d}  {counts.captioned:9d}  "
                f"{counts.lost:4d}  "
                f"{counts.uploads:7d}  {counts.errors + server_tracebacks(log):6d}",
                flush=True,
            )
            next_sample += 60
        await asyncio.sleep(0.2)
    # The calls under way finish; nothing new starts.
    if soak.tasks:
        await asyncio.wait(soak.tasks, timeout=args.call_s + 120)
    counts.uploads_done = await soak.uploads_done(caseworker)
    final = Sample(
        (time.monotonic() - start) / 60, server.memory_info().rss / 2**20, server.num_fds()
    )
    samples.append(final)
    for client, _ in [await soak.free.get() for _ in range(VOLUNTEERS)]:
        await client.aclose()
    await caseworker.aclose()
    return counts, samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--arrival-s", type=float, default=10, help="seconds between residents")
    parser.add_argument("--call-s", type=float, default=20, help="length of a call")
    parser.add_argument("--caption-every", type=int, default=3, help="caption every n-th call")
    parser.add_argument("--upload-every-min", type=float, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="interp-soak-") as tmp:
        env = {
            **os.environ,
            "INTERP_DATA_DIR": f"{tmp}/data",
            "PYTHONUNBUFFERED": "1",
            "INTERP_HOST": "127.0.0.1",
            **raised_limits(),
        }
        interp(env, "db", "upgrade")
        for n in range(VOLUNTEERS):
            interp(
                env,
                "users",
                "create",
                "--email",
                f"volunteer{n}@example.org",
                "--name",
                f"Volunteer {n}",
                "--role",
                "volunteer",
                "--languages",
                "es",
                "--password-stdin",
                stdin=PASSWORD,
            )
        interp(
            env,
            "users",
            "create",
            "--email",
            "caseworker@example.org",
            "--name",
            "Kasia",
            "--role",
            "caseworker",
            "--password-stdin",
            stdin=PASSWORD,
        )
        port = free_port()
        log = Path(tmp) / "server.log"
        with log.open("w") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "interp", "serve", "--port", str(port)],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(url, process, log)
            counts, samples = asyncio.run(run(url, process.pid, log, args))
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        return summary(counts, samples, server_tracebacks(log), log)


def wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise SystemExit(f"the server exited:\n{log.read_text()}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{url}/api/health", timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise SystemExit("the server did not start within 30 s")


def summary(counts: Counts, samples: list[Sample], tracebacks: int, log: Path) -> int:
    half = [s for s in samples if s.minute >= samples[-1].minute / 2]
    rss = slope([(s.minute, s.rss_mb) for s in half])
    fds = slope([(s.minute, float(s.fds)) for s in half])
    # Falling is level too: only growth is a leak.
    rss_level, fds_level = rss < LEVEL_RSS_MB_PER_MIN, fds < LEVEL_FDS_PER_MIN
    errors = counts.errors + tracebacks
    print()
    print(
        f"requests made {counts.made}, matched {counts.matched}, joined {counts.joined}, "
        f"captioned {counts.captioned}; uploads {counts.uploads}, done {counts.uploads_done}"
    )
    print(
        f"memory over the last half: {rss:+.2f} MB/min "
        f"({'levelled off' if rss_level else 'still growing'}), "
        f"{samples[0].rss_mb:.0f} -> {samples[-1].rss_mb:.0f} MB"
    )
    print(
        f"open fds over the last half: {fds:+.2f}/min "
        f"({'levelled off' if fds_level else 'still growing'}), "
        f"{samples[0].fds} -> {samples[-1].fds}"
    )
    print(f"requests lost: {counts.lost} (target 0)")
    print(
        f"server errors: {errors} (target 0): {counts.errors} seen by clients, "
        f"{tracebacks} tracebacks in the server log"
    )
    for note in counts.error_notes[:20]:
        print("  ", note)
    if tracebacks:
        last = log.read_text(errors="replace").rsplit("Traceback (most recent call last)", 1)[1]
        print("the server's last traceback ends:", *last.strip().splitlines()[-3:], sep="\n  ")
    ok = rss_level and fds_level and counts.lost == 0 and errors == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
