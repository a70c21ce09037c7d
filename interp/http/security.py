"""Secrets, CSRF tokens, same-origin checks and rate limits."""

from __future__ import annotations

import hmac
import os
import secrets
import time
from collections import deque
from pathlib import Path

from starlette.requests import HTTPConnection

from interp.config import Settings

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def secret_key(settings: Settings) -> str:
    """The configured key, or one generated on first start and kept in the data directory."""
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.data_dir) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # Created readable by the owner only; O_EXCL so two starting processes cannot both write.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def csrf_token(conn: HTTPConnection) -> str:
    """This session's CSRF token (created on first use); forms and API calls must echo it."""
    token = conn.session.get(CSRF_FIELD)
    if not token:
        token = secrets.token_urlsafe(32)
        conn.session[CSRF_FIELD] = token
    return str(token)


def csrf_ok(conn: HTTPConnection, sent: str | None) -> bool:
    expected = conn.session.get(CSRF_FIELD)
    return bool(expected and sent) and hmac.compare_digest(str(expected), str(sent))


def same_origin(conn: HTTPConnection) -> bool:
    """Whether a browser's Origin header (if any) names this host: a cookie-authenticated
    WebSocket must not be openable from another site."""
    origin = conn.headers.get("origin")
    if origin is None:
        return True  # not a browser; it cannot carry a victim's cookies to us unasked
    host = conn.headers.get("host", "")
    return origin.split("://", 1)[-1].rstrip("/") == host


class RateLimiter:
    """At most ``limit`` events per ``window_s`` seconds per key (in memory, per process)."""

    def __init__(self, limit: int, window_s: float) -> None:
        self.limit = limit
        self.window_s = window_s
        self._events: dict[str, deque[float]] = {}

    def _prune(self, key: str, now: float) -> int:
        """Forget events older than the window; returns how many are left for ``key``."""
        events = self._events.get(key)
        if events is None:
            return 0
        while events and events[0] <= now - self.window_s:
            events.popleft()
        if not events:
            del self._events[key]
        return len(events)

    def blocked(self, key: str) -> float:
        """Seconds until ``key`` may try again; 0 when it may now."""
        now = time.monotonic()
        if self._prune(key, now) < self.limit:
            return 0.0
        return self._events[key][0] + self.window_s - now

    def record(self, key: str) -> None:
        now = time.monotonic()
        self._prune(key, now)
        self._events.setdefault(key, deque()).append(now)

    def reset(self, key: str) -> None:
        self._events.pop(key, None)
