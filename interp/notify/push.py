"""Sending one Web Push message: encrypted to the browser's keys (RFC 8291, aes128gcm),
signed with the server's VAPID key (RFC 8292), posted to the push service (RFC 8030).

The push service learns that a message was sent, to which subscription and when; it
cannot read the message. pywebpush posts with ``requests``, which blocks: each send runs
in a worker thread with a timeout, never on the event loop.
"""

from __future__ import annotations

import asyncio
import enum
import json
import logging
from typing import Any
from urllib.parse import urlsplit

from pywebpush import WebPushException, webpush

from interp.notify.subscriptions import Subscription
from interp.notify.vapid import VapidKeys

log = logging.getLogger(__name__)

# Seconds to wait for a push service before giving up on the message.
SEND_TIMEOUT_S = 10.0
# How long the push service keeps a message for a browser that is offline: a request
# still waiting after this long has long been seen by someone, or gone to machine
# interpretation.
TIME_TO_LIVE_S = 15 * 60


class Outcome(enum.Enum):
    SENT = "sent"
    GONE = "gone"  # 404 or 410: the subscription no longer exists; forget it
    FAILED = "failed"  # anything else: kept, and tried again next time


class PushSender:
    def __init__(self, keys: VapidKeys, contact: str) -> None:
        self.keys = keys
        self.contact = contact

    def _send_blocking(self, subscription: Subscription, payload: dict[str, Any]) -> Outcome:
        endpoint = urlsplit(subscription.endpoint)
        claims: dict[str, str | int] = {
            "sub": self.contact,
            "aud": f"{endpoint.scheme}://{endpoint.netloc}",
        }
        try:
            webpush(
                subscription.as_info(),
                data=json.dumps(payload, separators=(",", ":")),
                vapid_private_key=self.keys.signer,
                vapid_claims=claims,
                content_encoding="aes128gcm",
                timeout=SEND_TIMEOUT_S,
                ttl=TIME_TO_LIVE_S,
                # A waiting person: deliver now, even to a phone saving its battery.
                headers={"Urgency": "high"},
            )
        except WebPushException as exc:
            status = exc.response.status_code if exc.response is not None else None
            if status in (404, 410):
                return Outcome.GONE
            log.warning("a push service refused a message (status %s)", status)
            return Outcome.FAILED
        except Exception as exc:  # a network fault must not reach the caller
            log.warning("a push service could not be reached: %s", type(exc).__name__)
            return Outcome.FAILED
        return Outcome.SENT

    async def send(self, subscription: Subscription, payload: dict[str, Any]) -> Outcome:
        try:
            return await asyncio.wait_for(
                asyncio.to_thread(self._send_blocking, subscription, payload),
                SEND_TIMEOUT_S + 5,
            )
        except TimeoutError:
            log.warning("a push service did not answer in time")
            return Outcome.FAILED
