"""The coordinator's settings page: how the organisation introduces itself to residents,
its opening hours, the wait before machine interpretation, and how long transcripts are
kept. Each form is checked whole before anything is stored."""

from __future__ import annotations

import asyncio
from typing import Any

from babel.dates import get_day_names
from starlette.datastructures import FormData
from starlette.requests import ClientDisconnect, Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from interp.domain.accounts import Account
from interp.domain.errors import InvalidInput
from interp.domain.fallback_wait import MAX_FALLBACK_WAIT_S, WAIT_RANGE
from interp.domain.kinds import AccountRole
from interp.domain.opening_hours import WEEKDAYS, DayHours, checked_day, zone_names
from interp.domain.organisation_profile import (
    DEFAULT_WELCOME,
    LOGO_MISSING,
    LOGO_NOT_IMAGE,
    LOGO_TOO_LARGE,
    MAX_LOGO_BYTES,
    MAX_NAME,
    MAX_WELCOME,
    WELCOME_LOCALES,
)
from interp.domain.tokens import new_id
from interp.http.branding import opening_hours, profile
from interp.http.formatting import seconds_text
from interp.http.guard import requires
from interp.http.pages import FORM_EXPIRED, checked_form, page
from interp.http.security import CSRF_FIELD, csrf_ok
from interp.http.staff_pages import RETENTION_RANGE
from interp.http.state import services
from interp.http.templating import request_locale
from interp.http.uploads import UploadRefused, receive_upload
from interp.i18n import N_

UNKNOWN_SETTING = N_("That form is not one of this page's settings.")
BROKEN_LOGO_UPLOAD = N_("The logo did not arrive whole. Please try again.")
SECTIONS = ("profile", "logo", "welcome", "hours", "fallback", "retention")
LOGO_FIELD = "logo"


async def _settings_view(
    request: Request,
    account: Account,
    status: int = 200,
    error: str | None = None,
    section: str | None = None,
    typed: dict[str, str] | None = None,
) -> Response:
    svc = services(request)
    own = profile(svc)
    week = await opening_hours(svc).week()
    saved = request.query_params.get("saved")
    context: dict[str, Any] = {
        "account": account,
        "error": error,
        "error_section": section,
        "saved": saved if saved in SECTIONS and error is None else None,
        "typed": typed or {},
        "saved_name": await own.name(),
        "logo": await own.logo(),
        "welcome_texts": await own.welcome_texts(),
        "welcome_locales": [loc for loc in WELCOME_LOCALES if loc != DEFAULT_WELCOME],
        "fallback_wait_configured": await svc.queue.waits.configured_s(),
        "fallback_wait_default": seconds_text(
            round(svc.queue.waits.default.total_seconds()), request_locale(request)
        ),
        "transcript_retention_days": await svc.transcripts.retention_days(),
        "week": week,
        "weekdays": list(WEEKDAYS),
        "time_zones": sorted(zone_names()),
        "max_name": MAX_NAME,
        "max_welcome": MAX_WELCOME,
        "max_wait": MAX_FALLBACK_WAIT_S,
        "day_names": get_day_names("wide", locale=request_locale(request)),
    }
    return page(request, "settings/settings.html", context, status)


settings_page = requires(AccountRole.COORDINATOR)(_settings_view)


def _saved(section: str) -> Response:
    return RedirectResponse(
        f"/coordinator/settings?saved={section}#{section}-heading", status_code=303
    )


def _days(form: FormData) -> dict[int, DayHours | None] | None:
    if form.get("hours_mode") != "set":
        return None
    return {
        day: checked_day(str(form.get(f"opens_{day}", "")), str(form.get(f"closes_{day}", "")))
        for day in WEEKDAYS
    }


def _whole_number(text: str, refusal: str, field: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise InvalidInput(refusal, field) from None


async def _change(request: Request, account: Account, form: FormData, action: str) -> None:
    svc = services(request)
    if action == "profile":
        await profile(svc).set_name(str(form.get("name", "")), account.id)
    elif action == "remove_logo":
        await profile(svc).remove_logo(account.id)
    elif action == "welcome":
        texts = {loc: str(form.get(f"welcome_{loc}", "")) for loc in WELCOME_LOCALES}
        await profile(svc).set_welcome(texts, account.id)
    elif action == "hours":
        days = _days(form)
        await opening_hours(svc).set_week(days, str(form.get("time_zone", "")), account.id)
    elif action == "fallback":
        text = str(form.get("wait", "")).strip()
        seconds = None if text == "" else _whole_number(text, WAIT_RANGE, "wait")
        await svc.queue.waits.set_seconds(seconds, account.id)
    elif action == "retention":
        keep_days = _whole_number(str(form.get("days", "")), RETENTION_RANGE, "days")
        try:
            await svc.transcripts.set_retention_days(keep_days, account.id)
        except InvalidInput:
            raise InvalidInput(RETENTION_RANGE, "days") from None
    else:
        raise InvalidInput(UNKNOWN_SETTING, "action")


@requires(AccountRole.COORDINATOR)
async def settings_action(request: Request, account: Account) -> Response:
    form = await checked_form(request)
    if form is None:
        return await _settings_view(request, account, 403, FORM_EXPIRED)
    action = str(form.get("action", ""))
    section = "logo" if action == "remove_logo" else action
    try:
        await _change(request, account, form, action)
    except InvalidInput as exc:
        typed = {k: str(v) for k, v in form.multi_items() if k != CSRF_FIELD}
        return await _settings_view(request, account, 400, exc.message, section, typed)
    return _saved(section)


@requires(AccountRole.COORDINATOR)
async def logo_upload(request: Request, account: Account) -> Response:
    """A new logo: the upload is read to a file of at most the logo's limit, then checked
    for what its bytes are."""
    svc = services(request)
    incoming = svc.settings.data_dir / "organisation" / "incoming"
    await asyncio.to_thread(incoming.mkdir, parents=True, exist_ok=True)
    try:
        form = await receive_upload(
            request, LOGO_FIELD, lambda _name: incoming / new_id(), MAX_LOGO_BYTES
        )
    except UploadRefused as exc:
        message = LOGO_TOO_LARGE if exc.code == "too_large" else BROKEN_LOGO_UPLOAD
        return await _settings_view(request, account, 413 if exc.code == "too_large" else 400,
                                    message, "logo")
    except ClientDisconnect:
        return Response(status_code=400)
    try:
        if not csrf_ok(request, form.fields.get(CSRF_FIELD)):
            return await _settings_view(request, account, 403, FORM_EXPIRED, "logo")
        if form.file is None:
            return await _settings_view(request, account, 400, LOGO_MISSING, "logo")
        data = await asyncio.to_thread(form.file.path.read_bytes)
        try:
            await profile(svc).set_logo(data, account.id)
        except InvalidInput as exc:
            status = 415 if exc.message == LOGO_NOT_IMAGE else 400
            return await _settings_view(request, account, status, exc.message, "logo")
    finally:
        if form.file is not None:
            form.file.path.unlink(missing_ok=True)
    return _saved("logo")


routes = [
    Route("/coordinator/settings", settings_page, methods=["GET"]),
    Route("/coordinator/settings", settings_action, methods=["POST"]),
    Route("/coordinator/settings/logo", logo_upload, methods=["POST"]),
]
