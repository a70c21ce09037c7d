"""Who is signed in: the session holds an account id and the account's session epoch."""

from __future__ import annotations

from starlette.requests import HTTPConnection

from interp.domain.accounts import Account
from interp.http.state import services

USER_KEY = "user"
EPOCH_KEY = "epoch"


def sign_in(conn: HTTPConnection, account: Account) -> None:
    # A fresh session on sign-in: nothing from before (e.g. a planted CSRF token) carries over.
    conn.session.clear()
    conn.session[USER_KEY] = account.id
    conn.session[EPOCH_KEY] = account.session_epoch


def sign_out(conn: HTTPConnection) -> None:
    conn.session.clear()


async def current_account(conn: HTTPConnection) -> Account | None:
    """The signed-in account, if it still exists, is active and the session is current."""
    user_id = conn.session.get(USER_KEY)
    if not user_id:
        return None
    account = await services(conn).accounts.get(str(user_id))
    if (
        account is None
        or not account.active
        or account.session_epoch != conn.session.get(EPOCH_KEY)
    ):
        conn.session.clear()
        return None
    return account

