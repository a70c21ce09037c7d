"""Live captions through the server: mouth-to-caption latency, accuracy and capacity.

Starts ``interp serve`` in a process of its own (SQLite, a models folder and a home
in a temp folder: the installed speech model is linked in, small test translation
packages for en->es are built and installed), opens rooms as pages do (a resident's
request, accepted by a volunteer), and in each room an aiortc peer streams the
long-form speech of bench_captions.py in real time over the caption connection
(``captions.start`` -> ``captions.answer`` on /ws/room) while the other participant's
WebSocket reads the captions.

Prints, all times taken in this process from audio time zero (when the speaker's
first 20 ms frame went out), with bench_captions.py's definitions:
- final-caption latency at the listener (received - end_s of the caption),
  utterance-final latency (received - true end of the utterance) and first-partial
  latency (first caption received - true start of the utterance);
- the same audio through the caption engine alone, in this process, earlier in the
  same run, and the difference server minus engine;
- delivery: received - (end_s + lag_s) per final, from the moment the engine made it
  (its audio clock then stood at end_s + lag_s) to the listener: the audio's way in
  over WebRTC and the caption's way out over the hub and WebSocket, without the
  engine's compute time, which varies from run to run (finals made after the audio
  stopped are left out: the engine's clock stops with it);
- WER of the listener's finals against the reference transcript;
- server CPU seconds per audio second (all its threads, and its event-loop thread
  apart), and its memory;
- with translation: the listener reads Spanish while the speaker's own page reads
  English (the test packages translate word for word: the words are nonsense, the
  path and its timing are real; --translation-package installs real ones); besides the
  final latencies, per utterance, "first translated words" (the first machine-translated
  text the Spanish reader received, partial or final, minus the utterance's true start)
  beside the English page's first words, p50 and p90;
- N rooms streaming at once (one speaker each): final latency and CPU per N, until
  the server falls behind.

The request is for English, so the speaker's language is pinned as in
bench_captions.py. This process (the speakers' peers and the listeners) shares the
machine with the server; its own CPU is printed too.

    .venv/bin/python scripts/bench_live_captions.py --quick
    .venv/bin/python scripts/bench_live_captions.py --model whisper-base --speakers 1,2,4,6
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fractions
import json
import math
import os
import secrets
import signal
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import av
import httpx
import numpy as np
from aiortc import MediaStreamTrack, RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError
from bench_matching import cpu_seconds, rss_kib, session_cookie, wait_for_health
from benchlib import (
    AUDIO_DIR,
    CHUNK_S,
    LongForm,
    build_long_form,
    final_latencies,
    long_form_from_file,
    manifest_transcript,
    pct,
    replay,
    utterance_latencies,
    warm_up,
)
from websockets.asyncio.client import ClientConnection, connect

from interp.captions import SAMPLE_RATE, CaptionEngine, CaptionEvent, StreamOptions
from interp.captions.scoring import word_error_rate
from interp.config import load_settings
from interp.domain.accounts import Accounts
from interp.domain.organisation import Organisation
from interp.domain.sessions import Sessions
from interp.modelstore import resolve_speech_model
from interp.store.database import Database, upgrade_schema
from interp.translation.packages import install_package_file

REPO = Path(__file__).resolve().parents[1]
LANGUAGE = "en"  # what the speaker speaks and the request is for
TRANSLATED = "es"
SECRET_KEY = secrets.token_hex(32)
PASSWORD = "bench password"
# A live microphone goes on after the last word: silence, then captions.stop.
TAIL_S = 1.5
# Bench_captions.py's test of keeping up: finals no later than this (p95, max).
KEEPS_UP_P95_S, KEEPS_UP_MAX_S = 3.0, 6.0
REPLIES = ("accepted", "error")  # to a volunteer's accept
# How far the server's audio clock may trail what was sent (aiortc's jitter buffer holds
# about 0.1 s): finals made this near the end of the audio count as made after it.
AUDIO_STOP_MARGIN_S = 0.3


class SpeechTrack(MediaStreamTrack):
    """A microphone that plays 16 kHz audio in 20 ms frames at real-time pace, then
    silence; ``t0`` is when its first frame went out."""

    kind = "audio"

    def __init__(self, audio: np.ndarray, tail_s: float = TAIL_S) -> None:
        super().__init__()
        pcm = (np.clip(audio, -1.0, 1.0) * 32767).astype(np.int16)
        self.pcm = np.concatenate([pcm, np.zeros(int(tail_s * SAMPLE_RATE), dtype=np.int16)])
        self.chunk = int(CHUNK_S * SAMPLE_RATE)
        self.sent = 0
        self.t0: float | None = None
        self.most_late_s = 0.0  # the worst delay of a frame behind its real-time slot
        self.done = asyncio.Event()  # speech and tail sent

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        now = time.monotonic()
        if self.t0 is None:
            self.t0 = now
        wait = self.t0 + self.sent / SAMPLE_RATE - now
        if wait > 0:
            await asyncio.sleep(wait)
        else:
            self.most_late_s = max(self.most_late_s, -wait)
        chunk = self.pcm[self.sent : self.sent + self.chunk]
        if len(chunk) < self.chunk:
            # Past the end the microphone goes on hearing silence until the peer closes.
            chunk = np.zeros(self.chunk, dtype=np.int16)
            self.done.set()
        frame = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = SAMPLE_RATE
        frame.pts = self.sent
        frame.time_base = fractions.Fraction(1, SAMPLE_RATE)
        self.sent += self.chunk
        return frame


class Page:
    """One page's /ws/room connection: captions are kept with the time they arrived,
    other messages queue for ``expect``."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self.captions: list[tuple[float, dict[str, Any]]] = []
        self._others: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._pongs: asyncio.Queue[float] = asyncio.Queue()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def join(cls, ws_url: str, hello: dict[str, Any], cookie: str = "") -> Page:
        headers = {"Cookie": cookie} if cookie else {}
        page = cls(await connect(f"{ws_url}/ws/room", additional_headers=headers))
        await page.send({"type": "hello", "session": secrets.token_hex(8), **hello})
        joined = await page.expect("joined")
        if not joined["captions"]["available"]:
            raise SystemExit(f"captions are not available: {joined['captions']['reason']}")
        return page

    async def _read(self) -> None:
        with contextlib.suppress(Exception):
            async for raw in self.connection:
                arrived = time.monotonic()
                message = json.loads(raw)
                if message["type"] == "caption":
                    self.captions.append((arrived, message))
                elif message["type"] == "pong":
                    self._pongs.put_nowait(arrived)
                else:
                    self._others.put_nowait(message)

    async def send(self, message: dict[str, Any]) -> None:
        await self.connection.send(json.dumps(message))

    async def expect(self, kind: str, within: float = 30) -> dict[str, Any]:
        async with asyncio.timeout(within):
            while True:
                message = await self._others.get()
                if message["type"] == kind:
                    return message
                if message["type"] == "error":
                    raise SystemExit(f"the server refused: {message}")

    async def ping(self, round_trips: list[float], every_s: float = 0.25) -> None:
        """Ping the server until cancelled. The server answers on its event loop, so a
        round trip shows how soon the loop gets to each message."""
        while True:
            sent = time.monotonic()
            await self.send({"type": "ping"})
            round_trips.append(await self._pongs.get() - sent)
            await asyncio.sleep(every_s)

    async def read(self, languages: list[str]) -> None:
        await self.send({"type": "captions.language", "languages": languages})
        await self.expect("captions.reading")

    def events(
        self, t0: float, reading: str, translated_only: bool = False
    ) -> list[tuple[float, CaptionEvent]]:
        """The captions for one reading language as engine events, timed from ``t0``;
        with ``translated_only``, only those machine-translated into it."""
        return [
            (arrived - t0, CaptionEvent(
                m["stream"], m["seq"], m["start_s"], m["end_s"], m["text"], m["stable"],
                m["language"], m["final"], m["lag_s"]))
            for arrived, m in self.captions
            if m["reading"] == reading and (m["translated"] or not translated_only)
        ]

    async def close(self) -> None:
        await self.connection.close()
        await self._reader


