"""How long a resident waits before machine interpretation is offered.

The coordinator's setting overrides the server's configured default
(``Settings.fallback_wait_s``). Outside opening hours the wait is 0: nobody is expected
to answer, so machine interpretation is offered at once, while an interpreter who is
about may still take the request.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from interp.domain.errors import InvalidInput
from interp.domain.opening_hours import server_time_zone, week_from
from interp.domain.organisation_settings import all_settings, change_settings
from interp.domain.tokens import utcnow
from interp.i18n import N_
from interp.store.database import Database

FALLBACK_WAIT_KEY = "fallback_wait_s"
FALLBACK_WAIT_EVENT = "settings.fallback_wait"
MAX_FALLBACK_WAIT_S = 3600
WAIT_RANGE = N_("The wait must be a whole number of seconds from 0 to 3600.")


class FallbackWait:
    def __init__(self, db: Database, default: timedelta, time_zone: str | None = None) -> None:
        self.db = db
        self.default = default
        self.time_zone = time_zone or server_time_zone()

    @staticmethod
    def _stored(settings: dict[str, str]) -> int | None:
        try:
            seconds = int(settings.get(FALLBACK_WAIT_KEY, ""))
        except ValueError:
            return None
        return seconds if 0 <= seconds <= MAX_FALLBACK_WAIT_S else None

    async def configured_s(self) -> int | None:
        """The coordinator's setting, or None where the server's default applies."""
        return self._stored(await all_settings(self.db))

    async def seconds(self) -> float:
        """The wait during opening hours."""
        stored = await self.configured_s()
        return self.default.total_seconds() if stored is None else float(stored)

    async def open_now(self, at: datetime | None = None) -> bool:
        week = week_from(await all_settings(self.db), self.time_zone)
        return week.is_open(at or utcnow())

    async def now(self, at: datetime | None = None) -> timedelta:
        """The wait that applies at ``at``: 0 outside opening hours."""
        settings = await all_settings(self.db)
        if not week_from(settings, self.time_zone).is_open(at or utcnow()):
            return timedelta(0)
        stored = self._stored(settings)
        return self.default if stored is None else timedelta(seconds=stored)

    async def set_seconds(self, seconds: int | None, actor_id: str) -> None:
        """Set the wait; None goes back to the server's default."""
        if seconds is not None and not 0 <= seconds <= MAX_FALLBACK_WAIT_S:
            raise InvalidInput(WAIT_RANGE, "wait")
        value = None if seconds is None else str(seconds)
        await change_settings(
            self.db, {FALLBACK_WAIT_KEY: value}, FALLBACK_WAIT_EVENT, actor_id, {"seconds": seconds}
        )
