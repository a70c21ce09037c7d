"""The call page, one template for every kind of room: a resident's call or machine
interpretation, a volunteer's or caseworker's call, and a meeting."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from interp import i18n
from interp.domain.rooms import Participant, RoomInfo
from interp.http.pages import page
from interp.http.state import services
from interp.http.templating import gettext_functions
from interp.languages import LANGUAGES, Language


async def call_captions_context(
    request: Request, room: RoomInfo, participant: Participant
) -> dict[str, Any]:
    """What a call page needs for captions: the room's kind and the languages to read."""
    svc = services(request)
    local = svc.settings.local_language
    offered = [lang for lang in await svc.organisation.offered_languages() if not lang.signed]
    spoken = [LANGUAGES[code] for code in room.spoken_languages(local) if code in LANGUAGES]
    choices: list[Language] = list({lang.code: lang for lang in [*spoken, *offered]}.values())
    return {
        "machine": room.machine,
        "local_language": local,
        "caption_languages": choices,
        "caption_reading": participant.caption_languages
        or room.default_reading(participant, local),
    }


def desk_text(language: str) -> dict[str, Any]:
    """The desk half of the face-to-face view speaks the staff's language where the interface
    has it (English otherwise): its locale, text direction and ``_()`` for call.html."""
    locale = i18n.negotiate_locale(language, None)
    return {
        "desk_locale": locale,
        "desk_direction": i18n.text_direction(locale),
        "desk_gettext": gettext_functions(i18n.translations(locale))["_"],
    }


async def call_page(
    request: Request,
    room: RoomInfo,
    participant: Participant,
    hello: dict[str, str],
    home_url: str,
    **extra: Any,
) -> Response:
    """The call page of ``participant`` in ``room``. ``hello`` is what its script sends to
    join; ``home_url`` where it leads when the call is over; ``extra`` adds to or overrides
    the template's context (see resident/call.html)."""
    context: dict[str, Any] = {
        "room": room,
        "participant": participant,
        "hello": hello,
        "home_url": home_url,
        "queue_url": home_url,
        "is_interpreter": False,
        "request_note": "",
        "sign_language": False,
        **await call_captions_context(request, room, participant),
        **extra,
    }
    return page(request, "resident/call.html", context)