@dataclass
class Call:
    speaker: Page  # the interpreter's page: its microphone is captioned
    listener: Page  # the resident's page
    track: SpeechTrack | None = None
    answered_s: float = 0.0  # captions.start -> captions.answer
    audio_sent_s: float = 0.0  # speech and silence sent before captions.stop

    @property
    def t0(self) -> float:
        assert self.track is not None and self.track.t0 is not None
        return self.track.t0

    async def stream(self, audio: np.ndarray) -> None:
        """Caption the speaker's microphone playing ``audio``; returns once the last
        caption has gone out (captions.stop finalises and delivers the last sentence)."""
        self.track = SpeechTrack(audio)
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        try:
            pc.addTransceiver(self.track, direction="sendonly")
            await pc.setLocalDescription(await pc.createOffer())
            asked = time.monotonic()
            await self.speaker.send({"type": "captions.start", "sdp": pc.localDescription.sdp})
            answer = await self.speaker.expect("captions.answer", within=120)
            self.answered_s = time.monotonic() - asked
            await pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], "answer"))
            await asyncio.wait_for(self.track.done.wait(), len(audio) / SAMPLE_RATE + 60)
            self.audio_sent_s = self.track.sent / SAMPLE_RATE
            await self.speaker.send({"type": "captions.stop"})
            await self.speaker.expect("captions.stopped", within=120)
            await asyncio.sleep(0.5)  # the last captions on their way to the listener
        finally:
            await pc.close()

    async def leave(self) -> None:
        await self.speaker.send({"type": "leave"})
        await self.speaker.close()
        await self.listener.close()


