"""The real ``interp`` command in a process of its own, as an operator runs it."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest


def interp(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    """Run an ``interp`` command to the end; what it printed."""
    done = subprocess.run(
        [sys.executable, "-m", "interp", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


@contextmanager
def server_process(env: dict[str, str], port: int, log: Path) -> Iterator[str]:
    """``interp serve`` in a process of its own; killed (SIGKILL, no clean shutdown) at the end."""
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "interp", "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            if process.poll() is not None:
                pytest.fail(f"server exited: {log.read_text()}")
            try:
                if httpx.get(f"{url}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        yield url
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
