"""When the organisation is open: hours per weekday in its own time zone.

With no hours set the service is always open (the default). Outside the hours a resident
may still ask for an interpreter, but is offered machine interpretation at once
(``interp.domain.fallback_wait``). A day's hours end on that day: opening across
midnight is refused rather than guessed at.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from interp.domain.errors import InvalidInput
from interp.domain.organisation_settings import all_settings, change_settings
from interp.domain.tokens import utcnow
from interp.i18n import N_
from interp.store.database import Database

HOURS_KEY = "opening_hours.{day}"  # day 0 = Monday; "09:00-17:00" or "closed"
ALWAYS_OPEN_KEY = "opening_hours.always"
TIME_ZONE_KEY = "time_zone"
HOURS_EVENT = "settings.opening_hours"
CLOSED = "closed"
WEEKDAYS = range(7)

# What the settings form says about refused hours, in the reader's language.
TIME_FORMAT = N_("Write times as hours and minutes, like 09:00.")
BOTH_TIMES = N_("Give both an opening and a closing time for a day, or neither if it is closed.")
CLOSES_AFTER_OPENS = N_(
    "A day's closing time must be after its opening time (opening past midnight is not possible)."
)
NO_HOURS = N_("Give at least one day's hours, or choose open at all hours.")
UNKNOWN_ZONE = N_("Choose a time zone from the list, like Europe/London.")


@dataclass(frozen=True)
class DayHours:
    opens: time
    closes: time

    def text(self) -> str:
        return f"{self.opens:%H:%M}-{self.closes:%H:%M}"


@dataclass(frozen=True)
class WeekHours:
    """The hours of each weekday (None: closed that day); no days at all: always open."""

    zone: ZoneInfo
    days: dict[int, DayHours | None] = field(default_factory=dict)

    @property
    def always_open(self) -> bool:
        return not self.days

    def is_open(self, at: datetime) -> bool:
        if self.always_open:
            return True
        local = at.astimezone(self.zone)
        hours = self.days.get(local.weekday())
        return hours is not None and hours.opens <= local.time() < hours.closes

    def next_opening(self, at: datetime) -> datetime | None:
        """When it next opens after ``at``, in the organisation's zone (None: never)."""
        if self.always_open:
            return None
        local = at.astimezone(self.zone)
        for ahead in range(8):
            day = local.date() + timedelta(days=ahead)
            hours = self.days.get(day.weekday())
            if hours is None:
                continue
            opening = datetime.combine(day, hours.opens, tzinfo=self.zone)
            # A time skipped by a clock change does not exist: the first real moment after.
            opening = opening.astimezone(UTC).astimezone(self.zone)
            if opening > local:
                return opening
        return None


@functools.cache
def zone_names() -> frozenset[str]:
    """The IANA zones this machine knows (read once: listing them walks the disk)."""
    return frozenset(available_timezones())


@functools.cache
def server_time_zone() -> str:
    """The server's own IANA zone name (TZ, then /etc/localtime), or UTC."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    localtime = Path("/etc/localtime")
    if localtime.is_symlink():
        candidates.append(str(localtime.resolve()).split("zoneinfo/", 1)[-1])
    for name in candidates:
        if name and valid_zone(name):
            return name
    return "UTC"


def valid_zone(name: str) -> bool:
    if name not in zone_names():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def parse_time(text: str) -> time:
    """"HH:MM" (24 hours), as a browser's time field sends it."""
    try:
        parsed = datetime.strptime(text.strip(), "%H:%M").time()
    except ValueError:
        raise InvalidInput(TIME_FORMAT, "time") from None
    return parsed


def checked_day(opens: str, closes: str) -> DayHours | None:
    """A weekday's hours from the form: both empty means closed that day."""
    if not opens.strip() and not closes.strip():
        return None
    if not opens.strip() or not closes.strip():
        raise InvalidInput(BOTH_TIMES, "time")
    hours = DayHours(parse_time(opens), parse_time(closes))
    if hours.closes <= hours.opens:
        raise InvalidInput(CLOSES_AFTER_OPENS, "order")
    return hours


def week_from(settings: dict[str, str], default_zone: str) -> WeekHours:
    zone_name = settings.get(TIME_ZONE_KEY, default_zone)
    zone = ZoneInfo(zone_name if valid_zone(zone_name) else "UTC")
    if settings.get(ALWAYS_OPEN_KEY, "yes") == "yes":
        return WeekHours(zone)
    days: dict[int, DayHours | None] = {}
    for day in WEEKDAYS:
        stored = settings.get(HOURS_KEY.format(day=day), CLOSED)
        opens, _, closes = stored.partition("-")
        try:
            days[day] = None if stored == CLOSED else checked_day(opens, closes)
        except InvalidInput:
            days[day] = None  # a row changed by hand into nonsense: closed, not a crash
    return WeekHours(zone, days)


class OpeningHours:
    def __init__(self, db: Database, default_zone: str | None = None) -> None:
        self.db = db
        self.default_zone = default_zone or server_time_zone()

    async def week(self) -> WeekHours:
        return week_from(await all_settings(self.db), self.default_zone)

    async def is_open(self, at: datetime | None = None) -> bool:
        return (await self.week()).is_open(at or utcnow())

    async def set_week(
        self, days: dict[int, DayHours | None] | None, zone: str, actor_id: str
    ) -> WeekHours:
        """The time zone and the hours of all seven weekdays (a day not given is closed),
        stored together; ``days`` None: open at all hours."""
        zone = zone.strip()
        if not valid_zone(zone):
            raise InvalidInput(UNKNOWN_ZONE, "zone")
        if days is not None and not any(days.get(d) for d in WEEKDAYS):
            raise InvalidInput(NO_HOURS, "hours")
        texts = None if days is None else [
            hours.text() if (hours := days.get(d)) else CLOSED for d in WEEKDAYS
        ]
        changes: dict[str, str | None] = {
            TIME_ZONE_KEY: zone,
            ALWAYS_OPEN_KEY: "yes" if texts is None else "no",
        }
        for day in WEEKDAYS:
            changes[HOURS_KEY.format(day=day)] = None if texts is None else texts[day]
        detail = {"time_zone": zone, "hours": texts}
        await change_settings(self.db, changes, HOURS_EVENT, actor_id, detail)
        return WeekHours(ZoneInfo(zone), {} if days is None else {d: days.get(d) for d in WEEKDAYS})

    async def time_zone(self) -> str:
        return (await self.week()).zone.key