@dataclass
class Server:
    process: asyncio.subprocess.Process
    url: str
    cookies: list[str]  # one signed-in volunteer per room still to open
    stderr: Path

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://")

    async def open_call(self, http: httpx.AsyncClient) -> Call:
        """A resident's request for English, accepted by a volunteer; both pages joined."""
        made = (await http.post("/api/requests", json={"language": LANGUAGE, "media": "audio"}))
        made.raise_for_status()
        request = made.json()
        cookie = self.cookies.pop()
        async with connect(f"{self.ws_url}/ws/volunteer",
                           additional_headers={"Cookie": cookie}) as dashboard:
            await dashboard.recv()  # the queue
            accept = {"type": "accept", "request": request["request"]["id"]}
            await dashboard.send(json.dumps(accept))
            while (reply := json.loads(await dashboard.recv()))["type"] not in REPLIES:
                pass
        if reply["type"] == "error":
            raise SystemExit(f"could not accept the request: {reply}")
        speaker = await Page.join(self.ws_url, {"room": reply["room"]}, cookie)
        listener = await Page.join(self.ws_url, {"token": request["token"]})
        return Call(speaker, listener)


class Usage:
    """What a span of the run cost: wall time and CPU of the server and of this process."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self._start = self._now()
        self.wall_s = self.server_cpu_s = self.loop_cpu_s = self.own_cpu_s = 0.0

    def _now(self) -> tuple[float, float, float, float]:
        # The server's main thread runs its event loop: sockets, WebRTC, the relay.
        return (time.monotonic(), cpu_seconds(self.pid), thread_cpu_seconds(self.pid, self.pid),
                time.process_time())

    def stop(self) -> Usage:
        now = self._now()
        self.wall_s, self.server_cpu_s, self.loop_cpu_s, self.own_cpu_s = (
            b - a for a, b in zip(self._start, now, strict=True))
        return self


def thread_cpu_seconds(pid: int, tid: int) -> float:
    """User + system CPU time one thread of a process has used, from /proc."""
    fields = Path(f"/proc/{pid}/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def import_tests() -> None:
    """tests/ is not installed: its helpers are imported from the checkout."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))


def word_for_word_packages(folder: Path) -> list[Path]:
    import_tests()
    from tests.translation.argos_package import EN_ES, build_argos_package

    return [build_argos_package(folder, LANGUAGE, TRANSLATED, EN_ES)]


