"""Notifications for volunteers whose dashboard is closed: the installable app's manifest
and service worker, a volunteer's choices (push on this device, email, weekly hours), and
the coordinator's switch for Web Push (docs/notifications.md).

Subscribing and unsubscribing a device are JSON calls from the page's script, with the
session's CSRF token in the ``x-csrf-token`` header.
"""

from __future__ import annotations

import json
from typing import Any

from babel.dates import get_day_names
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from interp.domain.accounts import Account
from interp.domain.errors import InvalidInput
from interp.domain.kinds import AccountRole
from interp.domain.opening_hours import server_time_zone, zone_names
from interp.http.branding import profile
from interp.http.guard import requires
from interp.http.json_api import error_response, json_body
from interp.http.pages import FORM_EXPIRED, checked_form, page, say
from interp.http.security import CSRF_HEADER, csrf_ok
from interp.http.state import services
from interp.http.templating import WEB_DIR, request_locale
from interp.i18n import N_
from interp.notify.preferences import Preferences
from interp.notify.schedule import WEEKDAYS, checked_hours
from interp.notify.subscriptions import checked_subscription

PUSH_OFF = N_("Notifications on devices are turned off by the coordinator.")
WRONG_CSRF = N_("The page had expired. Reload it and try again.")
NO_SUCH_DEVICE = N_("This device was not subscribed.")
PUSH_CHOICE = N_("Choose whether to turn notifications on devices on or off.")
SERVICE_WORKER = WEB_DIR / "static" / "sw.js"
MANIFEST = WEB_DIR / "static" / "manifest.webmanifest"


async def service_worker(request: Request) -> Response:
    """The service worker, served from the root so its scope can cover /volunteer (a
    worker's scope is at most the folder it is served from)."""
    return Response(
        SERVICE_WORKER.read_text(),
        media_type="text/javascript",
        headers={"service-worker-allowed": "/", "cache-control": "no-cache"},
    )


async def manifest(request: Request) -> Response:
    """The web app manifest, named after the organisation when it has set its name."""
    data = json.loads(MANIFEST.read_text())
    name = await profile(services(request)).name()
    if name:
        data["name"] = name
        data["short_name"] = name[:12]
    return Response(
        json.dumps(data, ensure_ascii=False),
        media_type="application/manifest+json",
        headers={"cache-control": "no-cache"},
    )


async def _context(request: Request, account: Account) -> dict[str, Any]:
    notifier = services(request).notifier
    push_on = await notifier.settings.push_enabled()
    chosen = await notifier.settings.of(account.id)
    saved = await notifier.settings.saved(account.id)
    names = get_day_names("wide", locale=request_locale(request))
    return {
        "account": account,
        "push_on": push_on,
        # Made on first use: only once the coordinator has turned push on.
        "vapid_public_key": notifier.keys.public_key if push_on else "",
        "email_configured": notifier.email.configured,
        "email_on": chosen.email,
        "days": [(day, names[day], *chosen.hours.as_text(day)) for day in WEEKDAYS],
        "time_zone": chosen.hours.time_zone if saved else server_time_zone(),
        "time_zone_saved": saved,
        "time_zones": sorted(zone_names()),
    }


@requires(AccountRole.VOLUNTEER)
async def notifications_page(request: Request, account: Account) -> Response:
    context = await _context(request, account)
    return page(
        request,
        "notifications.html",
        {**context, "saved_now": request.query_params.get("saved") == "1"},
    )


