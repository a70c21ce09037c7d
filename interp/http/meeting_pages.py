"""Meeting pages: the caseworker's list and host page, the meeting's call page, and the
invite link where residents join (no account).

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

from interp import i18n
from interp.domain.accounts import Account
from interp.domain.errors import DomainError, InvalidInput, InvalidToken, NotAllowed, NotFound
from interp.domain.meetings import (
    MAX_NAME,
    MAX_TITLE,
    MeetingEnded,
    MeetingFull,
    MeetingInfo,
    Removed,
)
from interp.domain.requests import MAX_NOTE
from interp.domain.rooms import Participant
from interp.http.qr import qr_svg
from interp.http.resident_pages import (
    FORM_EXPIRED,
    LINK_INVALID,
    call_captions_context,
    desk_text,
    message_page,
)
from interp.http.security import CSRF_FIELD, csrf_ok, csrf_token
from interp.http.staff_pages import BACK_HOME, HOME_BY_ROLE, _form, _page, _signed_in
from interp.http.state import services
from interp.http.templating import render, request_locale
from interp.i18n import N_
from interp.languages import LANGUAGES, Language

STAFF = ("caseworker", "coordinator")

MEETING_ENDED = N_("This meeting has ended.")
MEETING_FULL = N_("This meeting is full (%(count)s people). Ask the caseworker.")
REMOVED = N_("The host removed you from this meeting.")
NO_MEETING = N_("This meeting does not exist, or it is another caseworker's.")
BACK_TO_MEETINGS = N_("Back to your meetings")
ENTER_NAME = N_("Enter your name (up to 100 characters).")
CHOOSE_LANGUAGE = N_("Choose one of the languages in the list.")
CHOOSE_TITLE = N_("Give the meeting a title (up to 200 characters).")
CHOOSE_MODE = N_("Choose an online meeting or a meeting in a room.")
BAD_TIME = N_("Enter the date and time as shown, or leave them empty.")
BAD_LANGUAGES = N_("Choose up to 10 of the languages in the list.")
INTERPRETER_LANGUAGE = N_("Choose one of the meeting's languages.")
INTERPRETER_WAITING = N_("Your request for an interpreter is still waiting.")
NOTE_TOO_LONG = N_("The note is too long.")
NO_ROOM_FOR_INTERPRETER = N_(
    "The meeting is full: someone must leave before an interpreter can join."
)
INVITE_QR = N_("QR code of the invite link")
VIEW_QR = N_("QR code of the caption view link")


def _say(request: Request, message: str) -> str:
    """A message in the page's language (for text made outside a template)."""
    return i18n.translations(request_locale(request)).gettext(message)


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
        raise InvalidInput(BAD_TIME) from exc
    if local.tzinfo is not None:
        raise InvalidInput(BAD_TIME)
    return local.replace(tzinfo=zone).astimezone(UTC)


def _links(request: Request, meeting: MeetingInfo) -> dict[str, str]:
    svc = services(request)
    tokens = svc.meetings.links(meeting.id)
    base = svc.settings.effective_public_url
    return {"invite": f"{base}/j/{tokens.invite_token}", "view": f"{base}/v/{tokens.view_token}"}


async def _offered(request: Request) -> list[Language]:
    return await services(request).organisation.offered_languages()


async def _owned(request: Request, account: Account) -> MeetingInfo | None:
    try:
        return await services(request).meetings.owned(request.path_params["id"], account)
    except (NotFound, NotAllowed):
        return None


def _no_meeting(request: Request) -> Response:
    return message_page(request, NO_MEETING, 404, "/meetings", BACK_TO_MEETINGS)


# -- the caseworker's meetings ---------------------------------------------------------------


async def meetings_page(request: Request, status: int = 200, **extra: Any) -> Response:
    account = await _signed_in(request, *STAFF)
    if isinstance(account, Response):
        return account
    svc = services(request)
    return _page(
        request,
        "meetings/list.html",
        {
            "account": account,
            "languages": await _offered(request),
            "summaries": await svc.meetings.summaries(account.id),
            "max_title": MAX_TITLE,
            "values": {},
            "chosen": [],
            **extra,
        },
        status,
    )


async def create_meeting(request: Request) -> Response:
    account = await _signed_in(request, *STAFF)
    if isinstance(account, Response):
        return account
    form = await _form(request)
    if form is None:
        return await meetings_page(request, 403, error=FORM_EXPIRED)
    values = {k: str(form.get(k, "")) for k in ("title", "mode", "when", "timezone")}
    chosen = [str(code) for code in form.getlist("languages")]
    offered = {lang.code for lang in await _offered(request)}
    try:
        if any(code not in offered for code in chosen):
            raise InvalidInput(BAD_LANGUAGES)
        meeting = await services(request).meetings.create(
            account,
            values["title"],
            values["mode"],
            chosen,
            scheduled_time(values["when"], values["timezone"]),
        )
    except DomainError as exc:
        error = _create_error(exc)
        return await meetings_page(request, 400, error=error, values=values, chosen=chosen)
    return RedirectResponse(f"/meetings/{meeting.id}", status_code=303)


