"""What every JSON route shares: reading a request body, and answering an error as
``{"error": {"code", "message"}}`` (see docs/protocol.md)."""

from __future__ import annotations

import json
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from interp.domain.errors import Conflict, DomainError, InvalidInput, InvalidToken, NotAllowed

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