def prepare_models(models_dir: Path, speech_dir: Path, packages: list[Path]) -> None:
    models_dir.mkdir()
    (models_dir / "speech").symlink_to(speech_dir)
    for package in packages:
        install_package_file(models_dir, package)


async def create_volunteers(db_url: str, count: int) -> list[str]:
    """Volunteers for English, written to the database; returns their session cookies."""
    await upgrade_schema(db_url)
    db = Database(db_url)
    try:
        await Organisation(db).set_offered_languages([LANGUAGE, TRANSLATED])
        accounts = Accounts(db, invite_ttl=timedelta(hours=1))
        sessions = Sessions(db)
        cookies = []
        for n in range(count):
            account = await accounts.create(
                f"volunteer{n}@bench.example", f"Volunteer {n}", "volunteer", PASSWORD, [LANGUAGE])
            cookies.append(session_cookie(SECRET_KEY, await sessions.start(account.id)))
        return cookies
    finally:
        await db.close()


@contextlib.asynccontextmanager
async def running_server(
    folder: Path, args: argparse.Namespace, rooms: int
) -> AsyncIterator[Server]:
    """``interp serve`` on its own data, models and home folders; stopped at the end."""
    models_dir = folder / "models"
    packages = args.translation_package or word_for_word_packages(folder)
    prepare_models(models_dir, load_settings().models_dir / "speech", packages)
    data_dir = folder / "data"
    data_dir.mkdir()
    cookies = await create_volunteers(f"sqlite+aiosqlite:///{data_dir / 'interp.db'}", rooms)
    home = folder / "home"
    env = {
        **os.environ,
        "INTERP_DATA_DIR": str(data_dir),
        "INTERP_MODELS_DIR": str(models_dir),
        "INTERP_SECRET_KEY": SECRET_KEY,
        "INTERP_ASR_MODEL": args.model,
        "INTERP_ASR_WORKERS": str(args.workers),
        "INTERP_LOG_LEVEL": "warning",
        # Importing argostranslate makes folders in the home: keep them in the temp folder.
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_CACHE_HOME": str(home / "cache"),
    }
    stderr = folder / "server.log"
    import_tests()
    from tests.live_server import free_port

    port = args.port or free_port()
    log = os.open(stderr, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "interp", "serve", "--port", str(port),
            env=env, stdout=asyncio.subprocess.DEVNULL, stderr=log,
        )
    finally:
        os.close(log)
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            await wait_for_health(url, process)
        except SystemExit:
            print(stderr.read_text()[-2000:], file=sys.stderr)
            raise
        yield Server(process, url, cookies, stderr)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), 60)


@dataclass
class Figures:
    """Latency and accuracy of one reader's captions, with bench_captions.py's definitions."""

    final: list[float]  # received - end_s, per final caption
    # received - (end_s + lag_s), per final: from the moment the engine made it (its audio
    # clock had then reached end_s + lag_s), so the audio's way in and the caption's way out.
    delivery: list[float]
    utterance: list[float]  # received - true end, per utterance
    first_partial: list[float]  # first caption received - true start, per utterance
    wer: float
    finals: int

    @classmethod
    def of(cls, form: LongForm, events: list[tuple[float, CaptionEvent]],
           audio_s: float) -> Figures:
        utterance, first_partial = utterance_latencies(form, events)
        text = " ".join(e.text for _, e in events if e.final)
        final = final_latencies(events)
        return cls(final, delivery_latencies(events, audio_s), utterance, first_partial,
                   word_error_rate(form.reference, text), len(final))


def delivery_latencies(events: list[tuple[float, CaptionEvent]], audio_s: float) -> list[float]:
    """received - (end_s + lag_s) per final made while the speaker's audio (``audio_s``
    seconds in all) still flowed: once it stops, lag_s stops growing while a final waits."""
    return [t - e.end_s - e.lag_s for t, e in events
            if e.final and e.text and e.end_s + e.lag_s < audio_s - AUDIO_STOP_MARGIN_S]


