"""CSRF tokens and same-origin checks."""

from __future__ import annotations

import hmac
import secrets

from starlette.requests import HTTPConnection

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def csrf_token(conn: HTTPConnection) -> str:
    """This session's CSRF token (created on first use); forms and API calls must echo it."""
    token = conn.session.get(CSRF_FIELD)
    if not token:
        token = secrets.token_urlsafe(32)
        conn.session[CSRF_FIELD] = token
    return str(token)


def csrf_ok(conn: HTTPConnection, sent: str | None) -> bool:
    expected = conn.session.get(CSRF_FIELD)
    if not (expected and sent):
        return False
    # As bytes: compare_digest refuses str with non-ASCII characters, and what is sent is
    # anyone's choice. surrogatepass keeps a lone surrogate comparable (and unequal).
    return hmac.compare_digest(
        str(expected).encode("utf-8", "surrogatepass"), str(sent).encode("utf-8", "surrogatepass")
    )


def same_origin(conn: HTTPConnection) -> bool:
    """Whether a browser's Origin header (if any) names this host: a cookie-authenticated
    WebSocket must not be openable from another site."""
    origin = conn.headers.get("origin")
    if origin is None:
        return True  # not a browser; it cannot carry a victim's cookies to us unasked
    host = conn.headers.get("host", "")
    return origin.split("://", 1)[-1].rstrip("/") == host
