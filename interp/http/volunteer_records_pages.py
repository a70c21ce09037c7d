"""Volunteers' records: a volunteer's own calls and hours (a page, a printable summary and
a CSV they can show as a record of volunteering), and the coordinator's hours per volunteer
for a period, as CSV. What counts as a call: interp.domain.volunteer_records."""

from __future__ import annotations

import calendar
import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit

from babel.dates import format_date
from babel.numbers import format_decimal
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from interp import i18n
from interp.domain.accounts import Account
from interp.domain.kinds import AccountRole
from interp.domain.volunteer_records import (
    CallRecord,
    VolunteerRecords,
    by_language,
    by_month,
)
from interp.http.formatting import hours_text
from interp.http.guard import requires
from interp.http.pages import page, say
from interp.http.state import services
from interp.http.templating import request_locale
from interp.i18n import N_

BAD_PERIOD = N_("Enter the period as two dates, the first no later than the second.")


@dataclass(frozen=True)
class Period:
    first: date  # both days included
    last: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), UTC)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(), UTC)

    @property
    def query(self) -> str:
        return f"from={self.first.isoformat()}&to={self.last.isoformat()}"


def months_back(day: date, months: int) -> date:
    """The same day ``months`` months earlier (the month's last day where it has fewer)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def chosen_period(request: Request, months: int) -> tuple[Period, str | None]:
    """The period in the query (``from``, ``to``: ISO dates), else the last ``months``
    months to today; with an error message when the query's period is not one."""
    today = datetime.now(UTC).date()
    default = Period(months_back(today, months), today)
    asked = request.query_params.get("from"), request.query_params.get("to")
    if not any(asked):
        return default, None
    try:
        period = Period(date.fromisoformat(asked[0] or ""), date.fromisoformat(asked[1] or ""))
    except ValueError:
        return default, BAD_PERIOD
    if period.first > period.last:
        return default, BAD_PERIOD
    return period, None


def hours(seconds: int, locale: str) -> str:
    """Hours with one decimal, in the reader's way of writing numbers."""
    return format_decimal(round(seconds / 3600, 1), format="0.0", locale=locale)


def minutes(seconds: int) -> int:
    return max(1, round(seconds / 60)) if seconds else 0


def organisation_name(request: Request) -> str:
    """The organisation, as its service's address names it (interp has no other name for it)."""
    url = services(request).settings.effective_public_url
    return urlsplit(url).hostname or url


def _summary(
    request: Request, account: Account, period: Period, calls: list[CallRecord]
) -> dict[str, Any]:
    locale = request_locale(request)
    total = sum(call.seconds for call in calls)
    return {
        "account": account,
        "organisation": organisation_name(request),
        "period": period,
        "period_text": say(
            request,
            N_("%(first)s to %(last)s"),
            first=format_date(period.first, "long", locale=locale),
            last=format_date(period.last, "long", locale=locale),
        ),
        "calls": [
            {
                "date": format_date(call.started_at.date(), "medium", locale=locale),
                "language": i18n.language_name(call.language_code, locale) or call.language_code,
                "minutes": minutes(call.seconds),
            }
            for call in calls
        ],
        "months": [
            {
                "month": format_date(date.fromisoformat(m.month + "-01"), "MMMM y", locale=locale),
                "calls": m.calls,
                "hours": hours(m.seconds, locale),
            }
            for m in by_month(calls)
        ],
        "by_language": [
            (i18n.language_name(code, locale) or code, count)
            for code, count in by_language(calls).items()
        ],
        "total_hours": hours_text(total, locale),
        "total_calls": len(calls),
    }


async def _own_calls(request: Request, account: Account, period: Period) -> list[CallRecord]:
    return await VolunteerRecords(services(request).db).calls(account.id, period.start, period.end)


@requires(AccountRole.VOLUNTEER)
async def volunteer_history(request: Request, account: Account) -> Response:
    period, error = chosen_period(request, 12)
    context = _summary(request, account, period, await _own_calls(request, account, period))
    return page(
        request, "volunteers/history.html", {**context, "error": error}, 400 if error else 200
    )


@requires(AccountRole.VOLUNTEER)
async def volunteer_summary(request: Request, account: Account) -> Response:
    period, error = chosen_period(request, 12)
    context = _summary(request, account, period, await _own_calls(request, account, period))
    return page(
        request, "volunteers/summary.html", {**context, "error": error}, 400 if error else 200
    )


def _cell(value: str) -> str:
    # A name such as "=HYPERLINK(...)" would run as a formula in a spreadsheet.
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def _csv(rows: list[list[str]], filename: str) -> Response:
    out = io.StringIO()
    csv.writer(out).writerows([[_cell(value) for value in row] for row in rows])
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={
            "content-disposition": f'attachment; filename="{filename}"',
            "cache-control": "no-store",
        },
    )


def _bad_period(request: Request) -> Response:
    return Response(say(request, BAD_PERIOD), status_code=400, media_type="text/plain")


@requires(AccountRole.VOLUNTEER)
async def volunteer_csv(request: Request, account: Account) -> Response:
    """The record of volunteering as CSV: who, where, when, total hours, calls per
    language, then hours per month. Hours in plain decimal, for spreadsheets."""
    period, error = chosen_period(request, 12)
    if error:
        return _bad_period(request)
    calls = await _own_calls(request, account, period)
    total = sum(call.seconds for call in calls)
    rows = [
        ["name", account.display_name],
        ["organisation", organisation_name(request)],
        ["from", period.first.isoformat()],
        ["to", period.last.isoformat()],
        ["total_hours", f"{total / 3600:.2f}"],
        ["total_calls", str(len(calls))],
        [],
        ["language", "calls"],
        *[[code, str(count)] for code, count in by_language(calls).items()],
        [],
        ["month", "calls", "hours"],
        *[[m.month, str(m.calls), f"{m.seconds / 3600:.2f}"] for m in by_month(calls)],
    ]
    return _csv(rows, f"volunteering-{period.first}-{period.last}.csv")


async def hours_context(request: Request) -> dict[str, Any]:
    """The coordinator page's hours card: each volunteer's calls and hours in the period."""
    period, error = chosen_period(request, 3)
    locale = request_locale(request)
    rows = await VolunteerRecords(services(request).db).hours_by_volunteer(period.start, period.end)
    return {
        "hours_period": period,
        "hours_error": error,
        "hours_rows": [
            {"name": r.display_name, "calls": r.calls, "hours": hours(r.seconds, locale)}
            for r in rows
        ],
    }


@requires(AccountRole.COORDINATOR)
async def coordinator_hours_csv(request: Request, account: Account) -> Response:
    period, error = chosen_period(request, 3)
    if error:
        return _bad_period(request)
    rows = await VolunteerRecords(services(request).db).hours_by_volunteer(period.start, period.end)
    table = [
        ["name", "email", "from", "to", "calls", "hours"],
        *[
            [
                r.display_name,
                r.email,
                period.first.isoformat(),
                period.last.isoformat(),
                str(r.calls),
                f"{r.seconds / 3600:.2f}",
            ]
            for r in rows
        ],
    ]
    return _csv(table, f"volunteer-hours-{period.first}-{period.last}.csv")


routes = [
    Route("/volunteer/history", volunteer_history, methods=["GET"]),
    Route("/volunteer/history/summary", volunteer_summary, methods=["GET"]),
    Route("/volunteer/history.csv", volunteer_csv, methods=["GET"]),
    Route("/coordinator/hours.csv", coordinator_hours_csv, methods=["GET"]),
]