def opening(form: LongForm, seconds: float) -> np.ndarray:
    """The audio of the utterances that end within the first ``seconds``, and their pauses."""
    count = max(1, sum(end <= seconds for end in form.ends))  # inf: all of it
    cut = form.starts[count] if count < len(form.starts) else len(form.audio) / SAMPLE_RATE
    return form.audio[: int(cut * SAMPLE_RATE)]


def print_comparison(engine: Figures, server: Figures, engine_cpu: float,
                     server_cpu: float, loop_cpu: float) -> None:
    rows = [
        ("final-caption latency p50 (s)", pct(engine.final, 50), pct(server.final, 50)),
        ("final-caption latency p95 (s)", pct(engine.final, 95), pct(server.final, 95)),
        ("final-caption latency max (s)", max(engine.final), max(server.final)),
        ("utterance-final latency p50 (s)", pct(engine.utterance, 50), pct(server.utterance, 50)),
        ("utterance-final latency p95 (s)", pct(engine.utterance, 95), pct(server.utterance, 95)),
        ("first-partial latency p50 (s)", pct(engine.first_partial, 50),
         pct(server.first_partial, 50)),
        ("delivery of finals p50 (s)", pct(engine.delivery, 50), pct(server.delivery, 50)),
        ("delivery of finals p95 (s)", pct(engine.delivery, 95), pct(server.delivery, 95)),
        ("WER (%)", 100 * engine.wer, 100 * server.wer),
        ("CPU-s per audio second", engine_cpu, server_cpu),
    ]
    print(f"  {'':34}{'engine':>9}{'server':>9}{'server-engine':>15}")
    for name, alone, through in rows:
        print(f"  {name:34}{alone:9.3f}{through:9.3f}{through - alone:+15.3f}")
    print(f"  finals: engine {engine.finals}, listener {server.finals}; "
          f"server event-loop thread {loop_cpu:.3f} CPU-s per audio second")
    print("  (delivery: received - (end_s + lag_s): from the engine making a final to the "
          "listener, plus the audio's way in)")


def drift_s(events: list[tuple[float, CaptionEvent]], duration: float) -> float:
    """How much later finals came in the last third of the audio than in the first:
    a server that cannot keep up falls ever further behind."""
    finals = [(e.end_s, t - e.end_s) for t, e in events if e.final and e.text]
    first = [lat for end, lat in finals if end < duration / 3]
    last = [lat for end, lat in finals if end >= 2 * duration / 3]
    return pct(last, 50) - pct(first, 50)


async def run_engine_alone(form: LongForm, args: argparse.Namespace) -> tuple[Figures, float]:
    path = resolve_speech_model(load_settings().models_dir, args.model)
    engine = CaptionEngine(path, workers=args.workers)
    try:
        warm_up(engine, form.audio[: 10 * SAMPLE_RATE], LANGUAGE)
        (events,), cpu, _ = await asyncio.to_thread(
            replay, engine, [form.audio], StreamOptions(), LANGUAGE)
    finally:
        engine.close()
    duration = len(form.audio) / SAMPLE_RATE
    return Figures.of(form, events, duration), cpu / duration


async def run(args: argparse.Namespace) -> None:
    if args.audio:
        reference = args.reference or manifest_transcript(args.audio)
        form = long_form_from_file(args.audio, reference)
    else:
        form = build_long_form(args.audio_dir, args.seconds, args.pause)
    duration = len(form.audio) / SAMPLE_RATE
    speakers = [1] if args.quick else sorted(set(args.speakers))
    print(f"model {args.model}, {args.workers} worker(s); long-form stream: "
          f"{len(form.ends)} utterances, {duration:.1f} s; {load_average()}")

    engine, engine_cpu = await run_engine_alone(form, args)
    print(f"engine alone (in this process, 20 ms pushes in real time): {engine.finals} finals, "
          f"{engine_cpu:.3f} CPU-s per audio second")

    rooms = 3 + sum(n for n in speakers if n > 1)  # warm-up, one speaker, translation
    with tempfile.TemporaryDirectory(prefix="interp-bench-") as folder:
        async with running_server(Path(folder), args, rooms) as server, httpx.AsyncClient(
            base_url=server.url, timeout=60
        ) as http:
            await run_server(server, http, form, engine, engine_cpu, speakers, args)
            problems = [line for line in server.stderr.read_text().splitlines() if line.strip()]
        if problems:
            print(f"server log: {len(problems)} line(s), the last: {problems[-1][:200]}")
    print(f"at the end: {load_average()}")


