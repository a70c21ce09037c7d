"""The Redis pub/sub hub: several nodes share channels through one Redis server.

Each node holds one pub/sub connection and one reader task; local subscribers
are served from the table in ``Hub``. If the connection breaks, every local
subscription is told (``SubscriptionLost``) and the reader reconnects; redis-py
re-subscribes the channels it had.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import defaultdict, deque

import redis.asyncio as redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from interp.hub import Hub, HubDown, Message

log = logging.getLogger(__name__)

PREFIX = "interp:"
# How long a node waits for Redis to confirm a subscription before giving up.
SUBSCRIBE_TIMEOUT_S = 5.0


class RedisHub(Hub):
    def __init__(self, url: str, backlog: int) -> None:
        super().__init__(backlog)
        self._redis = redis.from_url(url)
        self._pubsub = self._redis.pubsub()
        self._reader: asyncio.Task[None] | None = None
        # Futures waiting for Redis to confirm a subscription, oldest first per channel.
        self._pending: defaultdict[str, deque[asyncio.Future[None]]] = defaultdict(deque)

    async def publish(self, channel: str, message: Message) -> None:
        data = json.dumps(message)
        try:
            await self._redis.publish(PREFIX + channel, data)
        except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
            raise HubDown(f"Redis cannot be reached: {exc}") from exc

    async def check(self) -> None:
        try:
            await self._redis.ping()
        except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
            raise HubDown(f"Redis cannot be reached: {exc}") from exc

    async def _first_subscriber(self, channel: str) -> None:
        confirmed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending[channel].append(confirmed)
        await self._pubsub.subscribe(PREFIX + channel)
        if self._reader is None:
            self._reader = asyncio.create_task(self._read(), name="redis-hub-reader")
        # Only once Redis confirms can a publish that follows be sure to reach us.
        await asyncio.wait_for(confirmed, SUBSCRIBE_TIMEOUT_S)

    async def _last_subscriber_gone(self, channel: str) -> None:
        with contextlib.suppress(RedisConnectionError, RedisTimeoutError):
            await self._pubsub.unsubscribe(PREFIX + channel)

    async def _read(self) -> None:
        backoff = 0.2
        while True:
            try:
                raw = await self._pubsub.get_message(timeout=1.0)
                backoff = 0.2
            except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
                log.warning("hub lost its Redis connection (%s); reconnecting", exc)
                self._lose_all("the hub lost its Redis connection")
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            if raw is not None:
                self._handle(raw)

    def _handle(self, raw: dict[str, object]) -> None:
        kind = raw.get("type")
        name = raw.get("channel")
        channel = (name.decode() if isinstance(name, bytes) else str(name))[len(PREFIX) :]
        if kind == "message":
            data = raw.get("data")
            try:
                message = json.loads(data) if isinstance(data, (bytes, str)) else None
            except ValueError:
                message = None
            if isinstance(message, dict):
                self._dispatch(channel, message)
            else:
                log.warning("ignored a malformed hub message on %s", channel)
        elif kind == "subscribe":
            waiting = self._pending.get(channel)
            if waiting:
                future = waiting.popleft()
                if not future.done():
                    future.set_result(None)
                if not waiting:
                    del self._pending[channel]

    async def close(self) -> None:
        await super().close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
            self._reader = None
        await self._pubsub.aclose()
        await self._redis.aclose()
