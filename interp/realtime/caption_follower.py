"""Following a room's captions in the languages a page reads, whichever node makes them."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from interp.hub import Hub, SubscriptionLost
from interp.hub.channels import captions_channel

Deliver = Callable[[dict[str, Any]], Awaitable[None]]


class CaptionFollower:
    """Hands each caption of the room, in the languages read, to ``deliver``."""

    def __init__(self, hub: Hub, room_id: str, deliver: Deliver) -> None:
        self.hub = hub
        self.room_id = room_id
        self.deliver = deliver
        self._task: asyncio.Task[None] | None = None

    def follow(self, languages: Iterable[str]) -> None:
        """Read these languages from now on, in place of any read before."""
        if self._task is not None:
            self._task.cancel()
        channels = [captions_channel(self.room_id, code) for code in languages]
        self._task = asyncio.create_task(self._pump(channels))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _pump(self, channels: list[str]) -> None:
        while True:
            try:
                async with self.hub.subscribe(*channels) as sub:
                    async for message in sub:
                        await self.deliver(message.data)
            except SubscriptionLost:
                continue  # a slow reader missed captions: carry on with the next ones
