"""Dates and counts written the reader's way, for templates (Babel, in the page's locale)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Literal

from babel.dates import format_datetime
from babel.numbers import format_decimal
from babel.units import format_unit
from starlette.requests import Request

from interp.http.templating import request_locale


def formatting(request: Request) -> dict[str, Callable[..., str]]:
    """``format_datetime`` (a moment, shown in UTC as stored) and ``format_number``."""
    locale = request_locale(request)

    def when(moment: datetime) -> str:
        return format_datetime(moment, "medium", tzinfo=UTC, locale=locale)

    def number(value: int) -> str:
        return format_decimal(value, locale=locale)

    return {"format_datetime": when, "format_number": number}


# Units through CLDR, so each language gets its own plural forms ("1 hour", "1,5 godziny",
# "5 minut"): a "%(hours)s hours" message could not say them right.
def minutes_text(minutes: int, locale: str) -> str:
    return format_unit(minutes, "duration-minute", "long", locale=locale)


def seconds_text(seconds: int, locale: str) -> str:
    return format_unit(seconds, "duration-second", "long", locale=locale)


def hours_text(
    seconds: float, locale: str, length: Literal["short", "long"] = "long"
) -> str:
    """A length of time in hours, to one decimal ("1.5 hours", "1 hour"; short: "1.5 hr")."""
    return format_unit(round(seconds / 3600, 1), "duration-hour", length, locale=locale)


def megabytes_text(megabytes: int, locale: str) -> str:
    return format_unit(megabytes, "digital-megabyte", "short", locale=locale)