def load_average() -> str:
    # The machine may be shared: latency and capacity figures depend on what else runs.
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"machine load average (1, 5, 15 min) {load} on {os.cpu_count()} CPUs"


@dataclass
class Load:
    """Some speakers streaming at once, one room each: what their listeners received."""

    audio_s: float  # per speaker
    events: list[list[tuple[float, CaptionEvent]]]  # per listener, timed from its speaker's t0
    usage: Usage
    audio_sent_s: list[float]  # per speaker, before captions.stop
    most_late_s: float  # the worst delay of a speaker's frame behind real time
    pings: list[float]  # round trips of a ping to the server meanwhile

    @classmethod
    async def stream(cls, calls: list[Call], clips: list[np.ndarray], pid: int) -> Load:
        usage = Usage(pid)
        pings: list[float] = []
        pinger = asyncio.create_task(calls[0].listener.ping(pings))
        await asyncio.gather(*(call.stream(clip) for call, clip in zip(calls, clips, strict=True)))
        pinger.cancel()
        usage.stop()
        events = [call.listener.events(call.t0, LANGUAGE) for call in calls]
        late = max(call.track.most_late_s for call in calls if call.track is not None)
        sent = [call.audio_sent_s for call in calls]
        return cls(len(clips[0]) / SAMPLE_RATE, events, usage, sent, late, pings)

    @property
    def final(self) -> list[float]:
        return [x for events in self.events for x in final_latencies(events)]

    @property
    def delivery(self) -> list[float]:
        return [x for events, sent in zip(self.events, self.audio_sent_s, strict=True)
                for x in delivery_latencies(events, sent)]

    @property
    def keeps_up(self) -> bool:
        final = self.final
        return bool(final) and pct(final, 95) <= KEEPS_UP_P95_S and max(final) <= KEEPS_UP_MAX_S

    def row(self, cores: int) -> str:
        n = len(self.events)
        final, use = self.final, self.usage
        audio_s = n * self.audio_s
        drift = max(drift_s(events, self.audio_s) for events in self.events)
        return (f"  {n:>2}  {pct(final, 50):9.2f}  {pct(final, 95):5.2f}  "
                f"{max(final, default=math.nan):5.2f}  {pct(self.delivery, 95):8.2f}  "
                f"{drift:+6.2f}  {use.server_cpu_s / audio_s:10.3f}  "
                f"{use.loop_cpu_s / audio_s:5.3f}  {use.server_cpu_s / use.wall_s / cores:6.0%}  "
                f"{use.own_cpu_s / audio_s:5.3f}  {1000 * pct(self.pings, 95):8.0f}  "
                f"{1000 * max(self.pings, default=math.nan):5.0f}  {1000 * self.most_late_s:4.0f}"
                f"  -> {'real time' if self.keeps_up else 'falls behind'}")


LOAD_HEADER = (f"  {'N':>2}  {'final p50':>9}  {'p95':>5}  {'max':>5}  {'delivery':>8}  "
               f"{'drift':>6}  {'server CPU':>10}  {'loop':>5}  {'cores':>6}  {'bench':>5}  "
               f"{'ping p95':>8}  {'max':>5}  {'late':>4}")
LOAD_LEGEND = """\
  final: final-caption latency (s); delivery: its p95 after the engine made the caption (s);
  drift: median final latency in the last third of the audio minus the first (s); server CPU,
  loop (its event-loop thread) and bench (this process): CPU-s per audio second; cores: the
  server's share of the machine; ping: round trip of a ping to the server, which answers on
  its event loop (ms); late: the speakers' worst frame behind real time (ms)"""


