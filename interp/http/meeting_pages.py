"""A caseworker's meetings: the list where they are made, and each meeting's host page,
where the host shares its links, asks for an interpreter and ends it.

Times: the create form's date and time is read in the browser's time zone (its IANA
name comes with the form, filled in by meetings.js; UTC without JavaScript) and stored
in UTC. Pages print times in UTC and meetings.js shows them in the reader's own zone.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from interp.domain.accounts import STAFF_ROLES, Account
from interp.domain.errors import DomainError, InvalidInput, NotAllowed, NotFound
from interp.domain.meeting_records import SCHEDULABLE_YEARS
from interp.domain.meeting_requests import AlreadyAsked
from interp.domain.meetings import MAX_TITLE, MeetingEnded, MeetingHasEnded, MeetingInfo
from interp.domain.request_records import MAX_NOTE
from interp.http.guard import Refusal, requires
from interp.http.meeting_call_pages import MEETING_ENDED, NO_MEETING, VIEW_QR, meeting_links
from interp.http.pages import FORM_EXPIRED, NOTE_TOO_LONG, checked_form, form_error, page, say
from interp.http.qr import qr_svg
from interp.http.state import services
from interp.i18n import N_
from interp.languages import LANGUAGES
from interp.services import Services

BACK_TO_MEETINGS = N_("Back to your meetings")
INVITE_QR = N_("QR code of the invite link")

# The create form's message for each value the domain refuses (any other: the mode).
BAD_TIME = N_(
    "Enter the date and time as shown, in a year from 2000 to 2100, or leave them empty."
)
BAD_LANGUAGES = N_("Choose up to 10 of the languages in the list.")
CHOOSE_MODE = N_("Choose an online meeting or a meeting in a room.")
CREATE_ERRORS = {
    "title": N_("Give the meeting a title (up to 200 characters)."),
    "languages": BAD_LANGUAGES,
    "scheduled_at": BAD_TIME,
    "mode": CHOOSE_MODE,
}

# The host page's message when a request for an interpreter is refused (any other: the
# language), by the value at fault, then by the error.
INTERPRETER_LANGUAGE = N_("Choose one of the meeting's languages.")
INTERPRETER_FIELDS = {"note": NOTE_TOO_LONG}
INTERPRETER_CODES = {
    AlreadyAsked.code: N_("Your request for an interpreter is still waiting."),
    MeetingHasEnded.code: MEETING_ENDED,
}
NO_ROOM_FOR_INTERPRETER = N_(
    "The meeting is full: someone must leave before an interpreter can join."
)


def scheduled_time(value: str, zone_name: str) -> datetime | None:
    """A datetime-local value ("2030-05-01T09:30") in the named zone, as UTC."""
    if not value.strip():
        return None
    try:
        zone: Any = ZoneInfo(zone_name) if zone_name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        zone = UTC
    try:
        local = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise InvalidInput(BAD_TIME, "scheduled_at") from exc
    if local.tzinfo is not None or local.year not in SCHEDULABLE_YEARS:
        # Checked before moving it to UTC, which overflows at the ends of the calendar.
        raise InvalidInput(BAD_TIME, "scheduled_at")
    return local.replace(tzinfo=zone).astimezone(UTC)


async def owned_meeting(request: Request, account: Account) -> MeetingInfo:
    """The meeting in the path, if this account holds it (or is a coordinator)."""
    try:
        return await services(request).meetings.owned(request.path_params["id"], account)
    except (NotFound, NotAllowed) as exc:
        raise Refusal(404, "not_found", NO_MEETING, "/meetings", BACK_TO_MEETINGS) from exc


# -- the caseworker's meetings ---------------------------------------------------------------


async def _list_view(
    request: Request, account: Account, status: int = 200, **extra: Any
) -> Response:
    svc = services(request)
    return page(
        request,
        "meetings/list.html",
        {
            "account": account,
            "languages": await svc.organisation.offered_languages(),
            "summaries": await svc.meetings.summaries(account.id),
            "max_title": MAX_TITLE,
            "values": {},
            "chosen": [],
            **extra,
        },
        status,
    )


meetings_page = requires(*STAFF_ROLES)(_list_view)


@requires(*STAFF_ROLES)
async def create_meeting(request: Request, account: Account) -> Response:
    svc = services(request)
    form = await checked_form(request)
    if form is None:
        return await _list_view(request, account, 403, error=FORM_EXPIRED)
    values = {k: str(form.get(k, "")) for k in ("title", "mode", "when", "timezone")}
    chosen = [str(code) for code in form.getlist("languages")]
    offered = {lang.code for lang in await svc.organisation.offered_languages()}
    try:
        if any(code not in offered for code in chosen):
            raise InvalidInput(BAD_LANGUAGES, "languages")
        meeting = await svc.meetings.create(
            account,
            values["title"],
            values["mode"],
            chosen,
            scheduled_time(values["when"], values["timezone"]),
        )
    except DomainError as exc:
        error = form_error(exc, CHOOSE_MODE, CREATE_ERRORS)
        return await _list_view(request, account, 400, error=error, values=values, chosen=chosen)
    return RedirectResponse(f"/meetings/{meeting.id}", status_code=303)


# -- one meeting: the host page ----------------------------------------------------------------


async def _host_view(
    request: Request, account: Account, status: int = 200, **extra: Any
) -> Response:
    meeting = await owned_meeting(request, account)
    svc = services(request)
    links = meeting_links(request, meeting)
    interpreter = await svc.queue.get(meeting.request_id) if meeting.request_id else None
    return page(
        request,
        "meetings/host.html",
        {
            "account": account,
            "meeting": meeting,
            "links": links,
            "invite_qr": qr_svg(links["invite"], say(request, INVITE_QR)),
            "view_qr": qr_svg(links["view"], say(request, VIEW_QR)),
            "attendees": await svc.meetings.attendees(meeting.id),
            # A coordinator opening another caseworker's meeting joins it by a button.
            "seated": await svc.meetings.seated(meeting, account.id),
            "links_renewed": request.query_params.get("links") == "new",
            "interpreter_request": interpreter,
            "interpreter_languages": [c for c in meeting.languages if c in LANGUAGES],
            "max_note": MAX_NOTE,
            **extra,
        },
        status,
    )


host_page = requires(*STAFF_ROLES)(_host_view)


@requires(*STAFF_ROLES)
async def request_interpreter(request: Request, account: Account) -> Response:
    meeting = await owned_meeting(request, account)
    form = await checked_form(request)
    if form is None:
        return await _host_view(request, account, 403, error=FORM_EXPIRED)
    svc = services(request)
    language = str(form.get("language", ""))
    note = str(form.get("note", ""))
    try:
        if not await svc.meetings.has_room(meeting.id):
            return await _host_view(request, account, 409, error=NO_ROOM_FOR_INTERPRETER)
        await svc.dispatcher.request_for_meeting(meeting.id, language, note)
    except DomainError as exc:
        error = form_error(exc, INTERPRETER_LANGUAGE, INTERPRETER_FIELDS, INTERPRETER_CODES)
        return await _host_view(request, account, 400, error=error)
    return RedirectResponse(f"/meetings/{meeting.id}#interpreter", status_code=303)


@requires(*STAFF_ROLES)
async def withdraw_interpreter(request: Request, account: Account) -> Response:
    meeting = await owned_meeting(request, account)
    if await checked_form(request) is None:
        return await _host_view(request, account, 403, error=FORM_EXPIRED)
    # Taken or gone meanwhile: the page shows where it stands.
    if meeting.request_id:
        with contextlib.suppress(DomainError):
            await services(request).dispatcher.withdraw_request(meeting.request_id)
    return RedirectResponse(f"/meetings/{meeting.id}#interpreter", status_code=303)


@requires(*STAFF_ROLES)
async def join_as_host(request: Request, account: Account) -> Response:
    """Take a place in the meeting's room as its host (the Start or Join button), then go
    to its call page."""
    meeting = await owned_meeting(request, account)
    if await checked_form(request) is None:
        return await _host_view(request, account, 403, error=FORM_EXPIRED)
    try:
        await services(request).meetings.host_seat(meeting.id, account)
    except MeetingEnded:
        return await _host_view(request, account, 409, error=MEETING_ENDED)
    return RedirectResponse(f"/meetings/{meeting.id}/call", status_code=303)


@requires(*STAFF_ROLES)
async def new_links(request: Request, account: Account) -> Response:
    """Replace the invite and caption-view links: the old ones stop working."""
    meeting = await owned_meeting(request, account)
    if await checked_form(request) is None:
        return await _host_view(request, account, 403, error=FORM_EXPIRED)
    try:
        await services(request).meetings.new_links(meeting.id, account)
    except MeetingHasEnded:
        return await _host_view(request, account, 409, error=MEETING_ENDED)
    return RedirectResponse(f"/meetings/{meeting.id}?links=new#links", status_code=303)


@requires(*STAFF_ROLES)
async def end_meeting(request: Request, account: Account) -> Response:
    meeting = await owned_meeting(request, account)
    form = await checked_form(request)
    if form is None:
        return await _host_view(request, account, 403, error=FORM_EXPIRED)
    svc = services(request)
    if form.get("transcript") != "offered" and await _transcript_goes_with_it(svc, meeting):
        return page(request, "meetings/end_first.html", {"meeting": meeting, "account": account})
    await svc.calls.end_meeting(meeting)
    return RedirectResponse(f"/meetings/{meeting.id}", status_code=303)


async def _transcript_goes_with_it(svc: Services, meeting: MeetingInfo) -> bool:
    """Whether ending the meeting deletes a transcript the host has not yet been offered:
    the organisation keeps transcripts only until their meeting ends."""
    if meeting.ended or await svc.transcripts.retention_days() > 0:
        return False
    return await svc.transcripts.count(meeting.id) > 0


routes = [
    Route("/meetings", meetings_page, methods=["GET"]),
    Route("/meetings", create_meeting, methods=["POST"]),
    Route("/meetings/{id}", host_page, methods=["GET"]),
    Route("/meetings/{id}/interpreter", request_interpreter, methods=["POST"]),
    Route("/meetings/{id}/interpreter/withdraw", withdraw_interpreter, methods=["POST"]),
    Route("/meetings/{id}/call", join_as_host, methods=["POST"]),
    Route("/meetings/{id}/links", new_links, methods=["POST"]),
    Route("/meetings/{id}/end", end_meeting, methods=["POST"]),
]
