"""Pages for residents (no account): ask for an interpreter, wait in the queue, join the call."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import NoMatchFound, Route

from interp.domain.errors import DomainError, InvalidToken, Unavailable
from interp.domain.kinds import RequestStatus, RoomKind
from interp.domain.request_records import MAX_NOTE, QueuedRequest
from interp.http.branding import branding, closed_notice, profile
from interp.http.call_page import call_page, desk_text
from interp.http.limits import client_address, too_many
from interp.http.meeting_call_pages import guest_call
from interp.http.pages import (
    ASK_AGAIN,
    CALL_ENDED,
    CHOOSE_LANGUAGE,
    FORM_EXPIRED,
    LINK_INVALID,
    NOTE_TOO_LONG,
    checked_form,
    form_error,
    message_page,
    page,
)
from interp.http.state import services
from interp.http.templating import request_locale
from interp.i18n import N_
from interp.languages import is_signed

# What a resident reads when something goes wrong, in their language.
CHOOSE_MEDIA = N_("Choose video or audio only.")
NOT_WAITING = N_("This request is not waiting any more, so automatic interpretation cannot start.")
REQUESTS_PAUSED = N_(
    "Requests cannot be taken right now because of a problem on the server. Nothing was sent. "
    "Please try again in a few minutes."
)
# The request form's message for each value the domain refuses (any other: the language).
REQUEST_ERRORS = {"media": CHOOSE_MEDIA, "note": NOTE_TOO_LONG}


async def _request_form(
    request: Request,
    link_token: str | None,
    error: str | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    svc = services(request)
    offered = await svc.organisation.offered_languages()
    context = {
        **await branding(request),
        "welcome": await profile(svc).welcome(request_locale(request)),
        "closed_notice": await closed_notice(request),
        "languages": offered,
        "link_token": link_token,
        "error": error,
        "values": values or {},
        "max_note": MAX_NOTE,
    }
    return page(request, "resident/request.html", context, status_code)


async def request_form(request: Request) -> Response:
    return await _request_form(request, None)


async def link_form(request: Request) -> Response:
    token = request.path_params["token"]
    try:
        await services(request).links.check(token)
    except InvalidToken:
        return message_page(request, LINK_INVALID, 404)
    return await _request_form(request, token)


async def submit_request(request: Request) -> Response:
    link_token = request.path_params.get("token")
    form = await request.form()
    values = {k: str(form.get(k, "")) for k in ("language", "media", "note", "captions")}
    if await checked_form(request) is None:
        return await _request_form(request, link_token, FORM_EXPIRED, values, 403)
    svc = services(request)
    refusal = too_many(request, await svc.limits.request(client_address(request)))
    if refusal is not None:
        return refusal
    try:
        new = await svc.dispatcher.create_request(
            values["language"],
            values["media"],
            values["note"],
            link_token,
            needs_captions=values["captions"] == "yes",
        )
    except DomainError as exc:
        codes = {InvalidToken.code: LINK_INVALID, Unavailable.code: REQUESTS_PAUSED}
        error = form_error(exc, CHOOSE_LANGUAGE, REQUEST_ERRORS, codes)
        status = 503 if isinstance(exc, Unavailable) else 400
        return await _request_form(request, link_token, error, values, status)
    return RedirectResponse(f"/q/{new.token}", status_code=303)


async def _queue_context(request: Request, token: str, req: QueuedRequest) -> dict[str, Any]:
    svc = services(request)
    state = await svc.dispatcher.queue_state(req.language_code)
    position = state["order"].index(req.id) + 1 if req.id in state["order"] else None
    estimate = state["estimated_wait_s"]
    return {
        **await branding(request),
        "token": token,
        "req": req,
        "position": position,
        "estimated_wait_min": (
            None
            if estimate is None or position is None
            else max(1, round(estimate * position / 60))
        ),
        "fallback_wait_s": await svc.queue.waits.seconds(),
        "machine_url": machine_interpretation_url(request, token),
    }


def machine_interpretation_url(request: Request, token: str) -> str | None:
    """Where a resident who waited too long can switch to machine interpretation, if this
    server has that page (a route named ``machine_interpretation`` taking ``token``)."""
    try:
        return str(request.url_for("machine_interpretation", token=token).path)
    except NoMatchFound:
        return None


async def queue_page(request: Request) -> Response:
    token = request.path_params["token"]
    try:
        req = await services(request).queue.by_token(token)
    except InvalidToken:
        return message_page(request, LINK_INVALID, 404)
    # Matched, or waiting in machine interpretation: the call page is where they are.
    if req.status == RequestStatus.MATCHED or (req.status == RequestStatus.OPEN and req.room_id):
        return RedirectResponse(f"/call/{token}", status_code=303)
    return page(request, "resident/queue.html", await _queue_context(request, token, req))


async def cancel_request(request: Request) -> Response:
    """Cancel without JavaScript (the page's script cancels over its WebSocket)."""
    token = request.path_params["token"]
    if await checked_form(request) is None:
        return message_page(request, FORM_EXPIRED, 403)
    try:
        await services(request).dispatcher.cancel_request(token)
    except InvalidToken:
        return message_page(request, LINK_INVALID, 404)
    except DomainError:
        pass  # already matched or closed: the queue page shows where things stand
    return RedirectResponse(f"/q/{token}", status_code=303)


async def start_machine_interpretation(request: Request) -> Response:
    """The resident who waited too long switches to machine interpretation."""
    token = request.path_params["token"]
    if await checked_form(request) is None:
        return message_page(request, FORM_EXPIRED, 403)
    svc = services(request)
    wait = await svc.limits.machine_room(client_address(request))
    refusal = too_many(request, wait, f"/q/{token}")
    if refusal is not None:
        return refusal
    try:
        await svc.dispatcher.start_machine_interpretation(token, svc.settings.local_language)
    except InvalidToken:
        return message_page(request, LINK_INVALID, 404)
    except DomainError:
        return message_page(request, NOT_WAITING, 409, f"/q/{token}", ASK_AGAIN)
    return RedirectResponse(f"/call/{token}", status_code=303)


async def resident_call(request: Request) -> Response:
    token = request.path_params["token"]
    svc = services(request)
    try:
        participant = await svc.rooms.participant_by_token(token)
    except InvalidToken:
        try:
            req = await svc.queue.by_token(token)
        except InvalidToken:
            return message_page(request, LINK_INVALID, 404)
        if req.status == RequestStatus.OPEN:  # handed back to the queue: wait there again
            return RedirectResponse(f"/q/{token}", status_code=303)
        return message_page(request, CALL_ENDED, 410)
    room = await svc.rooms.get(participant.room_id)
    if room.kind == RoomKind.MEETING:
        # A meeting's guest: their meeting page knows the waiting room and removal.
        return await guest_call(request)
    return await call_page(
        request,
        room,
        participant,
        {"token": token},
        "/request",
        queue_url=f"/q/{token}",
        sign_language=is_signed(participant.language_code),
        **desk_text(room.desk_language or svc.settings.local_language),
    )


routes = [
    Route("/request", request_form, methods=["GET"]),
    Route("/request", submit_request, methods=["POST"]),
    Route("/r/{token}", link_form, methods=["GET"]),
    Route("/r/{token}", submit_request, methods=["POST"]),
    Route("/q/{token}", queue_page, methods=["GET"]),
    Route("/q/{token}/cancel", cancel_request, methods=["POST"]),
    Route(
        "/q/{token}/machine",
        start_machine_interpretation,
        methods=["POST"],
        name="machine_interpretation",
    ),
    Route("/call/{token}", resident_call, methods=["GET"]),
]
