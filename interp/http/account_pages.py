"""Signing in and out, signing up by an invitation (or the first-start setup link), and
one's own account: languages and password."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from interp.domain.accounts import Account, InviteForAnotherEmail, InviteSpent, PendingInvite
from interp.domain.errors import DomainError, InvalidToken
from interp.http.auth import current_account, session_token, sign_in, sign_out
from interp.http.guard import requires
from interp.http.limits import TOO_MANY_ATTEMPTS, client_address, retry_after
from interp.http.pages import (
    FORM_EXPIRED,
    LINK_INVALID,
    checked_form,
    home_url,
    message_page,
    page,
    say,
)
from interp.http.state import services
from interp.http.templating import render
from interp.i18n import N_
from interp.languages import Language, sorted_languages

SIGN_IN_FAILED = N_("The email address or password is wrong.")
WRONG_EMAIL = N_("Use the email address this invitation was sent to.")
# What a spent invitation link says: it was for staff, so the next step is signing in.
INVITE_SPENT = {
    "used": N_("This invite link has already been used. If you have an account, sign in."),
    "revoked": N_(
        "This invite link was withdrawn by the coordinator. If you have an account, sign in;"
        " if not, ask the coordinator for a new link."
    ),
    "expired": N_(
        "This invite link has expired. If you have an account, sign in;"
        " if not, ask the coordinator for a new link."
    ),
}


async def home(request: Request) -> Response:
    account = await current_account(request)
    if account is not None:
        return RedirectResponse(home_url(account), status_code=303)
    return render(request, "home.html")


async def login_form(request: Request) -> Response:
    return page(request, "login.html", {"next": request.query_params.get("next", "")})


def _safe_next(value: str) -> str:
    # Only paths on this site: "//evil.example" would leave it.
    return value if value.startswith("/") and not value.startswith("//") else ""


async def login(request: Request) -> Response:
    svc = services(request)
    form = await request.form()
    email = str(form.get("email", "")).strip().lower()
    next_url = _safe_next(str(form.get("next", "")))
    context = {"email": email, "next": next_url}
    if await checked_form(request) is None:
        return page(request, "login.html", {**context, "error": FORM_EXPIRED}, 403)
    address = client_address(request)
    wait = await svc.limits.sign_in_wait(email, address)
    if wait:
        refusal = page(request, "login.html", {**context, "error": TOO_MANY_ATTEMPTS}, 429)
        return retry_after(refusal, wait)
    account = await svc.accounts.authenticate(email, str(form.get("password", "")))
    if account is None:
        await svc.limits.sign_in_failed(email, address)
        return page(request, "login.html", {**context, "error": SIGN_IN_FAILED}, 400)
    await svc.limits.signed_in(email, address)
    await sign_in(request, account)
    return RedirectResponse(next_url or home_url(account), status_code=303)


async def logout(request: Request) -> Response:
    if await checked_form(request) is not None:
        await sign_out(request)
    return RedirectResponse("/", status_code=303)


async def _invite(request: Request) -> PendingInvite | None:
    """The invitation in the path, if valid and made for this page (setup or invite);
    ``InviteSpent`` for one that was used, revoked or has expired."""
    purpose = "setup" if request.url.path.startswith("/setup/") else "invite"
    try:
        invite = await services(request).accounts.check_invite(request.path_params["token"])
    except InviteSpent:
        raise
    except InvalidToken:
        return None
    return invite if invite.purpose == purpose else None


def _spent_invite_page(request: Request, spent: InviteSpent) -> Response:
    """Staff followed an invitation that no longer works: they are staff, so the sign-in
    form, with a plain sentence, and never the resident's request page."""
    context = {"notice": INVITE_SPENT.get(spent.reason, LINK_INVALID), "next": ""}
    return page(request, "login.html", context, 410)


async def _offered(request: Request) -> list[Language]:
    """The languages a volunteer may choose: those the organisation offers."""
    return await services(request).organisation.offered_languages()


async def signup_form(request: Request) -> Response:
    try:
        invite = await _invite(request)
    except InviteSpent as spent:
        return _spent_invite_page(request, spent)
    if invite is None:
        return message_page(request, LINK_INVALID, 404)
    # An invitation sent to an address is for that address: the form starts with it.
    values = {"email": invite.email or ""}
    context = {"role": invite.role, "languages": await _offered(request), "values": values}
    return page(request, "signup.html", context)


async def signup(request: Request) -> Response:
    svc = services(request)
    token = request.path_params["token"]
    try:
        invite = await _invite(request)
    except InviteSpent as spent:
        return _spent_invite_page(request, spent)
    if invite is None:
        return message_page(request, LINK_INVALID, 404)
    form = await checked_form(request)
    context: dict[str, Any] = {"role": invite.role, "languages": await _offered(request)}
    if form is None:
        return page(request, "signup.html", {**context, "error": FORM_EXPIRED}, 403)
    values = {k: str(form.get(k, "")) for k in ("email", "display_name")}
    chosen = [str(code) for code in form.getlist("languages")]
    try:
        account = await svc.accounts.redeem_invite(
            token, values["email"], values["display_name"], str(form.get("password", "")), chosen
        )
    except InviteForAnotherEmail:
        context.update(values=values, chosen=chosen, error=say(request, WRONG_EMAIL))
        return page(request, "signup.html", context, 400)
    except InviteSpent as spent:
        return _spent_invite_page(request, spent)
    except DomainError as exc:
        context.update(values=values, chosen=chosen, error=exc.message)
        return page(request, "signup.html", context, 400)
    await sign_in(request, account)
    return RedirectResponse(home_url(account), status_code=303)


async def _language_context(request: Request, account: Account) -> dict[str, Any]:
    """The languages a volunteer may choose (those offered) and, apart, those they still
    have that are no longer offered: shown so they can keep or remove them."""
    offered = await _offered(request)
    codes = {lang.code for lang in offered}
    return {
        "account": account,
        "languages": offered,
        "no_longer_offered": [
            lang
            for lang in sorted_languages()
            if lang.code in account.languages and lang.code not in codes
        ],
    }


@requires()
async def account_page(request: Request, account: Account) -> Response:
    return page(request, "account.html", await _language_context(request, account))


@requires()
async def account_update(request: Request, account: Account) -> Response:
    svc = services(request)
    form = await checked_form(request)
    context = await _language_context(request, account)
    if form is None:
        return page(request, "account.html", {**context, "error": FORM_EXPIRED}, 403)
    try:
        if form.get("action") == "password":
            # This session stays; every other one ends.
            updated = await svc.accounts.change_password(
                account.id,
                str(form.get("current", "")),
                str(form.get("new", "")),
                keep_session=session_token(request),
            )
        else:
            updated = await svc.accounts.set_languages(
                account.id, [str(c) for c in form.getlist("languages")]
            )
            await svc.dispatcher.account_changed(updated)
    except DomainError as exc:
        return page(request, "account.html", {**context, "error": say(request, exc.message)}, 400)
    context = await _language_context(request, updated)
    return page(request, "account.html", {**context, "saved": True})


routes = [
    Route("/", home, methods=["GET"]),
    Route("/login", login_form, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/setup/{token}", signup_form, methods=["GET"]),
    Route("/setup/{token}", signup, methods=["POST"]),
    Route("/invite/{token}", signup_form, methods=["GET"]),
    Route("/invite/{token}", signup, methods=["POST"]),
    Route("/account", account_page, methods=["GET"]),
    Route("/account", account_update, methods=["POST"]),
]