async def run_server(server: Server, http: httpx.AsyncClient, form: LongForm, engine: Figures,
                     engine_cpu: float, speakers: list[int], args: argparse.Namespace) -> None:
    pid = server.process.pid
    duration = len(form.audio) / SAMPLE_RATE
    idle, _ = rss_kib(pid)
    print(f"server: interp serve, pid {pid}, RSS {idle / 1024:.0f} MiB before captions")

    # The first caption connection loads the speech model; a short call warms up the workers.
    warm = await server.open_call(http)
    await warm.stream(form.audio[: int(min(duration, 8.0) * SAMPLE_RATE)])
    await warm.leave()
    print(f"warm-up call: first captions.start answered after {warm.answered_s:.2f} s "
          f"(loads the speech model)")

    print(f"one speaker, the other participant reads English ({duration:.1f} s):")
    call = await server.open_call(http)
    await call.listener.read([LANGUAGE])
    one = await Load.stream([call], [form.audio], pid)
    rss, peak = rss_kib(pid)
    await call.leave()
    heard = Figures.of(form, one.events[0], one.audio_sent_s[0])
    print(f"  captions.start answered after {call.answered_s:.2f} s; speaker's frames at most "
          f"{one.most_late_s * 1000:.0f} ms behind real time; pings answered in p50 "
          f"{1000 * pct(one.pings, 50):.0f} ms, p95 {1000 * pct(one.pings, 95):.0f} ms, "
          f"max {1000 * max(one.pings):.0f} ms")
    print_comparison(engine, heard, engine_cpu, one.usage.server_cpu_s / duration,
                     one.usage.loop_cpu_s / duration)
    print(f"  server adds {pct(heard.final, 50) - pct(engine.final, 50):+.2f} s at p50 and "
          f"{pct(heard.final, 95) - pct(engine.final, 95):+.2f} s at p95 of final-caption "
          f"latency (target: at most +0.30 s)")
    print(f"  server RSS {rss / 1024:.0f} MiB now, {peak / 1024:.0f} MiB peak; "
          f"this process used {one.usage.own_cpu_s / duration:.3f} CPU-s per audio second")

    await run_translation(server, http, form, args.translation_seconds)

    clip = form.audio[: int(args.multi_seconds * SAMPLE_RATE)]
    print(f"simultaneous speakers, one room each ({len(clip) / SAMPLE_RATE:.0f} s of speech "
          f"each, offset by 3.7 s; N=1 is the run above):")
    print(LOAD_HEADER)
    cores = len(os.sched_getaffinity(pid))
    best = 0
    for n in speakers:
        if n == 1:
            load = one
        else:
            calls = [await server.open_call(http) for _ in range(n)]
            for each in calls:
                await each.listener.read([LANGUAGE])
            # Offset each copy so that the speakers do not speak in lockstep.
            clips = [np.roll(clip, int(i * 3.7 * SAMPLE_RATE)) for i in range(n)]
            load = await Load.stream(calls, clips, pid)
            for each in calls:
                await each.leave()
        print(load.row(cores))
        if not load.keeps_up:
            break
        best = n
    print(LOAD_LEGEND)
    _, peak = rss_kib(pid)
    print(f"max real-time speakers: {best} (of {', '.join(map(str, speakers))} tried); "
          f"server peak RSS {peak / 1024:.0f} MiB")


def first_shown(form: LongForm, events: list[tuple[float, CaptionEvent]]) -> dict[int, float]:
    """Per utterance (by its index) that had any caption: the first one's arrival minus
    the utterance's true start."""
    shown: dict[int, float] = {}
    for index, (start, end) in enumerate(zip(form.starts, form.ends, strict=True)):
        times = [t for t, e in events if e.text and e.start_s < end and e.end_s > start]
        if times:
            shown[index] = min(times) - start
    return shown


