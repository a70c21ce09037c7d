"""The coordinator's reports: figures per language over a chosen period, as a page with
charts and tables, and as a CSV file for a spreadsheet (interp.domain.reports)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from babel.dates import format_timedelta
from babel.numbers import format_decimal, format_percent
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from interp import i18n
from interp.domain.accounts import Account
from interp.domain.errors import InvalidInput
from interp.domain.kinds import AccountRole
from interp.domain.reports import (
    DEFAULT_DAYS,
    MAX_DAYS,
    LanguageFigures,
    Period,
    Report,
    Reports,
    report_period,
)
from interp.http.formatting import hours_text
from interp.http.guard import requires
from interp.http.pages import page
from interp.http.report_charts import Bar, Series, bar_chart, swatch
from interp.http.state import services
from interp.http.templating import request_locale
from interp.i18n import N_
from interp.languages import get_language

# Headings shared by the page's table and the CSV file.
COLUMNS = {
    "language": N_("Language"),
    "requests": N_("Requests"),
    "by_interpreter": N_("Answered by an interpreter"),
    "by_machine_only": N_("Machine interpretation only"),
    "cancelled": N_("Cancelled"),
    "unanswered": N_("Unanswered"),
    "waiting": N_("Still waiting"),
    "long_waits": N_("Waited past the fallback wait"),
    "median_wait": N_("Median wait"),
    "p90_wait": N_("9 in 10 answered within"),
    "calls": N_("Calls"),
    "call_length": N_("Total call length"),
    "volunteers": N_("Active volunteers"),
}
CSV_UNITS = {
    "median_wait": N_("%(heading)s (seconds)"),
    "p90_wait": N_("%(heading)s (seconds)"),
    "call_length": N_("%(heading)s (minutes)"),
}
ALL_LANGUAGES = N_("All languages")
OUTCOMES_TITLE = N_("Requests by outcome, per language")
WAITS_TITLE = N_("Wait for an interpreter, per language")
WAIT_LINE = N_("%(language)s: median %(median)s, 9 in 10 within %(p90)s")
UNMET_LINE = N_(
    "%(language)s: %(requests)s, %(long_waits)s, %(unanswered)s, %(volunteers)s — %(advice)s"
)
RECRUIT = N_("recruit")
SHORTEN_WAITS = N_("more volunteers would shorten the waits")


class Words:
    """Text and numbers in the reader's language."""

    def __init__(self, request: Request) -> None:
        self.locale = request_locale(request)
        self.translations = i18n.translations(self.locale)

    def __call__(self, message: str, **values: Any) -> str:
        text = self.translations.gettext(message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, num: int) -> str:
        return self.translations.ngettext(singular, plural, num) % {"num": self.number(num)}

    def number(self, value: float) -> str:
        return format_decimal(value, locale=self.locale)

    def percent(self, part: int, whole: int) -> str:
        return format_percent(part / whole if whole else 0, locale=self.locale)

    def language(self, code: str) -> str:
        known = get_language(code)
        return i18n.language_name(code, self.locale) or (known.english_name if known else code)

    def duration(self, seconds: float | None) -> str:
        if seconds is None:
            return "—"
        return format_timedelta(
            timedelta(seconds=round(seconds)), format="short", locale=self.locale
        )

    def hours(self, seconds: float) -> str:
        return hours_text(seconds, self.locale, "short")


def unmet_sentence(words: Words, figures: LanguageFigures) -> str:
    """"Tigrinya: 14 requests, 9 waited past the fallback wait, 6 not answered by an
    interpreter, 1 active volunteer — recruit"."""
    return words(
        UNMET_LINE,
        language=words.language(figures.language_code),
        requests=words.ngettext("%(num)s request", "%(num)s requests", figures.requests),
        long_waits=words.ngettext(
            "%(num)s waited past the fallback wait",
            "%(num)s waited past the fallback wait",
            figures.long_waits,
        ),
        unanswered=words.ngettext(
            "%(num)s not answered by an interpreter",
            "%(num)s not answered by an interpreter",
            figures.not_by_interpreter,
        ),
        volunteers=words.ngettext(
            "%(num)s active volunteer", "%(num)s active volunteers", figures.volunteers
        ),
        advice=words(
            RECRUIT if figures.not_by_interpreter or not figures.volunteers else SHORTEN_WAITS
        ),
    )


OUTCOME_SERIES = (
    ("interpreter", "by_interpreter", "solid"),
    ("machine", "by_machine_only", "hatch"),
    ("cancelled", "cancelled", "dots"),
    ("unanswered", "unanswered", "cross"),
    ("waiting", "waiting", "lines"),
)
WAIT_SERIES = (("median", "median_wait", "solid"), ("p90", "p90_wait", "hatch"))


@dataclass(frozen=True)
class Chart:
    svg: Any
    legend: list[tuple[Any, str]]  # (swatch, label)


