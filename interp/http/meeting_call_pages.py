"""A meeting's call page: for its host, a coordinator or its interpreter (who have
accounts), and for residents, who come by the invite link, give their name and
language, and wait there until the host lets them in."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from interp.domain.accounts import Account, is_staff
from interp.domain.errors import DomainError, InvalidToken
from interp.domain.meetings import (
    HOST_ROLE,
    MAX_NAME,
    MeetingEnded,
    MeetingFull,
    MeetingInfo,
    Removed,
)
from interp.domain.rooms import Participant
from interp.http.call_page import call_page, desk_text
from interp.http.guard import Refusal, requires
from interp.http.limits import client_address, too_many
from interp.http.pages import (
    CHOOSE_LANGUAGE,
    FORM_EXPIRED,
    LINK_INVALID,
    checked_form,
    form_error,
    home_url,
    message_page,
    page,
    say,
)
from interp.http.qr import qr_svg
from interp.http.state import services
from interp.i18n import N_

MEETING_ENDED = N_("This meeting has ended.")
REMOVED = N_("The host removed you from this meeting.")
NO_MEETING = N_("This meeting does not exist, or it is another caseworker's.")
ENTER_NAME = N_("Enter your name (up to 100 characters).")
VIEW_QR = N_("QR code of the caption view link")
# The session key of the guests this browser has been, by meeting (so that someone the
# host removed is told so when they open the invite again), and how many it keeps.
GUEST_SEATS = "meeting_guests"
MAX_GUEST_SEATS = 10
# Why a link of a meeting lets nobody in now: the page's message and status, by error code.
LINK_REFUSALS = {MeetingEnded.code: (MEETING_ENDED, 410), Removed.code: (REMOVED, 403)}


def meeting_links(request: Request, meeting: MeetingInfo) -> dict[str, str]:
    """The meeting's invite and caption-view links, in full."""
    svc = services(request)
    tokens = svc.meetings.links(meeting)
    base = svc.settings.effective_public_url
    return {"invite": f"{base}/j/{tokens.invite_token}", "view": f"{base}/v/{tokens.view_token}"}


async def _meeting_call_page(
    request: Request,
    meeting: MeetingInfo,
    participant: Participant,
    hello: dict[str, str],
    home: str,
    waiting: bool,
) -> Response:
    svc = services(request)
    room = await svc.rooms.get(meeting.room_id)
    host = participant.role == HOST_ROLE
    links = meeting_links(request, meeting) if host else None
    return await call_page(
        request,
        room,
        participant,
        hello,
        home,
        meeting=meeting,
        meeting_host=host,
        meeting_waiting=waiting,
        meeting_links=links,
        view_qr=qr_svg(links["view"], say(request, VIEW_QR)) if links else None,
        **desk_text(svc.settings.local_language),
    )


@requires()
async def meeting_call(request: Request, account: Account) -> Response:
    """The call page for people with an account: the host, a coordinator, the interpreter.
    Reading it changes nothing: a host without a place in the room yet (a coordinator
    opening another caseworker's meeting) is sent to the meeting's page to join it."""
    svc = services(request)
    try:
        meeting = await svc.meetings.get(request.path_params["id"])
        if meeting.ended:
            raise Refusal(410, "ended", MEETING_ENDED)
        if is_staff(account) and not await svc.meetings.seated(meeting, account.id):
            await svc.meetings.owned(meeting.id, account)
            return RedirectResponse(f"/meetings/{meeting.id}", status_code=303)
        participant = await svc.rooms.participant_for_user(meeting.room_id, account.id)
    except DomainError as exc:
        raise Refusal(404, "not_found", NO_MEETING) from exc
    host = participant.role == HOST_ROLE
    home = f"/meetings/{meeting.id}" if host else home_url(account)
    return await _meeting_call_page(
        request, meeting, participant, {"room": meeting.room_id}, home, waiting=False
    )


def _earlier_seat(request: Request, meeting: MeetingInfo) -> str | None:
    """The participant this browser was when it last joined the meeting, if it did."""
    seats = request.session.get(GUEST_SEATS)
    return seats.get(meeting.id) if isinstance(seats, dict) else None


def _remember_seat(request: Request, meeting: MeetingInfo, participant_id: str) -> None:
    seats = request.session.get(GUEST_SEATS)
    seats = dict(seats) if isinstance(seats, dict) else {}
    seats.pop(meeting.id, None)
    seats[meeting.id] = participant_id
    # The newest few: the session cookie stays small.
    request.session[GUEST_SEATS] = dict(list(seats.items())[-MAX_GUEST_SEATS:])


async def _join_form(
    request: Request,
    meeting: MeetingInfo,
    error: str | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
    **extra: Any,
) -> Response:
    offered = await services(request).organisation.offered_languages()
    # The meeting's own languages first: most guests will find theirs at the top.
    offered.sort(key=lambda lang: lang.code not in meeting.languages)
    context = {
        "meeting": meeting,
        "languages": offered,
        "error": error,
        "values": values or {},
        "max_name": MAX_NAME,
        **extra,
    }
    return page(request, "meetings/join.html", context, status)


def _link_refused(request: Request, exc: DomainError) -> Response:
    message, status = LINK_REFUSALS.get(exc.code, (LINK_INVALID, 404))
    return message_page(request, message, status)


async def join_form(request: Request) -> Response:
    meetings = services(request).meetings
    try:
        meeting = await meetings.by_invite_token(request.path_params["token"])
        await meetings.check_not_removed(meeting, _earlier_seat(request, meeting))
    except (InvalidToken, Removed) as exc:
        return _link_refused(request, exc)
    return await _join_form(request, meeting)


async def join(request: Request) -> Response:
    svc = services(request)
    token = request.path_params["token"]
    try:
        meeting = await svc.meetings.by_invite_token(token)
    except InvalidToken as exc:
        return _link_refused(request, exc)
    form = await request.form()
    values = {k: str(form.get(k, "")) for k in ("name", "language")}
    if await checked_form(request) is None:
        return await _join_form(request, meeting, FORM_EXPIRED, values, 403)
    refusal = too_many(request, await svc.limits.guest_join(token, client_address(request)))
    if refusal is not None:
        return refusal
    try:
        guest = await svc.meetings.join(
            token, values["name"], values["language"], _earlier_seat(request, meeting)
        )
    except MeetingFull as exc:
        return await _join_form(request, meeting, None, values, 409, full=exc.limit)
    except (MeetingEnded, Removed) as exc:
        return _link_refused(request, exc)
    except DomainError as exc:
        error = form_error(exc, CHOOSE_LANGUAGE, {"name": ENTER_NAME})
        return await _join_form(request, meeting, error, values, 400)
    _remember_seat(request, meeting, guest.attendee.id)
    return RedirectResponse(f"/m/{guest.token}", status_code=303)


async def guest_call(request: Request) -> Response:
    svc = services(request)
    token = request.path_params["token"]
    try:
        meeting, attendee = await svc.meetings.guest(token)
        participant = await svc.rooms.participant_by_token(token)
    except (InvalidToken, Removed) as exc:
        return _link_refused(request, exc)
    return await _meeting_call_page(
        request, meeting, participant, {"token": token}, "/", waiting=not attendee.admitted
    )


routes = [
    Route("/meetings/{id}/call", meeting_call, methods=["GET"]),
    Route("/j/{token}", join_form, methods=["GET"]),
    Route("/j/{token}", join, methods=["POST"]),
    Route("/m/{token}", guest_call, methods=["GET"]),
]