async def run_translation(
    server: Server, http: httpx.AsyncClient, form: LongForm, seconds: float
) -> None:
    audio = opening(form, seconds)
    call = await server.open_call(http)
    await call.listener.read([TRANSLATED])
    await call.speaker.read([LANGUAGE])
    await call.stream(audio)
    await call.leave()
    spanish = call.listener.events(call.t0, TRANSLATED)
    english = call.speaker.events(call.t0, LANGUAGE)
    es, en = final_latencies(spanish), final_latencies(english)
    # Per utterance (only those within the audio streamed have captions): when its last
    # word was final, and when the reader first saw any of it; for the Spanish reader,
    # only machine-translated text counts, partials included.
    en_final, en_first = utterance_latencies(form, english)
    es_final, _ = utterance_latencies(form, spanish)
    _, es_first = utterance_latencies(form, call.listener.events(call.t0, TRANSLATED, True))
    # The same utterance's translated words minus its spoken ones: what the translation
    # path adds, whatever the speech model's own pace on a busy machine.
    spoken_first = first_shown(form, english)
    translated_first = first_shown(form, call.listener.events(call.t0, TRANSLATED, True))
    added = [translated_first[i] - spoken_first[i] for i in translated_first if i in spoken_first]
    translated = sum(1 for _, m in call.listener.captions if m["final"] and m["translated"])
    partials = sum(1 for _, m in call.listener.captions
                   if not m["final"] and m["translated"] and m["text"])
    said = sum(1 for _, m in call.speaker.captions if not m["final"] and m["text"])
    print(f"with translation ({len(audio) / SAMPLE_RATE:.1f} s): the listener reads Spanish, "
          f"the speaker's page English")
    for name, lat in (("English at the speaker's page", en), ("Spanish at the listener", es)):
        print(f"  {name:30} final-caption latency p50 {pct(lat, 50):.2f} s  "
              f"p95 {pct(lat, 95):.2f} s  max {max(lat, default=math.nan):.2f} s  "
              f"({len(lat)} finals)")
    print(f"  Spanish minus English: p50 {pct(es, 50) - pct(en, 50):+.2f} s, "
          f"p95 {pct(es, 95) - pct(en, 95):+.2f} s; {translated} finals and {partials} "
          f"partials machine-translated (of {said} partials at the speaker's page)")
    rows = (
        ("English: first words", en_first),
        ("Spanish: first translated words", es_first),
        ("  minus English first words", added),
        ("English: utterance final", en_final),
        ("Spanish: utterance final", es_final),
    )
    print("  per utterance, received minus the speaker's first word (first words) or last "
          "word (utterance final):")
    for name, lat in rows:
        print(f"  {name:34} p50 {pct(lat, 50):5.2f} s  p90 {pct(lat, 90):5.2f} s  "
              f"max {max(lat, default=math.nan):5.2f} s  ({len(lat)} utterances)")
    if spanish:
        example = next((e.text for _, e in reversed(spanish) if e.final and e.text), "")
        print(f"  e.g. {example[:90]!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="whisper-base")
    parser.add_argument("--workers", type=int, default=2, help="the server's asr_workers")
    parser.add_argument("--audio-dir", type=Path, default=AUDIO_DIR)
    parser.add_argument("--seconds", type=float, default=150.0, help="long-form length")
    parser.add_argument("--pause", type=float, default=0.8, help="pause between utterances")
    parser.add_argument("--audio", type=Path,
                        help="stream this recording instead of the joined long-form stream")
    parser.add_argument("--reference", default="",
                        help="transcript of --audio (default: from manifest.tsv beside it)")
    parser.add_argument("--translation-seconds", type=float, default=60.0,
                        help="speech streamed in the translation run (its first utterances)")
    parser.add_argument("--translation-package", type=Path, action="append",
                        help="an en->es .argosmodel to install instead of the test package")
    parser.add_argument("--speakers", type=lambda s: [int(n) for n in s.split(",")],
                        default=[1, 2, 4, 6], help="simultaneous speakers to try, e.g. 1,2,4,6")
    parser.add_argument("--multi-seconds", type=float, default=45.0,
                        help="audio per speaker in the simultaneous-speakers test")
    parser.add_argument("--quick", action="store_true",
                        help="a 32 s stream and one speaker only, to try the script")
    parser.add_argument("--port", type=int, default=0, help="the server's port (0: a free one)")
    args = parser.parse_args()
    if args.quick:
        args.seconds = min(args.seconds, 32.0)
        args.translation_seconds = math.inf
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
