"""The browsers volunteers asked to be notified on, and checking what a browser sends.

A subscription is what ``PushManager.subscribe`` gives the page: the push service's
endpoint and the browser's keys (``p256dh``, its P-256 public key, and ``auth``, a
16-byte secret), both base64url. The endpoint must be ``https://`` on a public host:
every real push service is, and the server posts to it, so it must not be pointed at
the server's own network. Only a server that itself runs on a loopback address (for
development and tests) also accepts ``http://`` endpoints on loopback.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, select

from interp.domain.errors import InvalidInput
from interp.domain.tokens import new_id, utcnow
from interp.i18n import N_
from interp.store.database import Database, rowcount
from interp.store.models import PushSubscription

MAX_ENDPOINT = 1000
NOT_A_SUBSCRIPTION = N_("This browser sent a push subscription the server cannot use.")
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}


@dataclass(frozen=True)
class Subscription:
    endpoint: str
    p256dh: str
    auth: str
    user_id: str = ""

    def as_info(self) -> dict[str, Any]:
        """The form pywebpush and the browser's ``PushSubscription.toJSON()`` share."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


def _b64url_bytes(text: Any) -> bytes | None:
    if not isinstance(text, str) or not text or len(text) > 200:
        return None
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None


def _endpoint_allowed(endpoint: str, allow_loopback: bool) -> bool:
    try:
        parts = urlsplit(endpoint)
        host = parts.hostname or ""
        parts.port  # noqa: B018 (a port that is not a number raises here)
    except ValueError:
        return False
    if allow_loopback and parts.scheme in ("http", "https") and host in LOOPBACK_HOSTS:
        return True
    if parts.scheme != "https" or not host or host in LOOPBACK_HOSTS:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return "." in host  # a public name, not a bare name of the local network
    return address.is_global


def checked_subscription(data: dict[str, Any], allow_loopback: bool = False) -> Subscription:
    """The subscription in ``data`` (``{"endpoint", "keys": {"p256dh", "auth"}}``), or
    ``InvalidInput`` when any part of it is missing or wrong."""
    endpoint = data.get("endpoint")
    keys = data.get("keys")
    if not isinstance(endpoint, str) or not 0 < len(endpoint) <= MAX_ENDPOINT:
        raise InvalidInput(NOT_A_SUBSCRIPTION, "endpoint")
    if not _endpoint_allowed(endpoint, allow_loopback):
        raise InvalidInput(NOT_A_SUBSCRIPTION, "endpoint")
    if not isinstance(keys, dict):
        raise InvalidInput(NOT_A_SUBSCRIPTION, "keys")
    public_key = _b64url_bytes(keys.get("p256dh"))
    # An uncompressed P-256 point: 0x04, then 32 bytes of x and 32 of y.
    if public_key is None or len(public_key) != 65 or public_key[0] != 4:
        raise InvalidInput(NOT_A_SUBSCRIPTION, "p256dh")
    auth = _b64url_bytes(keys.get("auth"))
    if auth is None or len(auth) != 16:
        raise InvalidInput(NOT_A_SUBSCRIPTION, "auth")
    return Subscription(endpoint, keys["p256dh"], keys["auth"])


class PushSubscriptions:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, user_id: str, subscription: Subscription) -> None:
        """Keep the subscription for this volunteer; the same endpoint subscribed again
        (new keys, or another account signed in on the browser) replaces the old one."""
        async with self.db.session() as session:
            await session.execute(
                delete(PushSubscription).where(PushSubscription.endpoint == subscription.endpoint)
            )
            session.add(
                PushSubscription(
                    id=new_id(),
                    user_id=user_id,
                    endpoint=subscription.endpoint,
                    p256dh=subscription.p256dh,
                    auth=subscription.auth,
                    created_at=utcnow(),
                )
            )

    async def remove(self, user_id: str, endpoint: str) -> bool:
        """Forget this volunteer's subscription at ``endpoint``; whether there was one."""
        async with self.db.session() as session:
            done = await session.execute(
                delete(PushSubscription)
                .where(PushSubscription.user_id == user_id)
                .where(PushSubscription.endpoint == endpoint)
            )
        return rowcount(done) > 0

    async def forget(self, endpoint: str) -> None:
        """The push service said this subscription is gone (404 or 410)."""
        async with self.db.session() as session:
            await session.execute(
                delete(PushSubscription).where(PushSubscription.endpoint == endpoint)
            )

    async def of(self, user_ids: list[str]) -> list[Subscription]:
        if not user_ids:
            return []
        async with self.db.session() as session:
            rows = await session.scalars(
                select(PushSubscription)
                .where(PushSubscription.user_id.in_(user_ids))
                .order_by(PushSubscription.created_at)
            )
            return [Subscription(r.endpoint, r.p256dh, r.auth, r.user_id) for r in rows]

    async def count(self, user_id: str) -> int:
        return len(await self.of([user_id]))
