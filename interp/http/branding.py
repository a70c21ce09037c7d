"""The organisation as residents see it: its name and logo in the page header, its
welcome, whether it is open now; and the route that serves the logo."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from babel.dates import format_date, format_time
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from interp.domain.opening_hours import OpeningHours
from interp.domain.organisation_profile import OrganisationProfile
from interp.domain.tokens import utcnow
from interp.http.pages import say
from interp.http.state import services
from interp.http.templating import request_locale
from interp.i18n import N_
from interp.services import Services

CLOSED_NOW = N_("We are closed now.")
CLOSED_UNTIL_TODAY = N_("We are closed now. We open again today at %(time)s.")
CLOSED_UNTIL_TOMORROW = N_("We are closed now. We open again tomorrow at %(time)s.")
CLOSED_UNTIL_DAY = N_("We are closed now. We open again on %(day)s at %(time)s.")
# A new image gets a new address (its fingerprint), so a browser may keep each for long.
LOGO_CACHE = "public, max-age=86400"


def profile(svc: Services) -> OrganisationProfile:
    return OrganisationProfile(svc.db, svc.settings.data_dir)


def opening_hours(svc: Services) -> OpeningHours:
    return OpeningHours(svc.db)


async def branding(request: Request) -> dict[str, Any]:
    """What a resident page's header shows: the organisation's name and logo, if set."""
    own = profile(services(request))
    logo = await own.logo()
    return {
        "organisation_name": await own.name(),
        "logo_url": f"/organisation/logo?v={logo.fingerprint}" if logo else None,
    }


def closed_sentence(request: Request, now: datetime, opens: datetime | None) -> str:
    """"We are closed now. We open again on Monday at 09:00." in the reader's language,
    the day and time as the organisation's clock shows them."""
    locale = request_locale(request)
    if opens is None:
        return say(request, CLOSED_NOW)
    time_text = format_time(opens, "short", locale=locale)
    today: date = now.astimezone(opens.tzinfo).date()
    ahead = (opens.date() - today).days
    if ahead == 0:
        return say(request, CLOSED_UNTIL_TODAY, time=time_text)
    if ahead == 1:
        return say(request, CLOSED_UNTIL_TOMORROW, time=time_text)
    day = format_date(opens.date(), "EEEE", locale=locale)
    return say(request, CLOSED_UNTIL_DAY, day=day, time=time_text)


async def closed_notice(request: Request) -> str | None:
    """The sentence saying the organisation is closed and when it opens, or None if open."""
    week = await opening_hours(services(request)).week()
    now = utcnow()
    if week.is_open(now):
        return None
    return closed_sentence(request, now, week.next_opening(now))


async def logo(request: Request) -> Response:
    """The stored logo, only as the image type its bytes showed when it was stored."""
    found = await profile(services(request)).logo_image()
    if found is None:
        return Response(status_code=404, headers={"cache-control": "no-store"})
    stored, data = found
    headers = {
        "cache-control": LOGO_CACHE,
        "etag": f'"{stored.fingerprint}"',
        "x-content-type-options": "nosniff",
        "content-security-policy": "default-src 'none'",
    }
    if request.headers.get("if-none-match") == headers["etag"]:
        return Response(status_code=304, headers=headers)
    return Response(data, media_type=stored.media_type, headers=headers)


routes = [Route("/organisation/logo", logo, methods=["GET"])]
