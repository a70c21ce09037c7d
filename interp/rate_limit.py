"""Limits on how often, and how many at once: one interface, two stores.

A ``RateLimiter`` counts events per key in a fixed window that opens at the key's first
event. Its counts live in ``Counters``: in this process (one node), or in Redis (several
nodes, so a limit holds however requests are spread). ``Slots`` bound how many of
something one key holds at once (open sockets), on this node; a ``TokenBucket`` paces
one socket's messages.

``Limits`` names every door's limits, built from settings: the handlers ask it, never a
limiter of their own.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from interp.domain.tokens import hash_token

if TYPE_CHECKING:
    from interp.config import Settings

log = logging.getLogger("interp.rate_limit")


@dataclass(frozen=True)
class Rate:
    """``count`` events per ``window_s`` seconds; written "count/seconds" in settings."""

    count: int
    window_s: float

    @classmethod
    def parse(cls, text: str) -> Rate:
        count, _, window = text.partition("/")
        try:
            rate = cls(int(count), float(window))
        except ValueError:
            raise ValueError(f"{text!r} is not count/seconds, e.g. 20/600") from None
        if rate.count < 1 or not 0 < rate.window_s < math.inf:
            raise ValueError(f"{text!r} needs a count of at least 1 and a window in seconds")
        return rate


class Counters(Protocol):
    async def add(self, key: str, window_s: float) -> tuple[int, float]:
        """Count one event for ``key``; returns the count in its window and the seconds
        until the window closes."""
        ...

    async def peek(self, key: str) -> tuple[int, float]:
        """The count and seconds left, without counting."""
        ...

    async def clear(self, key: str) -> None: ...

    async def close(self) -> None: ...


class MemoryCounters:
    """Counters of this process (one node)."""

    # Past this many keys, closed windows are swept out as new ones open.
    SWEEP_ABOVE = 10_000

    def __init__(self) -> None:
        self._windows: dict[str, tuple[float, int]] = {}  # key -> (closes at, count)

    def _live(self, key: str, now: float) -> tuple[float, int] | None:
        window = self._windows.get(key)
        if window is not None and window[0] <= now:
            del self._windows[key]
            return None
        return window

    async def add(self, key: str, window_s: float) -> tuple[int, float]:
        now = time.monotonic()
        window = self._live(key, now)
        if window is None:
            if len(self._windows) >= self.SWEEP_ABOVE:
                self._windows = {k: w for k, w in self._windows.items() if w[0] > now}
            window = (now + window_s, 0)
        closes, count = window[0], window[1] + 1
        self._windows[key] = (closes, count)
        return count, closes - now

    async def peek(self, key: str) -> tuple[int, float]:
        now = time.monotonic()
        window = self._live(key, now)
        return (0, 0.0) if window is None else (window[1], window[0] - now)

    async def clear(self, key: str) -> None:
        self._windows.pop(key, None)

    async def close(self) -> None:
        pass


class RedisCounters:
    """Counters shared by every node through Redis. If Redis cannot be reached, limits
    are not enforced (and that is logged) rather than refusing everyone."""

    PREFIX = "interp:limit:"

    def __init__(self, url: str) -> None:
        import redis.asyncio as redis

        self._redis = redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)

    async def add(self, key: str, window_s: float) -> tuple[int, float]:
        from redis.exceptions import RedisError

        name = self.PREFIX + key
        try:
            # One transaction: the window opens with its expiry, so no key outlives it.
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.set(name, 0, px=max(1, int(window_s * 1000)), nx=True)
                pipe.incr(name)
                pipe.pttl(name)
                _, count, left_ms = await pipe.execute()
        except RedisError as exc:
            log.warning("rate limits not enforced: Redis unreachable (%s)", exc)
            return 0, 0.0
        return int(count), max(0, int(left_ms)) / 1000

    async def peek(self, key: str) -> tuple[int, float]:
        from redis.exceptions import RedisError

        name = self.PREFIX + key
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.get(name)
                pipe.pttl(name)
                count, left_ms = await pipe.execute()
        except RedisError as exc:
            log.warning("rate limits not enforced: Redis unreachable (%s)", exc)
            return 0, 0.0
        return int(count or 0), max(0, int(left_ms)) / 1000

    async def clear(self, key: str) -> None:
        from redis.exceptions import RedisError

        with contextlib.suppress(RedisError):
            await self._redis.delete(self.PREFIX + key)

    async def close(self) -> None:
        await self._redis.aclose()


def create_counters(redis_url: str) -> Counters:
    return RedisCounters(redis_url) if redis_url else MemoryCounters()


class RateLimiter:
    """At most ``rate.count`` events per window per key."""

    def __init__(self, counters: Counters, name: str, rate: Rate) -> None:
        self.counters = counters
        self.name = name
        self.rate = rate

    def _key(self, key: str) -> str:
        return f"{self.name}:{key}"

    async def hit(self, key: str) -> float:
        """Count an attempt; 0 if it is within the limit, else seconds until the next
        one may be (the refused attempt counts too, but does not prolong the window)."""
        count, left = await self.counters.add(self._key(key), self.rate.window_s)
        return left if count > self.rate.count else 0.0

    async def blocked(self, key: str) -> float:
        """Seconds until ``key`` may try again; 0 when it may now (nothing is counted)."""
        count, left = await self.counters.peek(self._key(key))
        return left if count >= self.rate.count else 0.0

    async def record(self, key: str) -> None:
        await self.counters.add(self._key(key), self.rate.window_s)

    async def reset(self, key: str) -> None:
        await self.counters.clear(self._key(key))


class Slots:
    """At most ``limit`` held at once per key on this node (e.g. open sockets)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._held: dict[str, int] = {}

    @contextlib.contextmanager
    def hold(self, key: str) -> Iterator[bool]:
        """Take a slot for the block; yields False (holding nothing) when all are taken."""
        held = self._held.get(key, 0)
        if held >= self.limit:
            yield False
            return
        self._held[key] = held + 1
        try:
            yield True
        finally:
            left = self._held[key] - 1
            if left:
                self._held[key] = left
            else:
                del self._held[key]


