"""The languages caption viewers read, as every node can see them.

A caption viewer (someone following a meeting on the caption-view link) is no
participant of the room, so the database does not know what they read. Instead
each viewer's connection says so on the room's viewers channel: when it opens,
whenever it changes language, and every ``HEARTBEAT_S`` while it stays, and says
``viewer.gone`` when it closes. The node that captions the room follows that
channel and translates into every language heard there in the last ``FRESH_S``
(a viewer whose node died stops counting by itself).

Events on ``viewers:<room>`` (the viewers' are made in ``interp.live.interface``):
- ``viewer.languages``: ``viewer`` (a random id per connection), ``languages``;
- ``viewer.gone``: ``viewer``;
- ``viewers.call``: a node began captioning the room: every viewer says what it reads now,
  so the first captions are already translated for them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

from interp.hub import Hub, SubscriptionLost
from interp.hub.channels import viewers_channel
from interp.live.interface import HEARTBEAT_S

log = logging.getLogger(__name__)

# Three heartbeats missed: that viewer has gone without saying so.
FRESH_S = 3 * HEARTBEAT_S

CALL_EVENT = {"event": "viewers.call"}


class ViewerLanguages:
    """What the viewers of the rooms this node captions read, heard on their channels."""

    def __init__(self, hub: Hub, clock: Callable[[], float] = time.monotonic) -> None:
        self.hub = hub
        self.clock = clock
        # room -> viewer -> (when last heard, languages)
        self._heard: dict[str, dict[str, tuple[float, tuple[str, ...]]]] = {}
        self._followers: dict[str, asyncio.Task[None]] = {}

    async def follow(self, room_id: str) -> None:
        """Listen to the room's viewers (once listening, ask them to speak up)."""
        if room_id in self._followers:
            return
        listening = asyncio.Event()
        self._heard[room_id] = {}
        self._followers[room_id] = asyncio.create_task(
            self._listen(room_id, listening), name=f"viewers-{room_id}"
        )
        await listening.wait()

    def unfollow(self, room_id: str) -> None:
        """Stop listening (at once: a new ``follow`` may come before the listener has ended)."""
        task = self._followers.pop(room_id, None)
        self._heard.pop(room_id, None)
        if task is not None:
            task.cancel()

    def languages(self, room_id: str) -> set[str]:
        """The languages the room's viewers read now."""
        heard = self._heard.get(room_id)
        if not heard:
            return set()
        now = self.clock()
        for viewer in [v for v, (at, _) in heard.items() if now - at > FRESH_S]:
            del heard[viewer]
        return {code for _, languages in heard.values() for code in languages}

    async def close(self) -> None:
        tasks = list(self._followers.values())
        for room_id in list(self._followers):
            self.unfollow(room_id)
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _listen(self, room_id: str, listening: asyncio.Event) -> None:
        channel = viewers_channel(room_id)
        try:
            while True:
                try:
                    async with self.hub.subscribe(channel) as sub:
                        await self.hub.publish(channel, CALL_EVENT)
                        listening.set()
                        async for message in sub:
                            self._heard_from(room_id, message.data)
                except SubscriptionLost:
                    continue  # subscribe and ask again: heartbeats may have been missed
                return
        except Exception:  # captions go on, translated for the participants alone
            log.exception("lost the caption viewers of room %s", room_id)
        finally:
            listening.set()

    def _heard_from(self, room_id: str, event: dict[str, Any]) -> None:
        heard = self._heard.get(room_id)
        viewer = event.get("viewer")
        if heard is None or not isinstance(viewer, str):
            return
        if event.get("event") == "viewer.languages":
            languages = tuple(code for code in event.get("languages", ()) if isinstance(code, str))
            heard[viewer] = (self.clock(), languages)
        elif event.get("event") == "viewer.gone":
            heard.pop(viewer, None)
