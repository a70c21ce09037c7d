"""Feedback pages: the resident's one tap after a call (their call link is the
permission), the interpreter's short form and safeguarding report, and the coordinator's
view of both. Safeguarding reports are shown to coordinators and nobody else."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from interp.domain import feedback as rules
from interp.domain.accounts import Account
from interp.domain.errors import DomainError, InvalidInput, InvalidToken, NotFound
from interp.domain.feedback import CallQuality, Seat
from interp.domain.kinds import AccountRole
from interp.http.formatting import formatting
from interp.http.guard import Refusal, requires
from interp.http.json_api import domain_error, error_response
from interp.http.pages import (
    CALL_ENDED,
    FORM_EXPIRED,
    LINK_INVALID,
    checked_form,
    message_page,
    page,
    say,
    wants_json,
)
from interp.http.staff_pages import UNKNOWN_ACTION
from interp.http.state import services
from interp.i18n import N_
from interp.realtime.coordinator import NEW_REPORT, REPORT_SEEN, announce

# Each form's message for the value the domain refuses, in the reader's language.
RESIDENT_ERRORS = {"understood": rules.CHOOSE_UNDERSTOOD, "comment": rules.COMMENT_TOO_LONG}

# What each answer of the interpreter's form is called on the pages.
QUALITY_NAMES = {
    CallQuality.GOOD: N_("Good"),
    CallQuality.SOME_PROBLEMS: N_("Some problems"),
    CallQuality.COULD_NOT_INTERPRET: N_("Could not interpret"),
}


# -- the resident ------------------------------------------------------------------------


async def _resident_page(
    request: Request, token: str, seat: Seat, error: str | None = None, status: int = 200,
    values: dict[str, str] | None = None,
) -> Response:
    context = {
        "token": token,
        "answer": await services(request).feedback.answer_of(seat),
        "error": error,
        "values": values or {},
        "max_comment": rules.MAX_COMMENT,
    }
    return page(request, "resident/feedback.html", context, status)


async def resident_feedback(request: Request) -> Response:
    """Where a resident lands after the call, and the form that works without script."""
    token = request.path_params["token"]
    try:
        seat = await services(request).feedback.resident_seat(token)
    except InvalidToken:
        return message_page(request, LINK_INVALID, 404)
    if not seat.started:
        return message_page(request, rules.NOT_STARTED, 409, f"/call/{token}", CALL_ENDED)
    return await _resident_page(request, token, seat)


async def resident_answer(request: Request) -> Response:
    """The one tap (Yes or No) with an optional comment; answering again replaces it."""
    token = request.path_params["token"]
    svc = services(request)
    form = await checked_form(request)
    if form is None:
        if wants_json(request):
            return error_response("forbidden", say(request, FORM_EXPIRED), 403)
        return message_page(request, FORM_EXPIRED, 403, f"/call/{token}/feedback", CALL_ENDED)
    understood = str(form.get("understood", ""))
    comment = str(form.get("comment", ""))
    try:
        answer = await svc.feedback.answer_as_resident(token, understood, comment)
    except InvalidToken:
        if wants_json(request):
            return error_response("invalid_token", say(request, LINK_INVALID), 404)
        return message_page(request, LINK_INVALID, 404)
    except InvalidInput as exc:
        message = RESIDENT_ERRORS.get(exc.field or "", rules.UNREADABLE)
        if wants_json(request):
            return error_response(exc.code, say(request, message), 400)
        seat = await svc.feedback.resident_seat(token)
        values = {"understood": understood, "comment": comment}
        return await _resident_page(request, token, seat, message, 400, values)
    except DomainError as exc:  # the call has not started
        if wants_json(request):
            return error_response("conflict", say(request, exc.message), 409)
        return message_page(request, exc.message, 409, f"/call/{token}", CALL_ENDED)
    if wants_json(request):
        return JSONResponse({"understood": answer.understood, "comment": answer.comment})
    return RedirectResponse(f"/call/{token}/feedback#thanks", status_code=303)


# -- the interpreter ---------------------------------------------------------------------


async def _interpreter_seat(request: Request, account: Account) -> Seat:
    """The volunteer's seat in the call the path names; a call that is not theirs is
    answered as one that does not exist."""
    try:
        return await services(request).feedback.interpreter_seat(
            request.path_params["room_id"], account.id
        )
    except DomainError as exc:
        raise Refusal(404, "not_found", rules.NO_SUCH_CALL) from exc


async def _volunteer_page(
    request: Request, account: Account, seat: Seat, error: str | None = None, status: int = 200,
    values: dict[str, str] | None = None,
) -> Response:
    context: dict[str, Any] = {
        "account": account,
        "seat": seat,
        "answer": await services(request).feedback.answer_of(seat),
        "qualities": list(CallQuality),
        "quality_names": QUALITY_NAMES,
        "error": error,
        "values": values or {},
        "max_note": rules.MAX_NOTE,
    }
    return page(request, "feedback/volunteer.html", context, status)


@requires(AccountRole.VOLUNTEER)
async def volunteer_feedback(request: Request, account: Account) -> Response:
    return await _volunteer_page(request, account, await _interpreter_seat(request, account))


@requires(AccountRole.VOLUNTEER)
async def volunteer_answer(request: Request, account: Account) -> Response:
    seat = await _interpreter_seat(request, account)
    form = await checked_form(request)
    if form is None:
        return await _volunteer_page(request, account, seat, FORM_EXPIRED, 403)
    values = {"quality": str(form.get("quality", "")), "note": str(form.get("note", ""))}
    try:
        await services(request).feedback.answer_as_interpreter(
            seat.room_id, account.id, values["quality"], values["note"]
        )
    except DomainError as exc:
        status = 400 if isinstance(exc, InvalidInput) else 409
        return await _volunteer_page(request, account, seat, exc.message, status, values)
    return RedirectResponse(f"/calls/{seat.room_id}/feedback#thanks", status_code=303)


async def _concern_page(
    request: Request,
    account: Account,
    seat: Seat,
    error: str | None = None,
    status: int = 200,
    text: str = "",
) -> Response:
    context = {
        "account": account,
        "seat": seat,
        "error": error,
        "concern": text,
        "sent": request.query_params.get("sent") == "1",
        "max_concern": rules.MAX_CONCERN,
    }
    return page(request, "feedback/safeguarding.html", context, status)


@requires(AccountRole.VOLUNTEER)
async def concern_form(request: Request, account: Account) -> Response:
    return await _concern_page(request, account, await _interpreter_seat(request, account))


@requires(AccountRole.VOLUNTEER)
async def report_concern(request: Request, account: Account) -> Response:
    seat = await _interpreter_seat(request, account)
    svc = services(request)
    form = await checked_form(request)
    text = str(form.get("concern", "")) if form is not None else ""
    if form is None:
        return await _concern_page(request, account, seat, FORM_EXPIRED, 403, text)
    try:
        report = await svc.feedback.report_concern(seat.room_id, account.id, text)
    except InvalidInput as exc:
        return await _concern_page(request, account, seat, exc.message, 400, text)
    await announce(svc.hub, NEW_REPORT, report.id)
    return RedirectResponse(f"/calls/{seat.room_id}/safeguarding?sent=1", status_code=303)


# -- the coordinator ---------------------------------------------------------------------


async def _coordinator_view(
    request: Request, account: Account, error: str | None = None, status: int = 200
) -> Response:
    svc = services(request)
    context = {
        "account": account,
        "reports": await svc.feedback.reports(),
        "summary": await svc.feedback.summary(),
        "qualities": list(CallQuality),
        "quality_names": QUALITY_NAMES,
        "error": error,
        **formatting(request),
    }
    return page(request, "feedback/coordinator.html", context, status)


@requires(AccountRole.COORDINATOR)
async def coordinator_feedback(request: Request, account: Account) -> Response:
    return await _coordinator_view(request, account)


@requires(AccountRole.COORDINATOR)
async def coordinator_action(request: Request, account: Account) -> Response:
    svc = services(request)
    form = await checked_form(request)
    if form is None:
        return await _coordinator_view(request, account, FORM_EXPIRED, 403)
    if form.get("action") != "seen":
        return await _coordinator_view(request, account, UNKNOWN_ACTION, 400)
    report_id = str(form.get("report", ""))
    try:
        await svc.feedback.mark_seen(report_id, account)
    except NotFound as exc:
        if wants_json(request):
            return domain_error(exc)
        return await _coordinator_view(request, account, exc.message, 400)
    await announce(svc.hub, REPORT_SEEN, report_id)
    return RedirectResponse(f"/coordinator/feedback#report-{report_id}", status_code=303)


routes = [
    Route("/call/{token}/feedback", resident_feedback, methods=["GET"]),
    Route("/call/{token}/feedback", resident_answer, methods=["POST"]),
    Route("/calls/{room_id}/feedback", volunteer_feedback, methods=["GET"]),
    Route("/calls/{room_id}/feedback", volunteer_answer, methods=["POST"]),
    Route("/calls/{room_id}/safeguarding", concern_form, methods=["GET"]),
    Route("/calls/{room_id}/safeguarding", report_concern, methods=["POST"]),
    Route("/coordinator/feedback", coordinator_feedback, methods=["GET"]),
    Route("/coordinator/feedback", coordinator_action, methods=["POST"]),
]
