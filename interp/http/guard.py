"""One guard for every route that needs an account, in the spirit of Starlette's
``requires``: it signs the visitor in, checks the account's role, and answers a refusal
the way the route speaks.

A guarded handler takes the request and the signed-in account. What it finds the
account may not have (another caseworker's meeting, a recording that is gone) it
refuses by raising ``Refusal``, and the guard answers that the same way:

- a page: a visitor who is not signed in goes to the sign-in page, which brings them
  back here; anyone else reads the message, with a way back to their own page;
- JSON (an ``/api/`` route, or a page's script that asks for JSON): the status with
  ``{"error": {"code", "message"}}``, the message in the reader's language.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from interp.domain.accounts import Account
from interp.domain.kinds import AccountRole
from interp.http.auth import current_account
from interp.http.json_api import error_response
from interp.http.pages import BACK_HOME, home_url, message_page, say, wants_json
from interp.http.state import services
from interp.i18n import N_

SIGN_IN = N_("Sign in first.")
CANNOT_OPEN = N_("Your account cannot open this page.")

Handler = Callable[[Request, Account], Awaitable[Response]]
Endpoint = Callable[[Request], Awaitable[Response]]


class Refusal(Exception):
    """What a guarded handler answers instead: ``message`` (untranslated, filled in with
    ``values``) and, on a page, one next step (by default the account's own page)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        next_url: str | None = None,
        next_label: str = BACK_HOME,
        **values: Any,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.next_url = next_url
        self.next_label = next_label
        self.values = values


def requires(*roles: AccountRole) -> Callable[[Handler], Endpoint]:
    """Let ``handler`` serve only signed-in accounts of one of ``roles`` (any role when
    none are given), and answer every refusal in the route's way."""

    def guard(handler: Handler) -> Endpoint:
        @functools.wraps(handler)
        async def endpoint(request: Request) -> Response:
            account = await current_account(request)
            if account is None:
                return _sign_in_first(request)
            try:
                if roles and account.role not in roles:
                    raise Refusal(403, "forbidden", CANNOT_OPEN)
                if account.role == AccountRole.COORDINATOR:
                    # The staff navigation shows coordinators the safeguarding reports unseen.
                    feedback = services(request).feedback
                    request.state.unseen_safeguarding = await feedback.unseen_count()
                return await handler(request, account)
            except Refusal as refusal:
                return _refused(request, account, refusal)

        return endpoint

    return guard


def _sign_in_first(request: Request) -> Response:
    if wants_json(request):
        return error_response("sign_in", say(request, SIGN_IN), 401)
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={here}", status_code=303)


def _refused(request: Request, account: Account, refusal: Refusal) -> Response:
    text = say(request, refusal.message, **refusal.values)
    if wants_json(request):
        return error_response(refusal.code, text, refusal.status)
    # Already in the reader's language; "%%" survives the message page's own gettext.
    return message_page(
        request,
        text.replace("%", "%%"),
        refusal.status,
        refusal.next_url or home_url(account),
        refusal.next_label,
    )
