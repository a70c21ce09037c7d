"""The coordinator's figures, on a constructed month whose every figure is known."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

import pytest
from sqlalchemy import func, select

from interp.domain.errors import InvalidInput
from interp.domain.reports import (
    LanguageFigures,
    Reports,
    calls_from_interpreters,
    calls_from_rooms,
    percentile,
    report_period,
)
from interp.store.database import Database
from interp.store.models import InterpretationRequest
from tests.helpers.report_history import (
    EXPECTED,
    EXPECTED_TOTAL,
    EXPECTED_UNMET,
    FIRST_DAY,
    LAST_DAY,
    Expected,
    write_history,
)


def figures_of(row: LanguageFigures) -> dict[str, object]:
    values = asdict(row)
    values.pop("language_code")
    return values


def expected(figures: Expected) -> object:
    return pytest.approx(asdict(figures))


async def test_every_figure_equals_the_constructed_history(database: Database) -> None:
    await write_history(database)
    report = await Reports(database).figures(report_period("2026-03-01", "2026-03-31"))

    assert [row.language_code for row in report.languages] == ["es", "ar", "ti", "bfi"]
    for row in report.languages:
        assert figures_of(row) == expected(EXPECTED[row.language_code]), row.language_code
    assert figures_of(report.total) == expected(EXPECTED_TOTAL)
    assert [row.language_code for row in report.unmet] == EXPECTED_UNMET
    spanish = report.languages[0]
    assert spanish.not_by_interpreter == 3


async def test_a_period_counts_only_its_own_days(database: Database) -> None:
    await write_history(database)
    reports = Reports(database)
    # Only 2 March: the first Spanish request and its call.
    day = await reports.figures(report_period("2026-03-02", "2026-03-02"))
    spanish = next(row for row in day.languages if row.language_code == "es")
    assert (spanish.requests, spanish.by_interpreter, spanish.calls) == (1, 1, 1)
    assert spanish.median_wait_s == pytest.approx(60.0)
    assert spanish.call_seconds == pytest.approx(600.0)
    assert day.total.requests == 1
    assert day.unmet == []
    # 1 April: one request, cancelled, after the fallback wait.
    april = await reports.figures(report_period("2026-04-01", "2026-04-01"))
    assert (april.total.requests, april.total.cancelled, april.total.long_waits) == (1, 1, 1)


async def test_live_panel_shows_waiting_requests_and_available_volunteers(
    database: Database,
) -> None:
    await write_history(database)
    live = await Reports(database).live()
    assert [(w.language_code, w.in_machine_interpretation) for w in live.waiting] == [
        ("ar", True),
        ("es", False),
    ]
    assert all(w.waited_s > 0 for w in live.waiting)
    # The deactivated volunteer is available but not counted; the second is not available.
    assert live.available == {"ar": 1, "es": 1}


async def test_an_empty_database_gives_zeros(database: Database) -> None:
    report = await Reports(database).figures(report_period(None, None))
    assert report.languages == []
    assert report.total.requests == 0
    assert report.total.median_wait_s is None
    assert report.unmet == []


def test_default_period_is_the_last_30_days() -> None:
    period = report_period(None, None, today=date(2026, 3, 31))
    assert (period.first, period.last, period.days) == (date(2026, 3, 2), LAST_DAY, 30)
    assert report_period("2026-03-01", "", today=LAST_DAY).first == FIRST_DAY
    assert report_period("", "2026-01-30").first == date(2026, 1, 1)


@pytest.mark.parametrize(
    ("start", "end", "message", "field"),
    [
        ("2026-03-31", "2026-03-01", "before the start", "end"),
        ("2025-01-01", "2026-03-31", "at most 400 days", "start"),
        ("31/03/2026", "2026-04-01", "year-month-day", "start"),
        ("2026-02-30", "2026-03-01", "year-month-day", "start"),
        ("2026-03-01", "tomorrow", "year-month-day", "end"),
    ],
)
async def test_a_bad_period_is_refused_and_changes_nothing(
    database: Database, start: str, end: str, message: str, field: str
) -> None:
    await write_history(database)
    async with database.session() as session:
        before = await session.scalar(select(func.count()).select_from(InterpretationRequest))
    with pytest.raises(InvalidInput, match=message) as refused:
        report_period(start, end)
    assert refused.value.field == field
    async with database.session() as session:
        after = await session.scalar(select(func.count()).select_from(InterpretationRequest))
    assert after == before


def test_longest_allowed_period_is_400_days() -> None:
    assert report_period("2025-03-01", "2026-04-04").days == 400


def test_percentile_interpolates_between_neighbours() -> None:
    assert percentile([], 0.5) is None
    assert percentile([7.0], 0.9) == 7.0
    assert percentile([10.0, 20.0], 0.5) == 15.0
    assert percentile([30.0, 60.0, 120.0, 300.0], 0.9) == pytest.approx(246.0)


@pytest.mark.parametrize(
    ("first", "last"),
    [("2026-03-01", "2026-03-31"), ("2026-02-28", "2026-04-01"), ("2025-12-01", "2026-05-31")],
)
async def test_calls_read_either_way_give_the_same_figures(
    database: Database, first: str, last: str
) -> None:
    """Short periods find their rooms first, long ones their interpreters: the same calls,
    the same lengths (including the calls just outside March, and two interpreters of one
    language in one room counted once)."""
    await write_history(database)
    period = report_period(first, last)
    async with database.session() as session:
        by_rooms = sorted(await session.execute(calls_from_rooms(period)))
        by_interpreters = sorted(await session.execute(calls_from_interpreters(period)))
    assert by_rooms  # the history has calls in every one of these periods
    assert [(code, calls) for code, calls, _ in by_rooms] == [
        (code, calls) for code, calls, _ in by_interpreters
    ]
    for (_, _, seconds), (_, _, same) in zip(by_rooms, by_interpreters, strict=True):
        assert seconds == pytest.approx(same)
