"""The JSON API: languages, creating requests, accepting them (for clients other than the pages)."""

from __future__ import annotations

import json
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from interp.domain.errors import Conflict, DomainError, InvalidInput, InvalidToken, NotAllowed
from interp.http.auth import require_account
from interp.http.security import CSRF_HEADER, csrf_ok
from interp.http.state import services
from interp.languages import sorted_languages

MAX_BODY = 16 * 1024
STATUS_BY_ERROR = {InvalidInput: 400, InvalidToken: 404, NotAllowed: 403, Conflict: 409}


def error_response(code: str, message: str, status: int) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def domain_error(exc: DomainError) -> JSONResponse:
    status = next((s for kind, s in STATUS_BY_ERROR.items() if isinstance(exc, kind)), 404)
    return error_response(exc.code, exc.message, status)


async def json_body(request: Request) -> dict[str, Any]:
    # Requiring a JSON content type also makes browsers preflight cross-site calls.
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise HTTPException(415, "Send JSON (Content-Type: application/json).")
    body = await request.body()
    if len(body) > MAX_BODY:
        raise HTTPException(413, f"Request bodies are limited to {MAX_BODY} bytes.")
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise HTTPException(400, "The body is not valid JSON.") from exc
    if not isinstance(data, dict):
        raise HTTPException(400, "The body must be a JSON object.")
    return data


async def health(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def languages(request: Request) -> JSONResponse:
    offered = await services(request).organisation.offered_languages()
    return JSONResponse(
        {
            "offered": [lang.as_dict() for lang in offered],
            "known": [lang.as_dict() for lang in sorted_languages()],
        }
    )


async def create_request(request: Request) -> JSONResponse:
    data = await json_body(request)
    fields = {"language": str, "media": str, "note": str, "link": str}
    for name, value in data.items():
        if name not in fields or not isinstance(value, fields[name]):
            return error_response("invalid", f"Unexpected or ill-typed field {name!r}.", 400)
    try:
        new = await services(request).dispatcher.create_request(
            data.get("language", ""), data.get("media", ""), data.get("note", ""), data.get("link")
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


async def accept_request(request: Request) -> JSONResponse:
    account = await require_account(request, "volunteer")
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
    Route("/api/health", health, methods=["GET"]),
    Route("/api/languages", languages, methods=["GET"]),
    Route("/api/requests", create_request, methods=["POST"]),
    Route("/api/requests/{id}/accept", accept_request, methods=["POST"]),
]