def _create_error(exc: DomainError) -> str:
    message = exc.message
    if message in (BAD_TIME, BAD_LANGUAGES):
        return message
    if "title" in message:
        return CHOOSE_TITLE
    if "language" in message:
        return BAD_LANGUAGES
    return CHOOSE_MODE


# -- one meeting: the host page ----------------------------------------------------------------


async def host_page(request: Request, status: int = 200, **extra: Any) -> Response:
    account = await _signed_in(request, *STAFF)
    if isinstance(account, Response):
        return account
    meeting = await _owned(request, account)
    if meeting is None:
        return _no_meeting(request)
    svc = services(request)
    links = _links(request, meeting)
    interpreter = await svc.queue.get(meeting.request_id) if meeting.request_id else None
    return _page(
        request,
        "meetings/host.html",
        {
            "account": account,
            "meeting": meeting,
            "links": links,
            "invite_qr": qr_svg(links["invite"], _say(request, INVITE_QR)),
            "view_qr": qr_svg(links["view"], _say(request, VIEW_QR)),
            "attendees": await svc.meetings.attendees(meeting.id),
            "interpreter_request": interpreter,
            "interpreter_languages": [c for c in meeting.languages if c in LANGUAGES],
            "max_note": MAX_NOTE,
            **extra,
        },
        status,
    )


async def request_interpreter(request: Request) -> Response:
    account = await _signed_in(request, *STAFF)
    if isinstance(account, Response):
        return account
    meeting = await _owned(request, account)
    if meeting is None:
        return _no_meeting(request)
    form = await _form(request)
    if form is None:
        return await host_page(request, 403, error=FORM_EXPIRED)
    svc = services(request)
    language = str(form.get("language", ""))
    note = str(form.get("note", ""))
    try:
        if not await svc.meetings.has_room(meeting.id):
            return await host_page(request, 409, error=NO_ROOM_FOR_INTERPRETER)
        await svc.dispatcher.request_for_meeting(meeting.id, language, note)
    except DomainError as exc:
        return await host_page(request, 400, error=_interpreter_error(exc))
    return RedirectResponse(f"/meetings/{meeting.id}#interpreter", status_code=303)


def _interpreter_error(exc: DomainError) -> str:
    if "waiting" in exc.message:
        return INTERPRETER_WAITING
    if "ended" in exc.message:
        return MEETING_ENDED
    if "note" in exc.message:
        return NOTE_TOO_LONG
    return INTERPRETER_LANGUAGE


async def withdraw_interpreter(request: Request) -> Response:
    account = await _signed_in(request, *STAFF)
    if isinstance(account, Response):
        return account
    meeting = await _owned(request, account)
    if meeting is None:
        return _no_meeting(request)
    if await _form(request) is None:
        return await host_page(request, 403, error=FORM_EXPIRED)
    # Taken or gone meanwhile: the page shows where it stands.
    if meeting.request_id:
        with contextlib.suppress(DomainError):
            await services(request).dispatcher.withdraw_request(meeting.request_id)
    return RedirectResponse(f"/meetings/{meeting.id}#interpreter", status_code=303)


async def end_meeting(request: Request) -> Response:
    account = await _signed_in(request, *STAFF)
    if isinstance(account, Response):
        return account
    meeting = await _owned(request, account)
    if meeting is None:
        return _no_meeting(request)
    if await _form(request) is None:
        return await host_page(request, 403, error=FORM_EXPIRED)
    await services(request).calls.end_meeting(meeting)
    return RedirectResponse(f"/meetings/{meeting.id}", status_code=303)


# -- the call page of a meeting ----------------------------------------------------------------


async def _call_page(
    request: Request,
    meeting: MeetingInfo,
    participant: Participant,
    hello: dict[str, str],
    home_url: str,
    waiting: bool,
) -> Response:
    svc = services(request)
    room = await svc.rooms.get(meeting.room_id)
    host = participant.role == "caseworker"
    links = _links(request, meeting) if host else None
    context: dict[str, Any] = {
        "room": room,
        "participant": participant,
        "hello": hello,
        "home_url": home_url,
        "queue_url": home_url,
        "is_interpreter": False,
        "request_note": "",
        "sign_language": False,
        "meeting": meeting,
        "meeting_host": host,
        "meeting_waiting": waiting,
        "meeting_links": links,
        "view_qr": qr_svg(links["view"], _say(request, VIEW_QR)) if links else None,
        "csrf_token": csrf_token(request),
        **await call_captions_context(request, room, participant),
        **desk_text(svc.settings.local_language),
    }
    response = render(request, "resident/call.html", context)
    response.headers["cache-control"] = "no-store"
    return response


