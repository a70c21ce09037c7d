"""The in-process hub: one node, no external service."""

from __future__ import annotations

import json

from interp.hub import Hub, Message


class MemoryHub(Hub):
    async def publish(self, channel: str, message: Message) -> None:
        # A JSON round trip detaches the message from the publisher's object and rejects
        # what Redis would reject, so code behaves the same on both backends.
        self._dispatch(channel, json.loads(json.dumps(message)))
