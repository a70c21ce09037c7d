"""Rendering pages in the visitor's language and display preferences.

Every page goes through ``render``: it picks the locale (``?lang=``, then the
``interp_lang`` cookie, then Accept-Language), gives the template that locale's
gettext functions (``{{ _("…", name=value) }}``, ``ngettext`` and ``{% trans %}``)
and passes ``locale``, ``text_direction`` and the reader's text size and contrast.
A ``?lang=``, ``?text_size=`` or ``?contrast=`` choice is remembered in a cookie,
so the language picker and display settings work without JavaScript.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse

from interp import i18n
from interp.domain.chat import MAX_CHAT_CHARS

WEB_DIR = Path(__file__).resolve().parent.parent.parent / "web"
LOCALE_COOKIE = "interp_lang"
TEXT_SIZE_COOKIE = "interp_text_size"
CONTRAST_COOKIE = "interp_contrast"
# Text size steps (1 = the browser's own size) and contrast themes the stylesheet knows.
TEXT_SIZES = ("1", "2", "3", "4")
CONTRASTS = ("standard", "high")
_PREFERENCE_PARAMS = {"lang", "text_size", "contrast"}
_COOKIE_MAX_AGE = 365 * 24 * 3600

environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(WEB_DIR / "templates"),
    autoescape=jinja2.select_autoescape(["html"]),
    extensions=["jinja2.ext.i18n"],
)
# Keyword arguments of _() and ngettext() are interpolated (and escaped) by the call itself.
environment.newstyle_gettext = True  # type: ignore[attr-defined]
# {% trans %} blocks collapse whitespace, as the extraction does (interp/catalogs.py).
environment.policies["ext.i18n.trimmed"] = True
# Limits the pages state in words, so they say the number the server holds to.
environment.globals["max_chat_chars"] = MAX_CHAT_CHARS


def gettext_functions(translations: i18n.NullTranslations) -> dict[str, Any]:
    @jinja2.pass_context
    def gettext(context: jinja2.runtime.Context, message: str, **variables: Any) -> str:
        text = translations.gettext(message)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        # Always formatted, as Jinja's own newstyle gettext does: a literal percent is "%%".
        return text % variables

    @jinja2.pass_context
    def ngettext(
        context: jinja2.runtime.Context, singular: str, plural: str, num: int, **variables: Any
    ) -> str:
        text = translations.ngettext(singular, plural, num)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        return text % {"num": num, **variables}

    return {"_": gettext, "gettext": gettext, "ngettext": ngettext}


def request_locale(request: Request) -> str:
    requested = request.query_params.get("lang") or request.cookies.get(LOCALE_COOKIE)
    return i18n.negotiate_locale(requested, request.headers.get("accept-language"))


def _choice(request: Request, param: str, cookie: str, allowed: tuple[str, ...]) -> str:
    for value in (request.query_params.get(param), request.cookies.get(cookie)):
        if value in allowed:
            return value
    return allowed[0]


def page_context(request: Request) -> dict[str, Any]:
    """What every template gets: the request, its language and the reader's display settings."""
    locale = request_locale(request)
    return {
        "request": request,
        "locale": locale,
        "text_direction": i18n.text_direction(locale),
        "ui_locales": i18n.UI_LOCALES,
        "text_size": _choice(request, "text_size", TEXT_SIZE_COOKIE, TEXT_SIZES),
        "contrast": _choice(request, "contrast", CONTRAST_COOKIE, CONTRASTS),
        # Query parameters the language and display forms carry over, so a page keeps its state.
        "kept_query": [
            (k, v) for k, v in request.query_params.multi_items() if k not in _PREFERENCE_PARAMS
        ],
        # language_name("so") → "Somali" in the page's language, or None (then use native_name).
        "language_name": lambda code: i18n.language_name(code, locale),
        **gettext_functions(i18n.translations(locale)),
    }


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    base = page_context(request)
    html = environment.get_template(template).render(**base, **(context or {}))
    response = HTMLResponse(html, status_code=status_code)
    chosen = {
        LOCALE_COOKIE: (request.query_params.get("lang"), base["locale"]),
        TEXT_SIZE_COOKIE: (request.query_params.get("text_size"), base["text_size"]),
        CONTRAST_COOKIE: (request.query_params.get("contrast"), base["contrast"]),
    }
    for cookie, (asked, applied) in chosen.items():
        if asked is not None and asked == applied:
            response.set_cookie(cookie, applied, max_age=_COOKIE_MAX_AGE, samesite="lax")
    return response
