"""Opening hours: open or closed at a given moment, when it next opens (closed days,
the end of the week, clock changes), and the hours and time zone stored with their audit
entry on SQLite and PostgreSQL; refused hours change nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from interp.domain.errors import InvalidInput
from interp.domain.fallback_wait import FallbackWait
from interp.domain.opening_hours import (
    BOTH_TIMES,
    CLOSES_AFTER_OPENS,
    NO_HOURS,
    TIME_FORMAT,
    UNKNOWN_ZONE,
    DayHours,
    OpeningHours,
    WeekHours,
    checked_day,
)
from interp.domain.tokens import utcnow
from interp.store.database import Database
from interp.store.models import AuditEntry
from tests.domain.services import Services

LONDON = ZoneInfo("Europe/London")
NINE_TO_FIVE = DayHours(time(9), time(17))
# Monday to Friday 09:00–17:00, Saturday 10:00–12:00, closed on Sunday.
WEEK = WeekHours(
    LONDON,
    {**{d: NINE_TO_FIVE for d in range(5)}, 5: DayHours(time(10), time(12)), 6: None},
)


def london(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def test_open_within_the_hours_and_closed_outside() -> None:
    assert WEEK.is_open(london(2025, 1, 6, 9, 0))  # a Monday, as it opens
    assert WEEK.is_open(london(2025, 1, 6, 16, 59))
    assert not WEEK.is_open(london(2025, 1, 6, 17, 0))  # closing time is closed
    assert not WEEK.is_open(london(2025, 1, 6, 8, 59))
    assert not WEEK.is_open(london(2025, 1, 12, 11, 0))  # Sunday: closed all day
    assert WEEK.is_open(london(2025, 1, 11, 11, 0))  # Saturday morning


def test_the_hours_are_read_on_the_organisations_clock() -> None:
    # 09:30 in London in summer is 08:30 UTC: open, though 08:30 is before nine.
    summer = datetime(2025, 7, 7, 8, 30, tzinfo=UTC)
    assert WEEK.is_open(summer)
    # The same UTC time in winter is 08:30 in London: closed.
    assert not WEEK.is_open(datetime(2025, 1, 6, 8, 30, tzinfo=UTC))


def test_next_opening_later_today_tomorrow_and_after_a_closed_day() -> None:
    assert WEEK.next_opening(london(2025, 1, 6, 7, 0)) == london(2025, 1, 6, 9, 0)
    assert WEEK.next_opening(london(2025, 1, 6, 18, 0)) == london(2025, 1, 7, 9, 0)
    # Saturday after noon: Sunday is closed, so Monday.
    assert WEEK.next_opening(london(2025, 1, 11, 13, 0)) == london(2025, 1, 13, 9, 0)
    # Open now: the next opening is the next day's.
    assert WEEK.next_opening(london(2025, 1, 8, 10, 0)) == london(2025, 1, 9, 9, 0)


def test_next_opening_a_week_ahead_when_only_one_day_is_open() -> None:
    mondays = WeekHours(LONDON, {0: NINE_TO_FIVE, **{d: None for d in range(1, 7)}})
    assert mondays.next_opening(london(2025, 1, 6, 17, 30)) == london(2025, 1, 13, 9, 0)


def test_next_opening_across_a_clock_change() -> None:
    # Clocks go forward at 01:00 UTC on Sunday 30 March 2025: Monday 09:00 is BST.
    opens = WEEK.next_opening(datetime(2025, 3, 29, 15, 0, tzinfo=UTC))
    assert opens == london(2025, 3, 31, 9, 0)
    assert opens is not None and opens.utcoffset() == timedelta(hours=1)
    # Opening at a time the change skips (02:30 that Sunday) means the first real moment.
    early = WeekHours(LONDON, {6: DayHours(time(1, 30), time(4))})
    skipped = early.next_opening(datetime(2025, 3, 29, 12, 0, tzinfo=UTC))
    assert skipped is not None and skipped.astimezone(UTC) == datetime(
        2025, 3, 30, 1, 0, tzinfo=UTC
    ) + timedelta(minutes=30)


def test_no_hours_means_always_open() -> None:
    always = WeekHours(LONDON)
    assert always.always_open and always.is_open(london(2025, 1, 12, 3, 0))
    assert always.next_opening(london(2025, 1, 12, 3, 0)) is None


@pytest.mark.parametrize(
    ("opens", "closes", "message"),
    [
        ("17:00", "09:00", CLOSES_AFTER_OPENS),  # across midnight: refused, not guessed
        ("09:00", "09:00", CLOSES_AFTER_OPENS),
        ("9am", "17:00", TIME_FORMAT),
        ("25:00", "26:00", TIME_FORMAT),
        ("09:00", "", BOTH_TIMES),
    ],
)
def test_a_days_hours_are_checked(opens: str, closes: str, message: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        checked_day(opens, closes)
    assert refused.value.message == message
    assert checked_day("", "") is None
    assert checked_day("08:30", "12:15") == DayHours(time(8, 30), time(12, 15))


async def test_hours_and_time_zone_are_stored_with_an_audit_entry(
    database: Database, services: Services
) -> None:
    coordinator = await services.accounts.create(
        "co@example.org", "Co", "coordinator", "correct horse battery", []
    )
    hours = OpeningHours(database, default_zone="Europe/London")
    assert (await hours.week()).always_open  # the default: nothing changes for old installs
    assert await hours.time_zone() == "Europe/London"

    await hours.set_week({0: NINE_TO_FIVE, 2: DayHours(time(13), time(20))},
                         "America/New_York", coordinator.id)
    week = await hours.week()
    assert week.zone.key == "America/New_York"
    assert week.days[0] == NINE_TO_FIVE and week.days[1] is None
    assert week.days[2] == DayHours(time(13), time(20))
    async with database.session() as session:
        entry = await session.scalar(
            select(AuditEntry).where(AuditEntry.event == "settings.opening_hours")
        )
    assert entry is not None
    detail = json.loads(entry.detail)
    assert detail["by"] == coordinator.id and detail["time_zone"] == "America/New_York"
    assert detail["hours"][0] == "09:00-17:00" and detail["hours"][1] == "closed"

    # Refused: an unknown zone, or "only these hours" with no hours at all. Nothing changes.
    refusals: list[tuple[dict[int, DayHours | None], str, str]] = [
        ({0: NINE_TO_FIVE}, "Mars/Olympus_Mons", UNKNOWN_ZONE),
        ({0: None}, "Europe/Paris", NO_HOURS),
    ]
    for days, zone, message in refusals:
        with pytest.raises(InvalidInput) as refused:
            await hours.set_week(days, zone, coordinator.id)
        assert refused.value.message == message
    assert await hours.week() == week

    await hours.set_week(None, "Europe/Paris", coordinator.id)
    assert (await hours.week()).always_open and await hours.time_zone() == "Europe/Paris"


async def test_outside_hours_machine_interpretation_is_offered_at_once(
    database: Database, services: Services
) -> None:
    now = utcnow().astimezone(LONDON)
    # Open only on a day that is not today: closed now, whatever the time of the test.
    other_day = (now.weekday() + 3) % 7
    hours = OpeningHours(database, default_zone="Europe/London")
    await hours.set_week({other_day: NINE_TO_FIVE}, "Europe/London", "co")
    patient = FallbackWait(database, timedelta(hours=1), "Europe/London")
    assert await patient.now() == timedelta(0)
    assert await patient.seconds() == 3600  # the wait in opening hours is unchanged

    new = await services.queue.create("es", "audio")
    assert new.request.long_wait  # offered from the start

    # Open again (always): a new request waits the fallback time as before.
    await hours.set_week(None, "Europe/London", "co")
    waiting = await services.queue.create("es", "audio")
    assert not waiting.request.long_wait
