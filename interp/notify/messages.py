"""What volunteers are sent: a push payload and a short email, neither with a name or a
note in it. The push payload is data only (the service worker writes the notification
in the volunteer's language); the email is written here, in the language they chose."""

from __future__ import annotations

from typing import Any

from interp import i18n
from interp.domain.errors import InvalidInput
from interp.i18n import N_

DASHBOARD = "/volunteer"
# What a payload may carry: what happened and where to look, never who or why.
PAYLOAD_FIELDS = ("kind", "language", "event", "url")
MAX_FIELD = 40

REQUEST_SUBJECT = N_("Someone needs an interpreter in %(language)s")
REQUEST_BODY = N_(
    "A request for an interpreter in %(language)s is waiting. Open your dashboard to accept it:"
)
NEWS_SUBJECT = N_("News on your interpreting page")
NEWS_BODY = N_("There is news for you on your interpreting page. Open it to see:")
WHY_THIS_EMAIL = N_(
    "You get these emails because you asked for them on your account page, where you"
    " can also stop them or set the hours you receive them."
)


def request_payload(language: str) -> dict[str, Any]:
    return {"kind": "request", "language": language, "url": DASHBOARD}


def checked_payload(payload: dict[str, Any]) -> dict[str, str]:
    """A payload for ``Notifier.notify_volunteer``: a ``kind`` and at most a language, an
    event and a path on this site, all short strings. Anything else (a name, a note) is
    refused, so that no caller can put it in a message by mistake."""
    if not isinstance(payload.get("kind"), str):
        raise InvalidInput("A notification needs a kind.", "kind")
    for key, value in payload.items():
        if key not in PAYLOAD_FIELDS or not isinstance(value, str) or len(value) > MAX_FIELD:
            raise InvalidInput(f"A notification cannot carry {key!r}.", key)
    url = payload.get("url", DASHBOARD)
    if not url.startswith("/") or url.startswith("//"):
        raise InvalidInput("A notification links only to a page of this site.", "url")
    return {**payload, "url": url}


def email_for(payload: dict[str, str], locale: str, public_url: str) -> tuple[str, str]:
    """The subject and body of the email that says what ``payload`` says."""
    text = i18n.translations(locale).gettext
    link = public_url.rstrip("/") + payload.get("url", DASHBOARD)
    if payload["kind"] == "request" and "language" in payload:
        code = payload["language"]
        language = i18n.language_name(code, locale) or code
        subject = text(REQUEST_SUBJECT) % {"language": language}
        lead = text(REQUEST_BODY) % {"language": language}
    else:
        subject, lead = text(NEWS_SUBJECT), text(NEWS_BODY)
    return subject, f"{lead}\n{link}\n\n{text(WHY_THIS_EMAIL)}\n"
