"""The hub: named channels that fan JSON messages out to every subscriber.

One interface, two backends: in-process for a single node (``redis_url`` empty)
and Redis pub/sub for several nodes. Either way a node keeps one local table of
channel → subscriptions, so a thousand WebSockets on one channel cost one Redis
subscription, not a thousand.

A subscriber that falls too far behind, or whose backend connection broke, gets
``SubscriptionLost`` from its iterator instead of a silent gap: its owner
(typically a WebSocket) should resynchronise from the store and subscribe again.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any

Message = dict[str, Any]

# Per-subscription backlog; a consumer this far behind is cut off rather than
# letting memory grow without bound.
DEFAULT_BACKLOG = 1000


@dataclass(frozen=True, slots=True)
class HubMessage:
    channel: str
    # Shared by every local subscriber of the channel: read it, don't change it.
    data: Message


class HubDown(Exception):
    """The hub's backend cannot be reached now: nothing was published."""


class SubscriptionLost(Exception):
    """Messages may have been missed: the subscriber fell behind or the backend dropped."""


class Subscription:
    """Messages from a set of channels, in order per channel.

    Use as ``async with hub.subscribe("room:1") as sub: async for msg in sub: …``.
    """

    def __init__(self, hub: Hub, channels: tuple[str, ...], backlog: int) -> None:
        self._hub = hub
        self._initial = channels
        self._backlog = backlog
        self.channels: set[str] = set()
        # Unbounded queue with the bound enforced in _deliver, so that the end marker
        # (None) always fits behind the messages already queued.
        self._queue: asyncio.Queue[HubMessage | None] = asyncio.Queue()
        self._lost: str | None = None
        self._closed = False

    async def __aenter__(self) -> Subscription:
        for channel in self._initial:
            await self.add(channel)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def add(self, channel: str) -> None:
        if channel not in self.channels and not self._closed:
            self.channels.add(channel)
            await self._hub._attach(channel, self)

    async def remove(self, channel: str) -> None:
        if channel in self.channels:
            self.channels.discard(channel)
            await self._hub._detach(channel, self)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for channel in list(self.channels):
            await self.remove(channel)
        self._queue.put_nowait(None)

    def _deliver(self, message: HubMessage) -> None:
        if self._lost or self._closed:
            return
        if self._queue.qsize() >= self._backlog:
            self._fail("subscriber fell behind")
            return
        self._queue.put_nowait(message)

    def _fail(self, reason: str) -> None:
        if not self._lost and not self._closed:
            self._lost = reason
            self._queue.put_nowait(None)

    def __aiter__(self) -> AsyncIterator[HubMessage]:
        return self

    async def __anext__(self) -> HubMessage:
        message = await self._queue.get()
        if message is not None:
            return message
        self._queue.put_nowait(None)  # keep the end visible to later calls
        if self._lost:
            raise SubscriptionLost(self._lost)
        raise StopAsyncIteration


class Hub(ABC):
    def __init__(self, backlog: int = DEFAULT_BACKLOG) -> None:
        self._backlog = backlog
        self._local: dict[str, set[Subscription]] = {}

    def subscribe(self, *channels: str) -> Subscription:
        return Subscription(self, channels, self._backlog)

    @abstractmethod
    async def publish(self, channel: str, message: Message) -> None:
        """Send ``message`` to every subscriber of ``channel`` on every node; ``HubDown``
        when the backend cannot be reached."""

    async def check(self) -> None:
        """Raise ``HubDown`` if the backend cannot be reached now (the in-process hub always
        can): a change that must be announced is refused before it is made."""
        return None

    async def close(self) -> None:
        for subs in list(self._local.values()):
            for sub in list(subs):
                await sub.close()

    def subscriber_count(self, channel: str) -> int:
        """Subscribers of ``channel`` on this node."""
        return len(self._local.get(channel, ()))

    def _dispatch(self, channel: str, message: Message) -> None:
        for sub in list(self._local.get(channel, ())):
            sub._deliver(HubMessage(channel, message))

    async def _attach(self, channel: str, sub: Subscription) -> None:
        subs = self._local.setdefault(channel, set())
        subs.add(sub)
        if len(subs) == 1:
            await self._first_subscriber(channel)

    async def _detach(self, channel: str, sub: Subscription) -> None:
        subs = self._local.get(channel)
        if subs is None:
            return
        subs.discard(sub)
        if not subs:
            del self._local[channel]
            await self._last_subscriber_gone(channel)

    async def _first_subscriber(self, channel: str) -> None:
        """A backend hook: this node now listens on ``channel``."""
        return None

    async def _last_subscriber_gone(self, channel: str) -> None:
        """A backend hook: nobody on this node listens on ``channel`` any more."""
        return None

    def _lose_all(self, reason: str) -> None:
        for subs in self._local.values():
            for sub in subs:
                sub._fail(reason)


def create_hub(redis_url: str = "", backlog: int = DEFAULT_BACKLOG) -> Hub:
    """The in-process hub when ``redis_url`` is empty, else the Redis pub/sub hub."""
    if not redis_url:
        from interp.hub.memory_hub import MemoryHub

        return MemoryHub(backlog)
    from interp.hub.redis_hub import RedisHub

    return RedisHub(redis_url, backlog)