@requires(AccountRole.VOLUNTEER)
async def notifications_update(request: Request, account: Account) -> Response:
    notifier = services(request).notifier
    form = await checked_form(request)
    context = await _context(request, account)
    if form is None:
        expired = {"error": say(request, FORM_EXPIRED)}
        return page(request, "notifications.html", {**context, **expired}, 403)
    entries = {
        day: (str(form.get(f"start{day}", "")), str(form.get(f"end{day}", ""))) for day in WEEKDAYS
    }
    time_zone = str(form.get("time_zone", ""))
    email = form.get("email") == "on"
    try:
        hours = checked_hours(entries, time_zone)
    except InvalidInput as exc:
        # The form again as it was sent, with what to correct.
        typed = {
            "days": [(day, name, *entries[day]) for day, name, _, _ in context["days"]],
            "time_zone": time_zone,
            "email_on": email,
            "error": say(request, exc.message),
            "error_field": exc.field,
        }
        return page(request, "notifications.html", {**context, **typed}, 400)
    chosen = Preferences(email=email, locale=request_locale(request), hours=hours)
    await notifier.settings.save(account.id, chosen)
    return RedirectResponse("/account/notifications?saved=1", status_code=303)


def _refusal(request: Request, code: str, message: str, status: int) -> JSONResponse:
    return error_response(code, say(request, message), status)


@requires(AccountRole.VOLUNTEER)
async def subscribe_device(request: Request, account: Account) -> Response:
    notifier = services(request).notifier
    if not csrf_ok(request, request.headers.get(CSRF_HEADER)):
        return _refusal(request, "csrf", WRONG_CSRF, 403)
    if not await notifier.settings.push_enabled():
        return _refusal(request, "push_off", PUSH_OFF, 409)
    data = await json_body(request)
    try:
        subscription = checked_subscription(data, notifier.allow_loopback_endpoints)
    except InvalidInput as exc:
        return _refusal(request, "invalid", exc.message, 400)
    await notifier.subscriptions.add(account.id, subscription)
    return JSONResponse({"subscribed": True}, status_code=201)


@requires(AccountRole.VOLUNTEER)
async def unsubscribe_device(request: Request, account: Account) -> Response:
    notifier = services(request).notifier
    if not csrf_ok(request, request.headers.get(CSRF_HEADER)):
        return _refusal(request, "csrf", WRONG_CSRF, 403)
    data = await json_body(request)
    endpoint = data.get("endpoint")
    if not isinstance(endpoint, str) or not endpoint:
        return _refusal(request, "invalid", NO_SUCH_DEVICE, 400)
    if not await notifier.subscriptions.remove(account.id, endpoint):
        return _refusal(request, "not_found", NO_SUCH_DEVICE, 404)
    return JSONResponse({"subscribed": False})


@requires(AccountRole.COORDINATOR)
async def push_switch(request: Request, account: Account) -> Response:
    form = await checked_form(request)
    if form is None:
        return RedirectResponse("/coordinator?push_error=expired#web-push-heading", status_code=303)
    choice = form.get("web_push")
    if choice not in ("on", "off"):
        return RedirectResponse("/coordinator?push_error=choice#web-push-heading", status_code=303)
    await services(request).notifier.settings.set_push_enabled(choice == "on")
    return RedirectResponse("/coordinator?push_saved=1#web-push-heading", status_code=303)


async def push_switch_context(request: Request) -> dict[str, Any]:
    """What the coordinator page's Web Push card shows."""
    notifier = services(request).notifier
    errors = {"expired": FORM_EXPIRED, "choice": PUSH_CHOICE}
    return {
        "web_push_on": await notifier.settings.push_enabled(),
        "web_push_saved": request.query_params.get("push_saved") == "1",
        "web_push_error": errors.get(request.query_params.get("push_error", ""), ""),
        "email_configured": notifier.email.configured,
    }


routes = [
    Route("/sw.js", service_worker, methods=["GET"]),
    Route("/manifest.webmanifest", manifest, methods=["GET"]),
    Route("/account/notifications", notifications_page, methods=["GET"]),
    Route("/account/notifications", notifications_update, methods=["POST"]),
    Route("/account/notifications/push", subscribe_device, methods=["POST"]),
    Route("/account/notifications/push", unsubscribe_device, methods=["DELETE"]),
    Route("/coordinator/notifications", push_switch, methods=["POST"]),
]
