"""What every JSON route shares: reading a request body, and answering an error as
``{"error": {"code", "message"}}`` (see docs/protocol.md)."""

from __future__ import annotations

import json
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from interp.domain.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    InvalidToken,
    NotAllowed,
    Unavailable,
)

MAX_BODY = 16 * 1024
STATUS_BY_ERROR = {
    InvalidInput: 400,
    InvalidToken: 404,
    NotAllowed: 403,
    Conflict: 409,
    Unavailable: 503,
}


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
    except (ValueError, RecursionError) as exc:  # the parser recurses into nested values
        raise HTTPException(400, "The body is not valid JSON.") from exc
    if not isinstance(data, dict):
        raise HTTPException(400, "The body must be a JSON object.")
    if not _encodable(data):
        # JSON escapes can spell half of a UTF-16 pair, which no database can store.
        raise HTTPException(400, "The body contains text that is not valid Unicode.")
    return data


def _encodable(value: Any) -> bool:
    """Whether every string in a decoded JSON value (keys included) can be stored as UTF-8.
    A loop, not recursion: the value may be nested as deep as the parser allows."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return False
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return True