def outcomes_chart(words: Words, report: Report, rtl: bool) -> Chart:
    series = tuple(Series(key, words(COLUMNS[column]), p) for key, column, p in OUTCOME_SERIES)
    asked = [f for f in report.languages if f.requests]
    bars = [
        Bar(
            f"{words.language(f.language_code)}: {words.number(f.requests)}",
            tuple(float(getattr(f, column)) for _key, column, _p in OUTCOME_SERIES),
        )
        for f in asked
    ]
    svg = bar_chart("chart-outcomes", words(OUTCOMES_TITLE), series, bars, stacked=True, rtl=rtl)
    return Chart(svg, [(swatch("chart-outcomes", s), s.label) for s in series])


def waits_chart(words: Words, report: Report, rtl: bool) -> Chart:
    series = tuple(Series(key, words(COLUMNS[column]), p) for key, column, p in WAIT_SERIES)
    answered = [f for f in report.languages if f.median_wait_s is not None]
    bars = [
        Bar(
            words(
                WAIT_LINE,
                language=words.language(f.language_code),
                median=words.duration(f.median_wait_s),
                p90=words.duration(f.p90_wait_s),
            ),
            (f.median_wait_s or 0.0, f.p90_wait_s or 0.0),
        )
        for f in answered
    ]
    svg = bar_chart("chart-waits", words(WAITS_TITLE), series, bars, stacked=False, rtl=rtl)
    return Chart(svg, [(swatch("chart-waits", s), s.label) for s in series])


def _period_values(request: Request) -> tuple[str, str]:
    return request.query_params.get("start", ""), request.query_params.get("end", "")


@requires(AccountRole.COORDINATOR)
async def reports_page(request: Request, account: Account) -> Response:
    svc = services(request)
    words = Words(request)
    start, end = _period_values(request)
    reports = Reports(svc.db)
    context: dict[str, Any] = {
        "account": account,
        "columns": COLUMNS,
        "words": words,
        "live": await reports.live(),
        "max_days": MAX_DAYS,
        "default_days": DEFAULT_DAYS,
        "fallback_wait": words.duration(await svc.queue.waits.seconds()),
    }
    try:
        period = report_period(start, end)
    except InvalidInput as exc:
        context |= {"error": exc.message, "error_field": exc.field, "start": start, "end": end}
        return page(request, "reports.html", context, 400)
    report = await reports.figures(period)
    rtl = i18n.text_direction(words.locale) == "rtl"
    context |= {
        "start": period.first.isoformat(),
        "end": period.last.isoformat(),
        "report": report,
        "unmet": [unmet_sentence(words, f) for f in report.unmet],
        "outcomes": outcomes_chart(words, report, rtl),
        "waits": waits_chart(words, report, rtl),
        "csv_url": f"/coordinator/reports.csv?start={period.first}&end={period.last}",
    }
    return page(request, "reports.html", context)


@requires(AccountRole.COORDINATOR)
async def live_panel(request: Request, account: Account) -> Response:
    """The page's "Right now" panel alone, for the page to swap in every half minute."""
    svc = services(request)
    context = {"live": await Reports(svc.db).live(), "words": Words(request)}
    return page(request, "reports_live.html", context)


def csv_rows(words: Words, report: Report) -> list[list[str]]:
    """The per-language figures as a spreadsheet: headings, one line per language, the total.
    Numbers plain (no grouping, a dot for decimals) so every spreadsheet reads them."""
    headings = [
        words(CSV_UNITS[key], heading=words(title)) if key in CSV_UNITS else words(title)
        for key, title in COLUMNS.items()
    ]

    def seconds(value: float | None) -> str:
        return "" if value is None else f"{value:.0f}"

    def line(name: str, f: LanguageFigures) -> list[str]:
        return [
            name,
            *(str(n) for n in (f.requests, f.by_interpreter, f.by_machine_only, f.cancelled,
                               f.unanswered, f.waiting, f.long_waits)),
            seconds(f.median_wait_s),
            seconds(f.p90_wait_s),
            str(f.calls),
            f"{f.call_seconds / 60:.1f}",
            str(f.volunteers),
        ]

    return [
        headings,
        *(line(words.language(f.language_code), f) for f in report.languages),
        line(words(ALL_LANGUAGES), report.total),
    ]


def _csv_file(rows: list[list[str]], period: Period) -> Response:
    out = io.StringIO()
    # The byte-order mark tells Excel the file is UTF-8 (Arabic names stay readable).
    out.write("\ufeff")
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    name = f"interp-report-{period.first}-{period.last}.csv"
    return Response(
        out.getvalue().encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            "content-disposition": f'attachment; filename="{name}"',
            "cache-control": "no-store",
        },
    )


@requires(AccountRole.COORDINATOR)
async def reports_csv(request: Request, account: Account) -> Response:
    words = Words(request)
    start, end = _period_values(request)
    try:
        period = report_period(start, end)
    except InvalidInput as exc:
        return Response(
            words(exc.message), status_code=400, media_type="text/plain; charset=utf-8"
        )
    report = await Reports(services(request).db).figures(period)
    return _csv_file(csv_rows(words, report), period)


routes = [
    Route("/coordinator/reports", reports_page, methods=["GET"]),
    Route("/coordinator/reports.csv", reports_csv, methods=["GET"]),
    Route("/coordinator/reports/live", live_panel, methods=["GET"]),
]