async def meeting_call(request: Request) -> Response:
    """The call page for people with an account: the host, a coordinator, the interpreter."""
    account = await _signed_in(request)
    if isinstance(account, Response):
        return account
    svc = services(request)
    home = HOME_BY_ROLE[account.role]
    try:
        meeting = await svc.meetings.get(request.path_params["id"])
        if meeting.ended:
            return message_page(request, MEETING_ENDED, 410, home, BACK_HOME)
        if account.role in STAFF:
            await svc.meetings.host_seat(meeting.id, account)
        participant = await svc.rooms.participant_for_user(meeting.room_id, account.id)
    except DomainError:
        return message_page(request, NO_MEETING, 404, home, BACK_HOME)
    home_url = f"/meetings/{meeting.id}" if participant.role == "caseworker" else home
    return await _call_page(request, meeting, participant, {"room": meeting.room_id},
                            home_url, waiting=False)


# -- residents: the invite link and their call page ---------------------------------------------


async def _join_form(
    request: Request,
    meeting: MeetingInfo,
    error: str | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
    **extra: Any,
) -> Response:
    offered = await _offered(request)
    # The meeting's own languages first: most guests will find theirs at the top.
    offered.sort(key=lambda lang: lang.code not in meeting.languages)
    response = render(
        request,
        "meetings/join.html",
        {
            "meeting": meeting,
            "languages": offered,
            "error": error,
            "values": values or {},
            "max_name": MAX_NAME,
            "csrf_token": csrf_token(request),
            **extra,
        },
        status,
    )
    response.headers["cache-control"] = "no-store"
    return response


async def join_form(request: Request) -> Response:
    try:
        meeting = await services(request).meetings.by_invite_token(request.path_params["token"])
    except MeetingEnded:
        return message_page(request, MEETING_ENDED, 410)
    except InvalidToken:
        return message_page(request, LINK_INVALID, 404)
    return await _join_form(request, meeting)


async def join(request: Request) -> Response:
    svc = services(request)
    token = request.path_params["token"]
    try:
        meeting = await svc.meetings.by_invite_token(token)
    except MeetingEnded:
        return message_page(request, MEETING_ENDED, 410)
    except InvalidToken:
        return message_page(request, LINK_INVALID, 404)
    form = await request.form()
    values = {k: str(form.get(k, "")) for k in ("name", "language")}
    if not csrf_ok(request, str(form.get(CSRF_FIELD, ""))):
        return await _join_form(request, meeting, FORM_EXPIRED, values, 403)
    try:
        guest = await svc.meetings.join(token, values["name"], values["language"])
    except MeetingFull as exc:
        return await _join_form(request, meeting, MEETING_FULL, values, 409, full=exc.limit)
    except MeetingEnded:
        return message_page(request, MEETING_ENDED, 410)
    except DomainError as exc:
        error = ENTER_NAME if "name" in exc.message else CHOOSE_LANGUAGE
        return await _join_form(request, meeting, error, values, 400)
    return RedirectResponse(f"/m/{guest.token}", status_code=303)


async def guest_call(request: Request) -> Response:
    svc = services(request)
    token = request.path_params["token"]
    try:
        meeting, attendee = await svc.meetings.guest(token)
        participant = await svc.rooms.participant_by_token(token)
    except MeetingEnded:
        return message_page(request, MEETING_ENDED, 410)
    except Removed:
        return message_page(request, REMOVED, 403)
    except InvalidToken:
        return message_page(request, LINK_INVALID, 404)
    return await _call_page(
        request, meeting, participant, {"token": token}, "/", waiting=not attendee.admitted
    )


routes = [
    Route("/meetings", meetings_page, methods=["GET"]),
    Route("/meetings", create_meeting, methods=["POST"]),
    Route("/meetings/{id}", host_page, methods=["GET"]),
    Route("/meetings/{id}/interpreter", request_interpreter, methods=["POST"]),
    Route("/meetings/{id}/interpreter/withdraw", withdraw_interpreter, methods=["POST"]),
    Route("/meetings/{id}/end", end_meeting, methods=["POST"]),
    Route("/meetings/{id}/call", meeting_call, methods=["GET"]),
    Route("/j/{token}", join_form, methods=["GET"]),
    Route("/j/{token}", join, methods=["POST"]),
    Route("/m/{token}", guest_call, methods=["GET"]),
]
