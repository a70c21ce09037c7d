"""Pages for people with accounts: sign in, accounts and invitations, dashboards, calls."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from interp.domain.accounts import ROLES, Account, PendingInvite
from interp.domain.errors import DomainError, InvalidInput, InvalidToken
from interp.http.auth import current_account, sign_in, sign_out
from interp.http.resident_pages import (
    FORM_EXPIRED,
    LINK_INVALID,
    call_captions_context,
    message_page,
)
from interp.http.security import CSRF_FIELD, csrf_ok, csrf_token
from interp.http.state import services
from interp.http.templating import render
from interp.i18n import N_
from interp.languages import is_signed, sorted_languages

SIGN_IN_FAILED = N_("The email address or password is wrong.")
TOO_MANY_ATTEMPTS = N_("Too many attempts. Wait a few minutes and try again.")
BACK_HOME = N_("Back to your page")
RETENTION_RANGE = N_("Choose a number of days from 0 to 365.")

HOME_BY_ROLE = {
    "coordinator": "/coordinator",
    "caseworker": "/caseworker",
    "volunteer": "/volunteer",
}


def _page(request: Request, template: str, context: dict[str, Any], status: int = 200) -> Response:
    response = render(request, template, {"csrf_token": csrf_token(request), **context}, status)
    response.headers["cache-control"] = "no-store"
    return response


def _to_login(request: Request) -> Response:
    return RedirectResponse(f"/login?next={request.url.path}", status_code=303)


async def _form(request: Request) -> FormData | None:
    """The posted form if its CSRF token is right, else None."""
    form = await request.form()
    return form if csrf_ok(request, str(form.get(CSRF_FIELD, ""))) else None


async def _signed_in(request: Request, *roles: str) -> Account | Response:
    account = await current_account(request)
    if account is None:
        return _to_login(request)
    if roles and account.role not in roles:
        home = HOME_BY_ROLE[account.role]
        return message_page(
            request, N_("Your account cannot open this page."), 403, home, BACK_HOME
        )
    return account


async def home(request: Request) -> Response:
    account = await current_account(request)
    if account is not None:
        return RedirectResponse(HOME_BY_ROLE[account.role], status_code=303)
    return render(request, "home.html")


async def login_form(request: Request) -> Response:
    return _page(request, "login.html", {"next": request.query_params.get("next", "")})


def _safe_next(value: str) -> str:
    # Only paths on this site: "//evil.example" would leave it.
    return value if value.startswith("/") and not value.startswith("//") else ""


async def login(request: Request) -> Response:
    svc = services(request)
    form = await request.form()
    email = str(form.get("email", "")).strip().lower()
    next_url = _safe_next(str(form.get("next", "")))
    context = {"email": email, "next": next_url}
    if not csrf_ok(request, str(form.get(CSRF_FIELD, ""))):
        return _page(request, "login.html", {**context, "error": FORM_EXPIRED}, 403)
    address = request.client.host if request.client else "unknown"
    keys = (f"{address}|{email}", address)
    limiters = (svc.login_limiter, svc.address_limiter)
    if any(limiter.blocked(key) for limiter, key in zip(limiters, keys, strict=True)):
        return _page(request, "login.html", {**context, "error": TOO_MANY_ATTEMPTS}, 429)
    account = await svc.accounts.authenticate(email, str(form.get("password", "")))
    if account is None:
        for limiter, key in zip(limiters, keys, strict=True):
            limiter.record(key)
        return _page(request, "login.html", {**context, "error": SIGN_IN_FAILED}, 400)
    svc.login_limiter.reset(keys[0])
    sign_in(request, account)
    return RedirectResponse(next_url or HOME_BY_ROLE[account.role], status_code=303)


async def logout(request: Request) -> Response:
    if await _form(request) is not None:
        sign_out(request)
    return RedirectResponse("/", status_code=303)


async def _invite(request: Request) -> PendingInvite | None:
    """The invitation in the path, if valid and made for this page (setup or invite)."""
    purpose = "setup" if request.url.path.startswith("/setup/") else "invite"
    try:
        invite = await services(request).accounts.check_invite(request.path_params["token"])
    except InvalidToken:
        return None
    return invite if invite.purpose == purpose else None


async def signup_form(request: Request) -> Response:
    invite = await _invite(request)
    if invite is None:
        return message_page(request, LINK_INVALID, 404)
    return _page(request, "signup.html", {"role": invite.role, "languages": sorted_languages()})


async def signup(request: Request) -> Response:
    svc = services(request)
    token = request.path_params["token"]
    invite = await _invite(request)
    if invite is None:
        return message_page(request, LINK_INVALID, 404)
    form = await _form(request)
    context: dict[str, Any] = {"role": invite.role, "languages": sorted_languages()}
    if form is None:
        return _page(request, "signup.html", {**context, "error": FORM_EXPIRED}, 403)
    values = {k: str(form.get(k, "")) for k in ("email", "display_name")}
    chosen = [str(code) for code in form.getlist("languages")]
    try:
        account = await svc.accounts.redeem_invite(
            token, values["email"], values["display_name"], str(form.get("password", "")), chosen
        )
    except DomainError as exc:
        context.update(values=values, chosen=chosen, error=exc.message)
        return _page(request, "signup.html", context, 400)
    sign_in(request, account)
    return RedirectResponse(HOME_BY_ROLE[account.role], status_code=303)


async def account_page(request: Request) -> Response:
    account = await _signed_in(request)
    if isinstance(account, Response):
        return account
    return _page(request, "account.html", {"account": account, "languages": sorted_languages()})


async def account_update(request: Request) -> Response:
    account = await _signed_in(request)
    if isinstance(account, Response):
        return account
    svc = services(request)
    form = await _form(request)
    context: dict[str, Any] = {"account": account, "languages": sorted_languages()}
    if form is None:
        return _page(request, "account.html", {**context, "error": FORM_EXPIRED}, 403)
    try:
        if form.get("action") == "password":
            updated = await svc.accounts.change_password(
                account.id, str(form.get("current", "")), str(form.get("new", ""))
            )
            sign_in(request, updated)  # this session stays; every other one ends
        else:
            updated = await svc.accounts.set_languages(
                account.id, [str(c) for c in form.getlist("languages")]
            )
    except DomainError as exc:
        return _page(request, "account.html", {**context, "error": exc.message}, 400)
    return _page(request, "account.html", {**context, "account": updated, "saved": True})


async def volunteer_dashboard(request: Request) -> Response:
    account = await _signed_in(request, "volunteer")
    if isinstance(account, Response):
        return account
    svc = services(request)
    return _page(
        request,
        "volunteer.html",
        {
            "account": account,
            "current_room": await svc.rooms.open_room_for_user(account.id),
            "requests": await svc.queue.open_for(account.languages) if account.available else [],
        },
    )


async def staff_call(request: Request) -> Response:
    account = await _signed_in(request)
    if isinstance(account, Response):
        return account
    svc = services(request)
    room_id = request.path_params["room_id"]
    try:
        participant = await svc.rooms.participant_for_user(room_id, account.id)
    except DomainError:
        home = HOME_BY_ROLE[account.role]
        return message_page(request, N_("This call has ended."), 404, home, BACK_HOME)
    room = await svc.rooms.get(room_id)
    meeting = await svc.meetings.for_room(room_id) if room.kind == "meeting" else None
    if meeting is not None:  # an interpreter asked into a meeting: its own call page
        return RedirectResponse(f"/meetings/{meeting.id}/call", status_code=303)
    request_note = ""
    if room.request_id:
        request_note = (await svc.queue.get(room.request_id)).note
    return _page(
        request,
        "resident/call.html",
        {
            "room": room,
            "participant": participant,
            "hello": {"room": room_id},
            "home_url": HOME_BY_ROLE[account.role],
            "queue_url": HOME_BY_ROLE[account.role],
            "is_interpreter": participant.role == "interpreter",
            "request_note": request_note,
            "sign_language": is_signed(participant.language_code),
            **await call_captions_context(request, room, participant),
        },
    )


async def coordinator_page(request: Request, status: int = 200, **extra: Any) -> Response:
    account = await _signed_in(request, "coordinator")
    if isinstance(account, Response):
        return account
    svc = services(request)
    offered = {lang.code for lang in await svc.organisation.offered_languages()}
    return _page(
        request,
        "coordinator.html",
        {
            "account": account,
            "people": await svc.accounts.all(),
            "roles": ROLES,
            "languages": sorted_languages(),
            "offered": offered,
            "public_url": svc.settings.effective_public_url,
            "transcript_retention_days": await svc.transcripts.retention_days(),
            **extra,
        },
        status,
    )


async def coordinator_action(request: Request) -> Response:
    account = await _signed_in(request, "coordinator")
    if isinstance(account, Response):
        return account
    svc = services(request)
    form = await _form(request)
    if form is None:
        return await coordinator_page(request, 403, error=FORM_EXPIRED)
    action = form.get("action")
    try:
        if action == "invite":
            invite = await svc.accounts.invite(
                str(form.get("role", "")), account.id, str(form.get("email", "")) or None
            )
            link = f"{svc.settings.effective_public_url}/invite/{invite.token}"
            return await coordinator_page(request, invite_link=link, invite_role=invite.role)
        if action in ("deactivate", "activate"):
            user_id = str(form.get("user", ""))
            if user_id == account.id:
                return await coordinator_page(
                    request, 400, error=N_("You cannot deactivate your own account.")
                )
            await svc.accounts.set_active(user_id, action == "activate")
        elif action == "languages":
            await svc.organisation.set_offered_languages(
                [str(c) for c in form.getlist("languages")]
            )
        elif action == "retention":
            try:
                days = int(str(form.get("days", "")).strip())
                await svc.transcripts.set_retention_days(days)
            except (ValueError, InvalidInput):
                return await coordinator_page(request, 400, error=RETENTION_RANGE)
        else:
            return await coordinator_page(request, 400, error=N_("Unknown action."))
    except DomainError as exc:
        return await coordinator_page(request, 400, error=exc.message)
    return RedirectResponse("/coordinator", status_code=303)


async def caseworker_page(request: Request) -> Response:
    account = await _signed_in(request, "caseworker", "coordinator")
    if isinstance(account, Response):
        return account
    current_room = await services(request).rooms.open_room_for_user(account.id)
    return _page(request, "caseworker.html", {"account": account, "current_room": current_room})


async def caseworker_link(request: Request) -> Response:
    account = await _signed_in(request, "caseworker", "coordinator")
    if isinstance(account, Response):
        return account
    svc = services(request)
    form = await _form(request)
    if form is None:
        return _page(request, "caseworker.html", {"account": account, "error": FORM_EXPIRED}, 403)
    token = await svc.links.create(account, str(form.get("label", "")))
    link = f"{svc.settings.effective_public_url}/r/{token}"
    return _page(request, "caseworker.html", {"account": account, "link": link})


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
    Route("/volunteer", volunteer_dashboard, methods=["GET"]),
    Route("/rooms/{room_id}", staff_call, methods=["GET"]),
    Route("/coordinator", coordinator_page, methods=["GET"]),
    Route("/coordinator", coordinator_action, methods=["POST"]),
    Route("/caseworker", caseworker_page, methods=["GET"]),
    Route("/caseworker", caseworker_link, methods=["POST"]),
]
