"""How many people an online meeting holds: every browser sends its camera to every other
(a mesh), so each page encodes and decodes one video stream per other person.

Starts ``interp serve`` in a process of its own (SQLite in a temp folder, captions off),
and for each meeting size N opens N Chromium browsers (Debian's, with the fake camera
and microphone), each a separate process as each person's own computer would be, on the
guest call pages of one online meeting, everyone already let in. Once every page sees
every other's video, it measures over a window:

- CPU per page: the whole browser's processes (psutil), in % of one core;
- what each page sends: video kbit/s over all its streams, frames per second per stream
  (RTCPeerConnection.getStats), the frame height sent, and why the encoder held back
  (``qualityLimitationReason``: cpu, bandwidth or none);
- frames per second each page receives per stream, and how busy the whole machine was.

Then the same again with one page's CPU slowed four times (CDP
``Emulation.setCPUThrottlingRate``): a participant on a weak laptop among others on
ordinary computers; its row shows what that page sends and receives. Only one page is
slowed because Chromium's throttling itself keeps a core busy (an idle page goes from
about 4 % to 90 % of a core), which would swamp this machine; for the same reason its
CPU figure is left out. All browsers share this machine: once it is saturated the
figures say more about it than about one participant's computer, and the table marks
those rows.

The recommended limit comes from a cost model: CPU per page = base + per person x
(N - 1), fitted on the sizes this machine ran unsaturated. A weak laptop is taken to
have two cores, each WEAK_LAPTOP_SLOWDOWN times slower than one of this machine's, and a
meeting may use two thirds of it. The limit is the largest N within that budget at
which every page measured without saturation kept up (at least 15 frames per second sent
and received per stream), the slowed one included. Bigger meetings are not tried once
one fails to connect or hardly sends any video.

    .venv/bin/python scripts/bench_mesh.py
    .venv/bin/python scripts/bench_mesh.py --sizes 2,3,4 --window 5 --no-throttle
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import psutil

from interp.domain.accounts import Accounts
from interp.domain.meetings import Meetings
from interp.domain.organisation import Organisation
from interp.store.database import Database, upgrade_schema

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
    # Hidden or covered windows must not be throttled: each stands for a visible laptop.
    "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
]
SECRET_KEY = secrets.token_hex(32)
THROTTLE = 4
# A page keeps up when it sends and receives this many frames per second per stream
# (Chromium's fake camera makes 20).
KEEPS_UP_FPS = 15.0
# A weak laptop: two cores, each this many times slower than a current server or desktop
# core (low-end laptop processors, such as Celeron and Pentium Silver, score roughly 35-45 %
# of one in single-thread benchmarks). A meeting may take up to two thirds of it: the rest
# is for the system, the browser itself and the captions.
WEAK_LAPTOP_SLOWDOWN = 2.5
WEAK_LAPTOP_CORES = 2
WEAK_LAPTOP_SHARE = 2 / 3
# Below this a page hardly sends video any more: bigger meetings are not tried.
GIVE_UP_FPS = 3.0
# Past this the machine running every browser is itself the bottleneck.
SATURATED_PCT = 90.0

# Every RTCPeerConnection the page makes, for getStats (call.js keeps its own privately).
RECORD_PEERS = """(() => {
  const Native = window.RTCPeerConnection;
  window.__peers = [];
  function Recorded(...args) {
    const pc = new Native(...args);
    window.__peers.push(pc);
    return pc;
  }
  Recorded.prototype = Native.prototype;
  Object.setPrototypeOf(Recorded, Native);
  window.RTCPeerConnection = Recorded;
})();"""
CONNECTED = """n => {
  const live = (window.__peers || []).filter((pc) => pc.connectionState === "connected");
  const videos = [...document.querySelectorAll('#call-videos video:not(#local-video)')]
    .filter((video) => video.videoWidth > 0);
  return live.length >= n && videos.length >= n;
}"""
STATS = """async () => {
  const out = {bytes: 0, frames: 0, streams: 0, height: 0, limited: {}, decoded: 0, inbound: 0};
  for (const pc of window.__peers || []) {
    if (pc.connectionState !== "connected") continue;
    (await pc.getStats()).forEach((s) => {
      if (s.kind !== "video") return;
      if (s.type === "outbound-rtp") {
        out.bytes += s.bytesSent || 0;
        out.frames += s.framesEncoded || 0;
        out.streams += 1;
        out.height += s.frameHeight || 0;
        const why = s.qualityLimitationReason || "none";
        out.limited[why] = (out.limited[why] || 0) + 1;
      } else if (s.type === "inbound-rtp") {
        out.decoded += s.framesDecoded || 0;
        out.inbound += 1;
      }
    });
  }
  return {...out, t: performance.now()};
}"""


@dataclass
class PageFigures:
    cpu_pct: float  # of one core, the whole browser
    send_kbps: float  # all streams
    send_fps: float  # per stream
    recv_fps: float  # per stream
    height: float  # mean frame height sent
    limited: str  # the encoders' most common quality limitation


@dataclass
class Row:
    size: int
    throttled: bool
    pages: list[PageFigures]
    machine_pct: float  # all cores, 100 = every core busy
    failed: str = ""

    @property
    def saturated(self) -> bool:
        return self.machine_pct >= SATURATED_PCT

    def median(self, name: str) -> float:
        return statistics.median(getattr(page, name) for page in self.pages)

    def worst(self, name: str) -> float:
        return min(getattr(page, name) for page in self.pages)

    def keeps_up(self) -> bool:
        return bool(self.pages) and not self.failed and all(
            page.send_fps >= KEEPS_UP_FPS and page.recv_fps >= KEEPS_UP_FPS
            for page in self.pages
        )


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def running_server(folder: Path, largest: int) -> Any:
    """``interp serve`` on a fresh database; yields its URL."""
    data_dir = folder / "data"
    data_dir.mkdir()
    asyncio.run(upgrade_schema(f"sqlite+aiosqlite:///{data_dir / 'interp.db'}"))
    port = free_port()
    env = {
        **os.environ,
        "INTERP_DATA_DIR": str(data_dir),
        "INTERP_SECRET_KEY": SECRET_KEY,
        "INTERP_CAPTIONS": "false",
        "INTERP_MEETING_MAX_PARTICIPANTS": str(largest),
        "INTERP_LOG_LEVEL": "warning",
    }
    with open(folder / "server.log", "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "interp", "serve", "--port", str(port)],
            env=env, stdout=subprocess.DEVNULL, stderr=log,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            if process.poll() is not None:
                raise SystemExit((folder / "server.log").read_text()[-2000:])
            try:
                if httpx.get(f"{url}/api/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise SystemExit("the server did not start")
        yield url, f"sqlite+aiosqlite:///{data_dir / 'interp.db'}"
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(60)


async def meeting_guests(database_url: str, size: int) -> list[str]:
    """A new online meeting with ``size`` guests already let in: their call-link tokens."""
    db = Database(database_url)
    try:
        organisation = Organisation(db)
        await organisation.seed_defaults()
        accounts = Accounts(db, invite_ttl=timedelta(hours=1))
        email = f"host{secrets.token_hex(4)}@bench.example"
        owner = await accounts.create(email, "Host", "caseworker", "bench password", [])
        meetings = Meetings(db, SECRET_KEY, size, organisation)
        meeting = await meetings.create(owner, f"Mesh of {size}", "online", ["es"])
        invite = meetings.links(meeting).invite_token
        tokens = []
        for n in range(size):
            guest = await meetings.join(invite, f"Person {n + 1}", "es")
            await meetings.admit(meeting.id, guest.attendee.id)
            tokens.append(guest.token)
        return tokens
    finally:
        await db.close()


def process_tree_cpu(root: psutil.Process) -> float:
    """CPU seconds used so far by a browser and all its processes."""
    total = 0.0
    for process in [root, *root.children(recursive=True)]:
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.Error:
            continue  # a process that ended meanwhile
    return total


def chromium_roots() -> set[int]:
    me = psutil.Process()
    return {
        p.pid for p in me.children(recursive=True)
        if "chrom" in p.name() and not any("chrom" in a.name() for a in p.parents()[:1])
    }


def launch_browsers(playwright: Any, count: int) -> list[tuple[Any, psutil.Process]]:
    browsers = []
    for _ in range(count):
        before = chromium_roots()
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        new = chromium_roots() - before
        if len(new) != 1:
            raise SystemExit("could not tell which process is the new browser")
        browsers.append((browser, psutil.Process(new.pop())))
    return browsers


def measure(url: str, database_url: str, browsers: list[tuple[Any, psutil.Process]],
            size: int, throttled: bool, window_s: float, connect_s: float) -> Row:
    # In a thread: Playwright's synchronous API keeps an event loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        tokens = pool.submit(asyncio.run, meeting_guests(database_url, size)).result()
    contexts: list[Any] = []
    pages: list[Any] = []
    try:
        for (browser, _), token in zip(browsers, tokens, strict=False):
            context = browser.new_context(viewport={"width": 1024, "height": 700})
            context.add_init_script(RECORD_PEERS)
            page = context.new_page()
            if throttled and not pages:  # the first page is the weak laptop
                cdp = context.new_cdp_session(page)
                cdp.send("Emulation.setCPUThrottlingRate", {"rate": THROTTLE})
            page.goto(f"{url}/m/{token}")
            contexts.append(context)
            pages.append(page)
        deadline = time.monotonic() + connect_s
        for page in pages:
            left_ms = max(1.0, deadline - time.monotonic()) * 1000
            try:
                page.wait_for_function(CONNECTED, arg=size - 1, timeout=left_ms)
            except Exception:
                return Row(size, throttled, [], psutil.cpu_percent(), "did not connect")
        time.sleep(2)  # past the first seconds, when encoders ramp up
        roots = [root for _, root in browsers[:size]]
        stats0 = [page.evaluate(STATS) for page in pages]
        cpu0 = [(time.monotonic(), process_tree_cpu(root)) for root in roots]
        psutil.cpu_percent()
        time.sleep(window_s)
        machine = psutil.cpu_percent()
        cpu1 = [(time.monotonic(), process_tree_cpu(root)) for root in roots]
        stats1 = [page.evaluate(STATS) for page in pages]
        figures = []
        for (t0, c0), (t1, c1), s0, s1 in zip(cpu0, cpu1, stats0, stats1, strict=True):
            seconds = (s1["t"] - s0["t"]) / 1000
            streams = max(1, s1["streams"])
            limited = max(s1["limited"], key=s1["limited"].get) if s1["limited"] else "none"
            figures.append(PageFigures(
                cpu_pct=100 * (c1 - c0) / (t1 - t0),
                send_kbps=8 * (s1["bytes"] - s0["bytes"]) / seconds / 1000,
                send_fps=(s1["frames"] - s0["frames"]) / seconds / streams,
                recv_fps=(s1["decoded"] - s0["decoded"]) / seconds / max(1, s1["inbound"]),
                height=s1["height"] / streams,
                limited=limited,
            ))
        # With one page slowed, that page is the one to report.
        return Row(size, throttled, figures[:1] if throttled else figures, machine)
    finally:
        for context in contexts:
            context.close()


def print_table(rows: list[Row]) -> None:
    print(f"\n{'N':>2} {'CPU x':>5} {'CPU/page %core':>15} {'send kbit/s':>12} "
          f"{'send fps':>9} {'recv fps':>9} {'height':>6} {'held back by':>13} {'machine %':>9}")
    print("   " + " " * 6 + f"{'median (max)':>15} {'median':>12} {'med (min)':>9} "
          f"{'med (min)':>9}")
    for row in rows:
        rate = f"{THROTTLE}x" if row.throttled else "1x"
        if row.failed:
            print(f"{row.size:>2} {rate:>5}   {row.failed}")
            continue
        cpu = f"{row.median('cpu_pct'):.0f} ({max(p.cpu_pct for p in row.pages):.0f})"
        if row.throttled:
            cpu = "(throttler)"
        send = f"{row.median('send_fps'):.0f} ({row.worst('send_fps'):.0f})"
        recv = f"{row.median('recv_fps'):.0f} ({row.worst('recv_fps'):.0f})"
        held = statistics.mode(page.limited for page in row.pages)
        mark = " saturated" if row.saturated else ""
        print(f"{row.size:>2} {rate:>5} {cpu:>15} {row.median('send_kbps'):>12.0f} "
              f"{send:>9} {recv:>9} {row.median('height'):>6.0f} {held:>13} "
              f"{row.machine_pct:>8.0f}%{mark}")


@dataclass
class CostModel:
    """CPU per page (% of one of this machine's cores) = base + per_person * (N - 1), fitted
    where this machine had room."""

    base: float
    per_person: float

    def page_cpu(self, size: int) -> float:
        return self.base + self.per_person * (size - 1)

    def weak_laptop_cpu(self, size: int) -> float:
        """% of one of a weak laptop's cores."""
        return WEAK_LAPTOP_SLOWDOWN * self.page_cpu(size)


def cost_model(rows: list[Row]) -> CostModel | None:
    fits = [(float(row.size - 1), row.median("cpu_pct")) for row in rows
            if row.pages and not row.throttled and not row.saturated]
    if len({x for x, _ in fits}) < 2:
        return None
    per_person, base = linear_fit(fits)
    return CostModel(base, per_person)


def linear_fit(points: list[tuple[float, float]]) -> tuple[float, float]:
    """Least-squares (slope, intercept)."""
    xs, ys = [x for x, _ in points], [y for _, y in points]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / sum(
        (x - mean_x) ** 2 for x in xs
    )
    return slope, mean_y - slope * mean_x


def recommend(rows: list[Row], model: CostModel) -> int:
    """The largest meeting in which a weak laptop's page needs at most WEAK_LAPTOP_SHARE of
    its CPU (from the model), and every page kept up wherever this machine had room."""
    best = 1
    for size in sorted({row.size for row in rows}):
        measured = [row for row in rows if row.size == size and row.pages and not row.saturated]
        if model.weak_laptop_cpu(size) > WEAK_LAPTOP_SHARE * WEAK_LAPTOP_CORES * 100:
            break
        if not all(row.keeps_up() for row in measured):
            break
        best = size
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="2,3,4,5,6,7,8", help="meeting sizes to measure")
    parser.add_argument("--window", type=float, default=5.0, help="seconds measured per size")
    parser.add_argument("--connect", type=float, default=30.0,
                        help="seconds every page may take to see every other")
    parser.add_argument("--no-throttle", action="store_true",
                        help="skip the pass with CPU slowed down")
    args = parser.parse_args()
    sizes = [int(n) for n in args.sizes.split(",")]
    from playwright.sync_api import sync_playwright

    started = time.monotonic()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as folder, \
            running_server(Path(folder), max(sizes)) as (url, database_url), \
            sync_playwright() as playwright:
        browsers = launch_browsers(playwright, max(sizes))
        try:
            for throttled in [False] if args.no_throttle else [False, True]:
                gave_up = False
                for size in sizes:
                    if gave_up:  # a bigger mesh only costs more
                        rows.append(Row(size, throttled, [], 0.0, "not tried: a smaller one "
                                        "failed"))
                        continue
                    row = measure(url, database_url, browsers, size, throttled, args.window,
                                  args.connect)
                    rows.append(row)
                    gave_up = bool(row.failed) or row.worst("send_fps") < GIVE_UP_FPS
                    print(f"N={size} {'throttled' if throttled else 'full speed'}: "
                          f"{row.failed or 'measured'}", flush=True)
        finally:
            for browser, _ in browsers:
                browser.close()
    print(f"\n{os.cpu_count()} CPU cores on this machine, all browsers on it; "
          f"Chromium's fake camera (640x480); {args.window:.0f} s per size; "
          f"run took {time.monotonic() - started:.0f} s.")
    print_table(rows)
    model = cost_model(rows)
    if model is None:
        print("\nToo few sizes measured with this machine unsaturated to fit a cost model.")
        return
    budget = WEAK_LAPTOP_SHARE * WEAK_LAPTOP_CORES * 100
    print(f"\nCPU per page here ~ {model.base:.0f}% + {model.per_person:.0f}% per other person "
          f"(of one core; fitted where this machine had room); a weak laptop's core is taken "
          f"to be {WEAK_LAPTOP_SLOWDOWN} times slower.")
    print("N, and the CPU a page needs on a weak laptop (% of one of its cores; "
          f"budget {budget:.0f}% = {WEAK_LAPTOP_SHARE:.0%} of {WEAK_LAPTOP_CORES} cores):")
    print("  " + "  ".join(f"{n}: {model.weak_laptop_cpu(n):.0f}%" for n in range(2, 11)))
    print(f"Recommended meeting_max_participants: {recommend(rows, model)}")


if __name__ == "__main__":
    main()
