"""The weekly hours a volunteer keeps: outside them they are not notified, so nobody is
woken at night by a request, whatever their availability toggle says. Hours are in the
volunteer's own time zone; a day's hours end on that day, as opening hours do."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, time
from zoneinfo import ZoneInfo

from interp.domain.errors import InvalidInput
from interp.domain.opening_hours import TIME_FORMAT, UNKNOWN_ZONE, parse_time, valid_zone
from interp.i18n import N_

WEEKDAYS = range(7)  # 0 is Monday, as datetime.weekday() counts
START_BEFORE_END = N_("On each day, the start must be before the end.")
BOTH_TIMES = N_("Give both a start and an end for a day, or leave both empty.")


@dataclass(frozen=True)
class WeeklyHours:
    """Hours per weekday in ``time_zone``. No days at all means the volunteer keeps no
    hours: any time is fine."""

    days: dict[int, tuple[time, time]] = field(default_factory=dict)
    time_zone: str = "UTC"

    def allows(self, moment: datetime) -> bool:
        if not self.days:
            return True
        local = moment.astimezone(ZoneInfo(self.time_zone))
        hours = self.days.get(local.weekday())
        if hours is None:
            return False
        start, end = hours
        return start <= local.time().replace(tzinfo=None) < end

    def to_json(self) -> str:
        return json.dumps(
            {
                str(day): [f"{start:%H:%M}", f"{end:%H:%M}"]
                for day, (start, end) in sorted(self.days.items())
            }
        )

    def as_text(self, day: int) -> tuple[str, str]:
        """The day's start and end as the form shows them (empty when it has none)."""
        hours = self.days.get(day)
        return (f"{hours[0]:%H:%M}", f"{hours[1]:%H:%M}") if hours else ("", "")

    @classmethod
    def from_json(cls, raw: str, time_zone: str) -> WeeklyHours:
        """Read what ``to_json`` wrote; anything unreadable counts as no hours kept."""
        try:
            data = json.loads(raw or "{}")
            days = {
                int(day): (time.fromisoformat(start), time.fromisoformat(end))
                for day, (start, end) in data.items()
            }
        except (ValueError, TypeError, AttributeError):
            days = {}
        return cls(days, time_zone if valid_zone(time_zone) else "UTC")


def checked_hours(entries: dict[int, tuple[str, str]], time_zone: str) -> WeeklyHours:
    """Weekly hours from a form's text: ``entries`` maps a weekday to its start and end,
    either both empty (no hours that day) or both ``HH:MM`` with the start first. The
    field at fault is named ``start<day>``, ``end<day>`` or ``time_zone``."""
    if not valid_zone(time_zone):
        raise InvalidInput(UNKNOWN_ZONE, "time_zone")
    days: dict[int, tuple[time, time]] = {}
    for day, (start_text, end_text) in sorted(entries.items()):
        if day not in WEEKDAYS:
            raise InvalidInput(TIME_FORMAT, f"start{day}")
        if not start_text.strip() and not end_text.strip():
            continue
        if not start_text.strip() or not end_text.strip():
            raise InvalidInput(BOTH_TIMES, f"start{day}" if not start_text.strip() else f"end{day}")
        start = _time(start_text, f"start{day}")
        end = _time(end_text, f"end{day}")
        if start >= end:
            raise InvalidInput(START_BEFORE_END, f"end{day}")
        days[day] = (start, end)
    return WeeklyHours(days, time_zone)


def _time(text: str, field_name: str) -> time:
    try:
        return parse_time(text)
    except InvalidInput:
        raise InvalidInput(TIME_FORMAT, field_name) from None
