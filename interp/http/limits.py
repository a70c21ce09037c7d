"""How the web doors refuse someone over a limit (interp.rate_limit counts): a page with
one way back, or JSON, with status 429 and ``Retry-After``, in the reader's language.

The client's address is the socket's peer, or the address a trusted proxy forwarded:
the server reads X-Forwarded-For only from the ``trusted_proxies`` setting's addresses
(interp.commands.serve), so anyone else writing that header changes nothing.
"""

from __future__ import annotations

import math

from starlette.requests import HTTPConnection, Request
from starlette.responses import Response

from interp.http.json_api import error_response
from interp.http.pages import message_page, say, wants_json
from interp.i18n import N_

TOO_MANY_ATTEMPTS = N_("Too many attempts. Wait a few minutes and try again.")
TRY_AGAIN = N_("Try again")


def client_address(conn: HTTPConnection) -> str:
    return conn.client.host if conn.client else "unknown"


def too_many(request: Request, wait_s: float, next_url: str | None = None) -> Response | None:
    """The refusal for a limit that says to wait ``wait_s`` seconds; None when it is 0.
    A page offers to try again at ``next_url`` (by default where the visitor is)."""
    if not wait_s:
        return None
    response: Response
    if wants_json(request):
        response = error_response("rate_limited", say(request, TOO_MANY_ATTEMPTS), 429)
    else:
        response = message_page(
            request, TOO_MANY_ATTEMPTS, 429, next_url or request.url.path, TRY_AGAIN
        )
    return retry_after(response, wait_s)


def retry_after(response: Response, wait_s: float) -> Response:
    response.headers["retry-after"] = str(max(1, math.ceil(wait_s)))
    return response
