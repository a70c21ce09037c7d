"""The JSON API: languages, creating requests, accepting them (for clients other than the pages)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from interp.domain.accounts import Account
from interp.domain.errors import Conflict, DomainError
from interp.domain.kinds import AccountRole
from interp.http.guard import requires
from interp.http.json_api import domain_error, error_response, json_body
from interp.http.limits import client_address, too_many
from interp.http.security import CSRF_HEADER, csrf_ok
from interp.http.state import services
from interp.languages import sorted_languages


async def languages(request: Request) -> JSONResponse:
    offered = await services(request).organisation.offered_languages()
    return JSONResponse(
        {
            "offered": [lang.as_dict() for lang in offered],
            "known": [lang.as_dict() for lang in sorted_languages()],
        }
    )


async def create_request(request: Request) -> Response:
    svc = services(request)
    refusal = too_many(request, await svc.limits.request(client_address(request)))
    if refusal is not None:
        return refusal
    data = await json_body(request)
    fields = {"language": str, "media": str, "note": str, "link": str, "needs_captions": bool}
    for name, value in data.items():
        if name not in fields or not isinstance(value, fields[name]):
            return error_response("invalid", f"Unexpected or ill-typed field {name!r}.", 400)
    try:
        new = await svc.dispatcher.create_request(
            data.get("language", ""),
            data.get("media", ""),
            data.get("note", ""),
            data.get("link"),
            needs_captions=data.get("needs_captions", False),
        )
    except DomainError as exc:
        return domain_error(exc)
    return JSONResponse(
        {
            "request": new.request.as_dict(),
            "token": new.token,
            "queue_url": f"/q/{new.token}",
            "call_url": f"/call/{new.token}",
        },
        status_code=201,
    )


@requires(AccountRole.VOLUNTEER)
async def accept_request(request: Request, account: Account) -> Response:
    if not csrf_ok(request, request.headers.get(CSRF_HEADER)):
        return error_response("csrf", "Missing or wrong CSRF token.", 403)
    try:
        match = await services(request).dispatcher.accept(request.path_params["id"], account)
    except Conflict as exc:
        return error_response("taken", exc.message, 409)
    except DomainError as exc:
        return domain_error(exc)
    return JSONResponse({"room": match.room_id, "call_url": f"/rooms/{match.room_id}"})


routes = [
    Route("/api/languages", languages, methods=["GET"]),
    Route("/api/requests", create_request, methods=["POST"]),
    Route("/api/requests/{id}/accept", accept_request, methods=["POST"]),
]
