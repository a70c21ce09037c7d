"""Pages for residents (no account): ask for an interpreter, wait in the queue, join the call."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import NoMatchFound, Route

from interp import i18n
from interp.domain.errors import DomainError, InvalidInput, InvalidToken
from interp.domain.requests import MAX_NOTE, QueuedRequest
from interp.domain.rooms import Participant, RoomInfo
from interp.http.security import CSRF_FIELD, csrf_ok, csrf_token
from interp.http.state import services
from interp.http.templating import gettext_functions, render
from interp.i18n import N_
from interp.languages import LANGUAGES, Language, is_signed

# What a resident reads when something goes wrong, in their language.
LINK_INVALID = N_("This link is not valid any more. It may have expired or been used already.")
FORM_EXPIRED = N_("The page had expired. Please try again.")
NOT_OFFERED = N_("Choose one of the languages in the list.")
CHOOSE_MEDIA = N_("Choose video or audio only.")
NOTE_TOO_LONG = N_("The note is too long.")
CALL_ENDED = N_("This call has ended.")
NOT_WAITING = N_("This request is not waiting any more, so automatic interpretation cannot start.")


ASK_AGAIN = N_("Ask for an interpreter")


def message_page(
    request: Request,
    message: str,
    status_code: int,
    next_url: str = "/request",
    next_label: str = ASK_AGAIN,
) -> Response:
    """A plain message with one next step (by default: ask for an interpreter)."""
    context = {"message": message, "next_url": next_url, "next_label": next_label}
    return render(request, "resident/message.html", context, status_code)


async def _request_form(
    request: Request,
    link_token: str | None,
    error: str | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    offered = await services(request).organisation.offered_languages()
    response = render(
        request,
        "resident/request.html",
        {
            "languages": offered,
            "link_token": link_token,
            "error": error,
            "values": values or {},
            "max_note": MAX_NOTE,
            "csrf_token": csrf_token(request),
        },
        status_code,
    )
    # The form carries a CSRF token tied to the session cookie: never serve it from a cache.
    response.headers["cache-control"] = "no-store"
    return response


async def request_form(request: Request) -> Response:
    return await _request_form(request, None)


async def link_form(request: Request) -> Response:
    token = request.path_params["token"]
    try:
        await services(request).links.check(token)
    except InvalidToken:
        return message_page(request, LINK_INVALID, 404)
    return await _request_form(request, token)


def _resident_error(exc: DomainError, language: str, media: str) -> str:
    if isinstance(exc, InvalidToken):
        return LINK_INVALID
    if isinstance(exc, InvalidInput) and media not in ("video", "audio"):
        return CHOOSE_MEDIA
    if isinstance(exc, InvalidInput) and "note" in exc.message:
        return NOTE_TOO_LONG
    return NOT_OFFERED


async def submit_request(request: Request) -> Response:
    link_token = request.path_params.get("token")
    form = await request.form()
    values = {k: str(form.get(k, "")) for k in ("language", "media", "note")}
    if not csrf_ok(request, str(form.get(CSRF_FIELD, ""))):
        return await _request_form(request, link_token, FORM_EXPIRED, values, 403)
    try:
        new = await services(request).dispatcher.create_request(
            values["language"], values["media"], values["note"], link_token
        )
    except DomainError as exc:
        error = _resident_error(exc, values["language"], values["media"])
        return await _request_form(request, link_token, error, values, 400)
    return RedirectResponse(f"/q/{new.token}", status_code=303)


async def _queue_context(request: Request, token: str, req: QueuedRequest) -> dict[str, Any]:
    svc = services(request)
    state = await svc.dispatcher.queue_state(req.language_code)
    position = state["order"].index(req.id) + 1 if req.id in state["order"] else None
    estimate = state["estimated_wait_s"]
    return {
        "token": token,
        "req": req,
        "position": position,
        "estimated_wait_min": (
            None
            if estimate is None or position is None
            else max(1, round(estimate * position / 60))
        ),
        "fallback_wait_s": svc.settings.fallback_wait_s,
        "machine_url": machine_interpretation_url(request, token),
        "csrf_token": csrf_token(request),
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
    if req.status == "matched" or (req.status == "open" and req.room_id):
        return RedirectResponse(f"/call/{token}", status_code=303)
    response = render(request, "resident/queue.html", await _queue_context(request, token, req))
    response.headers["cache-control"] = "no-store"
    return response


async def cancel_request(request: Request) -> Response:
    """Cancel without JavaScript (the page's script cancels over its WebSocket)."""
    token = request.path_params["token"]
    form = await request.form()
    if not csrf_ok(request, str(form.get(CSRF_FIELD, ""))):
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
    form = await request.form()
    if not csrf_ok(request, str(form.get(CSRF_FIELD, ""))):
        return message_page(request, FORM_EXPIRED, 403)
    svc = services(request)
    try:
        await svc.dispatcher.start_machine_interpretation(token, svc.settings.local_language)
    except InvalidToken:
        return message_page(request, LINK_INVALID, 404)
    except DomainError:
        return message_page(request, NOT_WAITING, 409, f"/q/{token}", ASK_AGAIN)
    return RedirectResponse(f"/call/{token}", status_code=303)


async def call_captions_context(
    request: Request, room: RoomInfo, participant: Participant
) -> dict[str, Any]:
    """What a call page needs for captions: the room's kind and the languages to read."""
    svc = services(request)
    local = svc.settings.local_language
    offered = [lang for lang in await svc.organisation.offered_languages() if not lang.signed]
    spoken = [LANGUAGES[code] for code in room.spoken_languages(local) if code in LANGUAGES]
    choices: list[Language] = list({lang.code: lang for lang in [*spoken, *offered]}.values())
    return {
        "machine": room.machine,
        "local_language": local,
        "caption_languages": choices,
        "caption_reading": participant.caption_languages
        or room.default_reading(participant, local),
    }


def desk_text(language: str) -> dict[str, Any]:
    """The desk half of the face-to-face view speaks the staff's language where the interface
    has it (English otherwise): its locale, text direction and ``_()`` for call.html."""
    locale = i18n.negotiate_locale(language, None)
    return {
        "desk_locale": locale,
        "desk_direction": i18n.text_direction(locale),
        "desk_gettext": gettext_functions(i18n.translations(locale))["_"],
    }


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
        if req.status == "open":  # handed back to the queue: wait there again
            return RedirectResponse(f"/q/{token}", status_code=303)
        return message_page(request, CALL_ENDED, 410)
    room = await svc.rooms.get(participant.room_id)
    response = render(
        request,
        "resident/call.html",
        {
            "room": room,
            "participant": participant,
            "hello": {"token": token},
            "queue_url": f"/q/{token}",
            "home_url": "/request",
            "is_interpreter": False,
            "sign_language": is_signed(participant.language_code),
            **await call_captions_context(request, room, participant),
            **desk_text(room.desk_language or svc.settings.local_language),
        },
    )
    response.headers["cache-control"] = "no-store"
    return response


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
