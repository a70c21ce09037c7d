"""What each resident page costs to load: bytes transferred and number of requests.

Residents open interp on old phones over poor connections, so its pages must stay
light (target: under 150 KB for the request page). This script starts interp on a
free port with an empty database of its own (or measures a running server given with
``--url``), opens each resident page in a fresh Chromium profile (nothing cached) and
prints what went over the network, as Chromium's network log counts it (compressed
bytes including headers). A second load of the same page shows what a returning
visitor transfers.

    .venv/bin/python scripts/page_weight.py
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

import httpx
from playwright.sync_api import Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
]
VOLUNTEER_EMAIL = "page-weight@example.org"
VOLUNTEER_PASSWORD = "page weight volunteer"
TARGET_BYTES = 150 * 1024
INTERP = [sys.executable, "-m", "interp"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def local_server() -> Iterator[str]:
    """interp on a free port with a throwaway data directory and one volunteer account."""
    with tempfile.TemporaryDirectory(prefix="interp-page-weight-") as data_dir:
        port = free_port()
        env = {**os.environ, "INTERP_DATA_DIR": data_dir, "INTERP_PORT": str(port)}
        subprocess.run([*INTERP, "db", "upgrade"], env=env, check=True, capture_output=True)
        subprocess.run(
            [*INTERP, "users", "create", "--email", VOLUNTEER_EMAIL, "--name", "Volunteer",
             "--role", "volunteer", "--languages", "es", "--password-stdin"],
            env=env, check=True, capture_output=True, input=VOLUNTEER_PASSWORD.encode(),
        )
        server = subprocess.Popen(
            [*INTERP, "serve", "--port", str(port)], env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(200):
                try:
                    if httpx.get(url + "/api/health", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if server.poll() is not None:
                    raise SystemExit("interp serve exited before it answered")
                time.sleep(0.1)
            yield url
        finally:
            server.terminate()
            server.wait(timeout=15)


def csrf_token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    if found is None:
        raise SystemExit("the page has no CSRF token (not signed in?)")
    return found[1]


def resident_pages(url: str) -> list[tuple[str, str]]:
    """(name, path) of each page a resident sees, from asking to being in a call."""
    with httpx.Client(base_url=url) as resident, httpx.Client(base_url=url) as volunteer:
        waiting = resident.post("/api/requests", json={"language": "es", "media": "video"})
        waiting.raise_for_status()
        matched = resident.post("/api/requests", json={"language": "es", "media": "video"})
        matched.raise_for_status()
        volunteer.post("/login", data={
            "email": VOLUNTEER_EMAIL, "password": VOLUNTEER_PASSWORD,
            "csrf_token": csrf_token(volunteer.get("/login").text)})
        accepted = volunteer.post(
            f"/api/requests/{matched.json()['request']['id']}/accept",
            # Signing in starts a new session with a CSRF token of its own.
            headers={"x-csrf-token": csrf_token(volunteer.get("/account").text)},
        )
        accepted.raise_for_status()
    return [
        ("home", "/"),
        ("request", "/request"),
        ("queue", waiting.json()["queue_url"]),
        ("call", matched.json()["call_url"]),
        ("link not valid", "/q/" + "A" * 43),
    ]


def measure(page: Page, url: str) -> tuple[int, int]:
    """Bytes received and requests made while loading ``url`` until the network is idle."""
    session = page.context.new_cdp_session(page)
    session.send("Network.enable")
    received: dict[str, int] = {}
    requests: set[str] = set()

    def on_request(event: dict[str, Any]) -> None:
        if not event["request"]["url"].startswith("data:"):
            requests.add(event["requestId"])

    def on_finished(event: dict[str, Any]) -> None:
        received[event["requestId"]] = int(event["encodedDataLength"])

    session.on("Network.requestWillBeSent", on_request)
    session.on("Network.loadingFinished", on_finished)
    page.goto(url, wait_until="networkidle")
    session.detach()
    return sum(received.get(r, 0) for r in requests), len(requests)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="measure this running server instead of starting one")
    args = parser.parse_args()
    with nullcontext(args.url) if args.url else local_server() as url:
        pages = resident_pages(url)
        print(f"{'page':<16} {'first visit':>12} {'requests':>9} {'repeat visit':>13} "
              f"{'requests':>9}")
        over_target = False
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for name, path in pages:
                context = browser.new_context(viewport={"width": 360, "height": 740})
                page = context.new_page()
                first_bytes, first_count = measure(page, url + path)
                again_bytes, again_count = measure(page, url + path)
                context.close()
                print(f"{name:<16} {first_bytes / 1024:>9.1f} KB {first_count:>9} "
                      f"{again_bytes / 1024:>10.1f} KB {again_count:>9}")
                if name == "request" and first_bytes > TARGET_BYTES:
                    over_target = True
            browser.close()
        print(f"target: request page under {TARGET_BYTES // 1024} KB on a first visit: "
              f"{'MISSED' if over_target else 'met'}")
    return 1 if over_target else 0


if __name__ == "__main__":
    raise SystemExit(main())
