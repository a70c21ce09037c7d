"""Who is signed in: the signed cookie holds a session token; the session itself is kept
on the server (interp.domain.sessions), so ending it there ends every copy of the cookie."""

from __future__ import annotations

from starlette.requests import HTTPConnection

from interp.domain.accounts import Account
from interp.http.state import services

SESSION_KEY = "session"


async def sign_in(conn: HTTPConnection, account: Account) -> None:
    # A fresh cookie on sign-in: nothing from before (e.g. a planted CSRF token) carries over.
    await sign_out(conn)
    conn.session[SESSION_KEY] = await services(conn).sessions.start(account.id)


def session_token(conn: HTTPConnection) -> str | None:
    """The token of the session this cookie names (live or not), if it names one."""
    token = conn.session.get(SESSION_KEY)
    return token if isinstance(token, str) else None


async def sign_out(conn: HTTPConnection) -> None:
    token = session_token(conn)
    if token is not None:
        await services(conn).sessions.end(token)
    conn.session.clear()


async def current_account(conn: HTTPConnection) -> Account | None:
    """The signed-in account, if its session is live and the account active."""
    token = session_token(conn)
    if token is None:
        return None
    svc = services(conn)
    user_id = await svc.sessions.user_for(token)
    account = None if user_id is None else await svc.accounts.get(user_id)
    if account is None or not account.active:
        conn.session.clear()
        return None
    return account
