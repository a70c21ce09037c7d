"""Liveness and readiness: whether the process answers, and whether it can do its work.

``/api/health`` says only that the process is up (a supervisor restarts it when not).
``/readyz`` checks each dependency a request needs: the database, the hub (Redis when
several nodes share it) and free space in the data directory; it answers 503 naming the
one that is down, so that a proxy or load balancer sends people elsewhere, and 200 again
by itself once the dependency is back.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from interp.http.state import services

# A check that takes longer than this counts as down: readiness must answer quickly.
CHECK_TIMEOUT_S = 2.0
# Below this, uploads and the SQLite database could fail half-way: stop taking work.
MIN_FREE_BYTES = 64 * 1024 * 1024


async def health(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def _outcome(check: Callable[[], Awaitable[None]]) -> str:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            await check()
    except TimeoutError:
        return f"no answer within {CHECK_TIMEOUT_S:g} s"
    except Exception as exc:  # any failure means not ready; say what it was
        return f"{type(exc).__name__}: {exc}"
    return "ok"


async def readiness(request: Request) -> JSONResponse:
    svc = services(request)
    data_dir = svc.settings.data_dir

    async def disk() -> None:
        free = (await asyncio.to_thread(shutil.disk_usage, data_dir)).free
        if free < MIN_FREE_BYTES:
            raise OSError(f"{free // (1024 * 1024)} MiB free in {data_dir}")

    checks = {
        "database": await _outcome(svc.db.ping),
        "hub": await _outcome(svc.hub.check),
        "disk": await _outcome(disk),
    }
    ready = all(outcome == "ok" for outcome in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "unavailable", "checks": checks},
        status_code=200 if ready else 503,
    )


routes = [
    Route("/api/health", health, methods=["GET"]),
    Route("/readyz", readiness, methods=["GET"]),
]