class TokenBucket:
    """A burst of ``burst`` events, then ``per_s`` a second: what one socket may send."""

    def __init__(self, burst: int, per_s: float) -> None:
        self.burst = burst
        self.per_s = per_s
        self._tokens = float(burst)
        self._at = time.monotonic()

    def take(self) -> bool:
        """Spend a token if there is one; False when the sender must slow down."""
        now = time.monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.per_s)
        self._at = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True


class Limits:
    """Every door's limits, from the ``limit_…`` settings (docs/configuration.md)."""

    def __init__(self, settings: Settings, counters: Counters) -> None:
        def limiter(name: str, setting: str) -> RateLimiter:
            return RateLimiter(counters, name, Rate.parse(setting))

        self.counters = counters
        s = settings
        self._sign_in_account_address = limiter(
            "sign_in:account_address", s.limit_sign_in_per_account_address
        )
        self._sign_in_account = limiter("sign_in:account", s.limit_sign_in_per_account)
        self._sign_in_address = limiter("sign_in:address", s.limit_sign_in_per_address)
        self._requests = limiter("requests:address", s.limit_requests_per_address)
        self._joins_per_invite = limiter("joins:invite", s.limit_guest_joins_per_invite)
        self._joins_per_address = limiter("joins:address", s.limit_guest_joins_per_address)
        self._machine_rooms = limiter("machine_rooms:address", s.limit_machine_rooms_per_address)
        self._uploads = limiter("uploads:account", s.limit_uploads_per_account)
        self.volunteer_sockets = Slots(s.limit_volunteer_sockets_per_account)
        self.room_sockets = Slots(s.limit_room_sockets_per_participant)
        self._socket_burst = s.limit_socket_message_burst
        self._socket_rate = s.limit_socket_messages_per_s

    # Failed sign-ins are counted per account from one address, per account, and per
    # address with a much higher ceiling: guessing at one account is stopped, while the
    # other people behind the same address (an office) still sign in.

    def _sign_in_keys(self, email: str, address: str) -> list[tuple[RateLimiter, str]]:
        account = hash_token(email)  # the counters (perhaps in Redis) keep no email address
        return [
            (self._sign_in_account_address, f"{account}|{address}"),
            (self._sign_in_account, account),
            (self._sign_in_address, address),
        ]

    async def sign_in_wait(self, email: str, address: str) -> float:
        """Seconds before this account may try to sign in from this address again."""
        keys = self._sign_in_keys(email, address)
        return max([await limiter.blocked(key) for limiter, key in keys])

    async def sign_in_failed(self, email: str, address: str) -> None:
        for limiter, key in self._sign_in_keys(email, address):
            await limiter.record(key)

    async def signed_in(self, email: str, address: str) -> None:
        """A success forgives this address its failures for the account (not the rest)."""
        limiter, key = self._sign_in_keys(email, address)[0]
        await limiter.reset(key)

    async def request(self, address: str) -> float:
        """A resident asks for an interpreter (the form or the API)."""
        return await self._requests.hit(address)

    async def guest_join(self, invite_token: str, address: str) -> float:
        # Keyed by the token's hash: the counters (perhaps in Redis) never hold a live link.
        per_invite = await self._joins_per_invite.hit(hash_token(invite_token))
        return max(per_invite, await self._joins_per_address.hit(address))

    async def machine_room(self, address: str) -> float:
        return await self._machine_rooms.hit(address)

    async def upload(self, account_id: str) -> float:
        return await self._uploads.hit(account_id)

    def message_bucket(self) -> TokenBucket:
        """The bucket for one new socket's messages."""
        return TokenBucket(self._socket_burst, self._socket_rate)

    async def close(self) -> None:
        await self.counters.close()
