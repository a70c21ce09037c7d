"""Booking an interpreter for a planned time: the caseworker's /bookings page (book, see,
cancel) and the volunteer's claim and release buttons on their dashboard.

Times: the form's date and time is read in the browser's time zone (meetings.js fills in
its name; UTC without JavaScript), as on the meetings page, and stored in UTC.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from interp.domain.accounts import STAFF_ROLES, Account
from interp.domain.booking_records import MAX_LENGTH_MIN, MIN_LENGTH_MIN
from interp.domain.errors import DomainError, InvalidInput
from interp.domain.kinds import AccountRole
from interp.domain.request_records import MAX_NOTE
from interp.domain.resident_links import LinkState
from interp.http.formatting import formatting, minutes_text
from interp.http.guard import requires
from interp.http.meeting_pages import scheduled_time
from interp.http.pages import FORM_EXPIRED, NOTE_TOO_LONG, checked_form, form_error, page
from interp.http.state import services
from interp.http.templating import request_locale
from interp.i18n import N_

LENGTHS_MIN = (15, 30, 45, 60, 90, 120, 180, MAX_LENGTH_MIN)
assert LENGTHS_MIN[0] == MIN_LENGTH_MIN

BAD_BOOKING_TIME = N_("Choose a date and time in the future, within a year.")
BAD_LENGTH = N_("Choose a length from the list.")
CHOOSE_SUBJECT = N_("Choose one of your meetings or unused resident links.")
LINK_TOO_SHORT = N_(
    "That resident link expires before the booked time. Send a new link nearer the time, "
    "or book for a meeting."
)
CREATE_ERRORS = {
    "starts_at": BAD_BOOKING_TIME,
    "length": BAD_LENGTH,
    "note": NOTE_TOO_LONG,
    "subject": CHOOSE_SUBJECT,
    "link_expiry": LINK_TOO_SHORT,
    "scheduled_at": BAD_BOOKING_TIME,
}
CHOOSE_BOOKING_LANGUAGE = N_("Choose one of the languages in the list.")
NOT_CANCELLED = N_("This booking was already cancelled.")

# What the volunteer's dashboard says after a claim or a release, by outcome.
VOLUNTEER_OUTCOMES = {
    "claimed": N_("You claimed the booking. You will get a reminder before it starts."),
    "released": N_("You handed the booking back. The caseworker has been told."),
    "taken": N_("Another interpreter claimed this booking first."),
    "refused": N_("This booking can no longer be claimed or handed back."),
}


async def _subjects(request: Request, account: Account) -> list[tuple[str, str, str]]:
    """What a booking may be for: (value, kind, label) for each meeting not ended and each
    resident link not used."""
    svc = services(request)
    meetings = [
        (f"meeting:{m.id}", "meeting", m.title)
        for m in await svc.meetings.history(account.id)
        if not m.ended
    ]
    links = [
        (f"link:{link.id}", "link", link.label)
        for link in await svc.links.sent_by(account.id)
        if link.state == LinkState.UNUSED
    ]
    return meetings + links


async def _page(request: Request, account: Account, status: int = 200, **extra: Any) -> Response:
    svc = services(request)
    locale = request_locale(request)
    return page(
        request,
        "bookings/list.html",
        {
            "account": account,
            "languages": await svc.organisation.offered_languages(),
            "subjects": await _subjects(request, account),
            "lengths": [(n, minutes_text(n, locale)) for n in LENGTHS_MIN],
            "entries": await svc.bookings.made_by(account.id),
            "notices": await svc.booking_notices.for_user(account.id),
            "max_note": MAX_NOTE,
            "values": {},
            "minutes_text": lambda n: minutes_text(n, locale),
            **formatting(request),
            **extra,
        },
        status,
    )


bookings_page = requires(*STAFF_ROLES)(_page)


@requires(*STAFF_ROLES)
async def create_booking(request: Request, account: Account) -> Response:
    form = await checked_form(request)
    if form is None:
        return await _page(request, account, 403, error=FORM_EXPIRED)
    fields = ("language", "when", "timezone", "length", "subject", "note")
    values = {k: str(form.get(k, "")) for k in fields}
    kind, _, subject_id = values["subject"].partition(":")
    try:
        starts_at = scheduled_time(values["when"], values["timezone"])
        if starts_at is None:
            raise InvalidInput(BAD_BOOKING_TIME, "starts_at")
        if not values["length"].isdigit():
            raise InvalidInput(BAD_LENGTH, "length")
        if kind not in ("meeting", "link") or not subject_id:
            raise InvalidInput(CHOOSE_SUBJECT, "subject")
        await services(request).booking_desk.create(
            account,
            values["language"],
            starts_at,
            int(values["length"]),
            meeting_id=subject_id if kind == "meeting" else None,
            resident_link_id=subject_id if kind == "link" else None,
            note=values["note"],
        )
    except DomainError as exc:
        error = form_error(exc, CHOOSE_BOOKING_LANGUAGE, CREATE_ERRORS)
        return await _page(request, account, 400, error=error, values=values)
    return RedirectResponse("/bookings?booked=1#bookings-heading", status_code=303)


@requires(*STAFF_ROLES)
async def cancel_booking(request: Request, account: Account) -> Response:
    if await checked_form(request) is None:
        return await _page(request, account, 403, error=FORM_EXPIRED)
    try:
        await services(request).booking_desk.cancel(request.path_params["id"], account)
    except DomainError:
        return await _page(request, account, 409, error=NOT_CANCELLED)
    return RedirectResponse("/bookings?cancelled=1#bookings-heading", status_code=303)


def _to_dashboard(outcome: str) -> Response:
    return RedirectResponse(f"/volunteer?booking={outcome}#bookings-heading", status_code=303)


@requires(AccountRole.VOLUNTEER)
async def claim_booking(request: Request, account: Account) -> Response:
    if await checked_form(request) is None:
        return _to_dashboard("expired")
    try:
        await services(request).booking_desk.claim(request.path_params["id"], account)
    except DomainError as exc:
        return _to_dashboard("taken" if exc.code == "taken" else "refused")
    return _to_dashboard("claimed")


@requires(AccountRole.VOLUNTEER)
async def release_booking(request: Request, account: Account) -> Response:
    if await checked_form(request) is None:
        return _to_dashboard("expired")
    try:
        await services(request).booking_desk.release(request.path_params["id"], account)
    except DomainError:
        return _to_dashboard("refused")
    return _to_dashboard("released")


async def volunteer_context(request: Request, account: Account) -> dict[str, Any]:
    """The bookings section of the volunteer's dashboard."""
    svc = services(request)
    outcome = request.query_params.get("booking", "")
    locale = request_locale(request)
    return {
        "open_bookings": await svc.bookings.open_for(account.languages),
        "my_bookings": await svc.bookings.claimed_by(account.id),
        "booking_notices": await svc.booking_notices.for_user(account.id),
        "booking_outcome": (
            FORM_EXPIRED if outcome == "expired" else VOLUNTEER_OUTCOMES.get(outcome)
        ),
        "booking_outcome_ok": outcome in ("claimed", "released"),
        "minutes_text": lambda n: minutes_text(n, locale),
    }


routes = [
    Route("/bookings", bookings_page, methods=["GET"]),
    Route("/bookings", create_booking, methods=["POST"]),
    Route("/bookings/{id}/cancel", cancel_booking, methods=["POST"]),
    Route("/bookings/{id}/claim", claim_booking, methods=["POST"]),
    Route("/bookings/{id}/release", release_booking, methods=["POST"]),
]
