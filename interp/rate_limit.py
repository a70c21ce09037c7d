"""Counting attempts in a sliding window, e.g. sign-ins per address."""

from __future__ import annotations

import time
from collections import deque


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
