"""What the HTML pages share: rendering a page for one visitor, the message page with one
next step, a form checked for its CSRF token, text in the reader's language, and where
each account's own page is."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from interp import i18n
from interp.domain.accounts import Account
from interp.domain.errors import DomainError, InvalidInput
from interp.domain.kinds import AccountRole
from interp.http.security import CSRF_FIELD, csrf_ok, csrf_token
from interp.http.templating import render, request_locale
from interp.i18n import N_

# What a visitor reads when something goes wrong, in their language.
LINK_INVALID = N_("This link is not valid any more. It may have expired or been used already.")
FORM_EXPIRED = N_("The page had expired. Please try again.")
CALL_ENDED = N_("This call has ended.")
CHOOSE_LANGUAGE = N_("Choose one of the languages in the list.")
NOTE_TOO_LONG = N_("The note is too long.")
ASK_AGAIN = N_("Ask for an interpreter")
BACK_HOME = N_("Back to your page")

HOME_BY_ROLE = {
    AccountRole.COORDINATOR: "/coordinator",
    AccountRole.CASEWORKER: "/caseworker",
    AccountRole.VOLUNTEER: "/volunteer",
}


def home_url(account: Account) -> str:
    """The account's own page: where it lands after signing in."""
    return HOME_BY_ROLE[AccountRole(account.role)]


def page(request: Request, template: str, context: dict[str, Any], status: int = 200) -> Response:
    """A page for one visitor: its forms carry the session's CSRF token, and no cache keeps
    it (the token, and often a link's token, are in it)."""
    # Set by the guard for a coordinator: the staff navigation shows it.
    unseen = getattr(request.state, "unseen_safeguarding", 0)
    base = {"csrf_token": csrf_token(request), "unseen_safeguarding": unseen}
    response = render(request, template, {**base, **context}, status)
    response.headers["cache-control"] = "no-store"
    return response


def message_page(
    request: Request,
    message: str,
    status_code: int,
    next_url: str = "/request",
    next_label: str = ASK_AGAIN,
) -> Response:
    """A plain message with one next step (by default: ask for an interpreter)."""
    context = {"message": message, "next_url": next_url, "next_label": next_label}
    return render(request, "resident/message.html", context, status_code)


async def checked_form(request: Request) -> FormData | None:
    """The posted form if its CSRF token is right, else None."""
    form = await request.form()
    return form if csrf_ok(request, str(form.get(CSRF_FIELD, ""))) else None


def say(request: Request, message: str, **values: Any) -> str:
    """``message`` in the page's language, with ``values`` filled in (for text made
    outside a template)."""
    text = i18n.translations(request_locale(request)).gettext(message)
    return text % values if values else text


# Said once at the top of a machine-translated transcript file.
MACHINE_TRANSLATION = N_("Machine translation, may contain mistakes")


def machine_translation_notice(language: str) -> str:
    """The notice in the transcript's own language where the interface speaks it, else in
    English: the file goes to its readers, not to whoever downloads it."""
    return i18n.translations(language).gettext(MACHINE_TRANSLATION)


def wants_json(request: Request) -> bool:
    """Whether to answer in JSON: an API route, or a page's script that asks for it."""
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get(
        "accept", ""
    )


def form_error(
    exc: DomainError,
    default: str,
    fields: Mapping[str, str] | None = None,
    codes: Mapping[str, str] | None = None,
) -> str:
    """What a form says about a refused value, in its own words: the message for the
    field at fault, else for the error's code, else ``default``."""
    field = exc.field if isinstance(exc, InvalidInput) else None
    if field is not None and fields and field in fields:
        return fields[field]
    return (codes or {}).get(exc.code, default)
