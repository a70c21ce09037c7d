"""Who is told of what: the one place that decides, and sends in the background.

A new request goes to every volunteer who interprets its language, is active and
available, and is inside their weekly hours now: by Web Push to each browser they
subscribed (when the coordinator turned Web Push on), and by email if they asked for it
(when the organisation set a mail server). Nothing here waits on a push service or a
mail server: ``request_announced`` and ``notify_volunteer`` start a task and return, and
a failure is logged, never raised to whoever made the request.

Other parts of interp tell one volunteer of something with ``notify_volunteer`` (e.g.
bookings: ``notifier.notify_volunteer(user_id, {"kind": "booking", "event": "reminder",
"url": "/volunteer"})``). The payload carries what happened and where to look, never a
name or a note: ``messages.checked_payload`` refuses anything else.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select

from interp.config import Settings
from interp.domain.kinds import AccountRole
from interp.domain.request_records import QueuedRequest
from interp.domain.tokens import utcnow
from interp.notify.email import EmailSender
from interp.notify.messages import DASHBOARD, checked_payload, email_for, request_payload
from interp.notify.preferences import NotificationSettings, Preferences
from interp.notify.push import Outcome, PushSender
from interp.notify.subscriptions import PushSubscriptions, Subscription
from interp.notify.vapid import VapidKeys
from interp.store.database import Database
from interp.store.models import User, UserLanguage

log = logging.getLogger(__name__)

# Messages in flight at once: each holds a worker thread while it waits on the network.
PARALLEL_SENDS = 8


def push_contact(settings: Settings) -> str:
    """The VAPID ``sub``: who a push service may write to about this server's messages."""
    if settings.push_contact:
        return settings.push_contact
    public = settings.effective_public_url
    if public.startswith("https://"):
        return public
    sender = settings.smtp_from or settings.smtp_user
    host = urlsplit(public).hostname or "localhost"
    return f"mailto:{sender}" if "@" in sender else f"mailto:interp@{host}"


def server_on_loopback(settings: Settings) -> bool:
    """A development or test server, reachable only from this machine."""
    return urlsplit(settings.effective_public_url).hostname in ("127.0.0.1", "localhost", "::1")


class Notifier:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.public_url = settings.effective_public_url
        self.settings = NotificationSettings(db)
        self.subscriptions = PushSubscriptions(db)
        self.keys = VapidKeys(settings.data_dir)
        self.push = PushSender(self.keys, push_contact(settings))
        self.email = EmailSender(settings)
        # Loopback endpoints only where the server itself is local (see subscriptions).
        self.allow_loopback_endpoints = server_on_loopback(settings)
        self._tasks: set[asyncio.Task[None]] = set()
        self._sending = asyncio.Semaphore(PARALLEL_SENDS)

    # What the rest of interp calls: both return at once.

    def request_announced(self, request: QueuedRequest) -> None:
        """A new request is in the queue."""
        self._start(self.tell_of_request(request.language_code))

    def booking_opened(self, language: str) -> None:
        """A booking in ``language`` is open to claim: its volunteers hear of it within
        their hours, available or not (a booking is for later)."""
        self._start(self.tell_of_booking(language))

    def notify_volunteer(
        self, user_id: str, payload: dict[str, Any], within_hours: bool = True
    ) -> None:
        """Tell one volunteer of something by push and email, as they chose. Unlike a
        request, this reaches them whether or not they are available; ``within_hours``
        keeps to their weekly hours (False: e.g. a booking they took, due soon)."""
        message = checked_payload(payload)
        self._start(self.tell_volunteer(user_id, message, within_hours))

    # The work, awaited by the tasks above (and by tests).

    async def tell_of_request(self, language: str, now: datetime | None = None) -> None:
        recipients = await self._volunteers_for(language)
        await self._tell(recipients, request_payload(language), now or utcnow(), True)

    async def tell_of_booking(self, language: str, now: datetime | None = None) -> None:
        recipients = await self._volunteers_for(language, available_only=False)
        payload = {"kind": "booking", "event": "open", "language": language, "url": DASHBOARD}
        await self._tell(recipients, payload, now or utcnow(), True)

    async def tell_volunteer(
        self,
        user_id: str,
        payload: dict[str, str],
        within_hours: bool = True,
        now: datetime | None = None,
    ) -> None:
        async with self.db.session() as session:
            user = await session.get(User, user_id)
            recipients = {user.id: user.email} if user is not None and user.active else {}
        await self._tell(recipients, payload, now or utcnow(), within_hours)

    async def drain(self) -> None:
        """Wait for every message under way (tests, and a clean shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _start(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(self._guarded(work))
        # Held until done: the loop keeps only weak references to tasks.
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _guarded(self, work: Coroutine[Any, Any, None]) -> None:
        try:
            await work
        except Exception:
            log.exception("volunteers could not be notified")

    async def _volunteers_for(
        self, language: str, available_only: bool = True
    ) -> dict[str, str]:
        """Active volunteers of ``language`` (available ones only, unless told otherwise):
        their ids and email addresses."""
        query = (
            select(User.id, User.email)
            .join(UserLanguage, UserLanguage.user_id == User.id)
            .where(UserLanguage.language_code == language)
            .where(User.role == AccountRole.VOLUNTEER, User.active)
        )
        if available_only:
            query = query.where(User.available)
        async with self.db.session() as session:
            return {user_id: email for user_id, email in await session.execute(query)}

    async def _tell(
        self,
        recipients: dict[str, str],
        payload: dict[str, str],
        now: datetime,
        within_hours: bool,
    ) -> None:
        if not recipients:
            return
        chosen = await self.settings.of_many(list(recipients))
        awake = [
            user_id
            for user_id in recipients
            if not within_hours or chosen.get(user_id, Preferences()).hours.allows(now)
        ]
        sends: list[Coroutine[Any, Any, None]] = []
        if awake and await self.settings.push_enabled():
            for subscription in await self.subscriptions.of(awake):
                sends.append(self._push_one(subscription, payload))
        if self.email.configured:
            for user_id in awake:
                preferences = chosen.get(user_id, Preferences())
                if preferences.email:
                    sends.append(self._email_one(recipients[user_id], payload, preferences.locale))
        await asyncio.gather(*sends)

    async def _push_one(self, subscription: Subscription, payload: dict[str, str]) -> None:
        async with self._sending:
            outcome = await self.push.send(subscription, payload)
        if outcome is Outcome.GONE:
            await self.subscriptions.forget(subscription.endpoint)
            log.info("a push subscription the push service no longer knows was removed")

    async def _email_one(self, to: str, payload: dict[str, str], locale: str) -> None:
        subject, body = email_for(payload, locale, self.public_url)
        async with self._sending:
            await self.email.send(to, subject, body)
