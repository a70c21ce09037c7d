"""A meeting's caption view: the page its caption-view link (and QR code) opens, for
anyone in the room to read the captions on their own phone or on a projector, and the
WebSocket that feeds it. No account: the link's token is the permission."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from interp.domain.errors import InvalidToken, NotFound
from interp.domain.meetings import MeetingEnded
from interp.http.pages import message_page
from interp.http.state import services
from interp.http.templating import render
from interp.i18n import N_
from interp.languages import LANGUAGES
from interp.realtime.connection import Connection, closing_on_failure
from interp.realtime.viewer import ViewerSession, default_reading, reading_choices

VIEW_LINK_INVALID = N_("This caption link is not valid. The meeting may have ended.")
MEETING_ENDED = N_("The meeting has ended.")


async def caption_view(request: Request) -> Response:
    token = request.path_params["token"]
    svc = services(request)
    try:
        meeting = await svc.meetings.by_view_token(token)
        room = await svc.rooms.get(meeting.room_id)
    except MeetingEnded:
        return message_page(request, MEETING_ENDED, 410)
    except (InvalidToken, NotFound):
        return message_page(request, VIEW_LINK_INVALID, 404)
    if room.closed_at is not None:
        return message_page(request, MEETING_ENDED, 410)
    local = svc.settings.local_language
    offered = [lang.code for lang in await svc.organisation.offered_languages()]
    choices = reading_choices(meeting, offered, local)
    # A link made for one reader (``?lang=ar``) opens in their language, captions included.
    asked = request.query_params.get("lang", "")
    default = asked if asked in choices else default_reading(meeting, local)
    response = render(
        request,
        "meetings/view.html",
        {
            "meeting": meeting,
            "token": token,
            "choices": [LANGUAGES[code] for code in choices if code in LANGUAGES],
            "default_language": default,
            "asked_language": asked if asked in choices else "",
        },
    )
    # The token is in the address: keep the page out of caches and search engines.
    response.headers["cache-control"] = "no-store"
    response.headers["x-robots-tag"] = "noindex"
    return response


async def captions_socket(websocket: WebSocket) -> None:
    await websocket.accept()
    svc = services(websocket)
    conn = Connection(websocket, ViewerSession.schema, svc.limits.message_bucket())
    viewer = ViewerSession(
        conn, svc.hub, svc.meetings, svc.rooms, svc.live, svc.organisation
    )
    await viewer.run()


routes = [
    Route("/v/{token}", caption_view, methods=["GET"]),
    WebSocketRoute("/ws/captions", closing_on_failure(captions_socket)),
]
