"""Who may open which door: every route of the app and every message a client may send,
for every role, with the outcome expected (outcomes as tests/trust/probes.py names them).

A route or message type added without a row here fails tests/trust/test_access_policy.py.
"""

from __future__ import annotations

from tests.trust.world import ROLES

Outcome = str | int
Row = dict[str, Outcome]

SIGNED_IN = {"volunteer", "caseworker", "other_caseworker", "coordinator"}
STAFF = {"caseworker", "other_caseworker", "coordinator"}
# A meeting's host and a coordinator may act on it; another caseworker does not see it.
MEETING_STAFF = {"caseworker", "coordinator"}


def row(default: Outcome, **outcomes: Outcome) -> Row:
    """Every role's outcome: ``default`` but where named."""
    unknown = set(outcomes) - set(ROLES)
    assert not unknown, f"no such roles: {unknown}"
    return {role: outcomes.get(role, default) for role in ROLES}


def page(allowed: set[str], wrong_role: Outcome = 403, **outcomes: Outcome) -> Row:
    """A page for accounts: ``allowed`` roles in, other accounts refused with
    ``wrong_role``, everyone else (a deactivated account too) sent to sign in."""
    named = {r: "ok" for r in allowed} | {r: wrong_role for r in SIGNED_IN - allowed}
    return row("login", **(named | outcomes))


def api(allowed: set[str], wrong_role: Outcome = 403) -> Row:
    """The same for a JSON route, which answers 401 where a page sends to sign in."""
    return {r: 401 if o == "login" else o for r, o in page(allowed, wrong_role).items()}


EVERYONE = row("ok")
TOKEN_ONLY = row(404)
MEETING_PAGE = page(MEETING_STAFF, other_caseworker=404)
OWN_RECORDING = page(MEETING_STAFF)

# "METHOD path" (HEAD goes with GET) -> role -> outcome.
HTTP_POLICY: dict[str, Row] = {
    "GET /": EVERYONE,
    "GET /login": EVERYONE,
    "POST /login": EVERYONE,
    "POST /logout": EVERYONE,
    # Account invites and the first coordinator's setup link: nobody here holds one.
    "GET /setup/{token}": TOKEN_ONLY,
    "POST /setup/{token}": TOKEN_ONLY,
    "GET /invite/{token}": TOKEN_ONLY,
    "POST /invite/{token}": TOKEN_ONLY,
    "GET /account": page(SIGNED_IN),
    "POST /account": page(SIGNED_IN),
    # The installable app: its manifest and service worker, for anyone's browser.
    "GET /manifest.webmanifest": EVERYONE,
    "GET /sw.js": EVERYONE,
    # A volunteer's notifications: email, weekly hours, and Web Push on each device.
    "GET /account/notifications": page({"volunteer"}),
    "POST /account/notifications": page({"volunteer"}),
    "POST /account/notifications/push": page({"volunteer"}),
    "DELETE /account/notifications/push": page({"volunteer"}),
    "POST /coordinator/notifications": page({"coordinator"}),
    "GET /volunteer": page({"volunteer"}),
    # A volunteer's own calls and hours; the coordinator's hours of everyone, as CSV.
    "GET /volunteer/history": page({"volunteer"}),
    "GET /volunteer/history/summary": page({"volunteer"}),
    "GET /volunteer/history.csv": page({"volunteer"}),
    "GET /coordinator/hours.csv": page({"coordinator"}),
    # A call between a resident and a volunteer is theirs alone, coordinators included.
    "GET /rooms/{room_id}": page({"volunteer"}, 404),
    "GET /coordinator": page({"coordinator"}),
    "POST /coordinator": page({"coordinator"}),
    "GET /coordinator/reports": page({"coordinator"}),
    "GET /coordinator/reports/live": page({"coordinator"}),
    "GET /coordinator/settings": page({"coordinator"}),
    "POST /coordinator/settings": page({"coordinator"}),
    "POST /coordinator/settings/logo": page({"coordinator"}),
    # The logo residents see: public, and "not found" while none is stored (as here).
    "GET /organisation/logo": TOKEN_ONLY,
    "GET /coordinator/reports.csv": page({"coordinator"}),
    "GET /caseworker": page(STAFF),
    "POST /caseworker": page(STAFF),
    "GET /request": EVERYONE,
    "POST /request": EVERYONE,
    "GET /r/{token}": EVERYONE,
    "POST /r/{token}": EVERYONE,
    "GET /q/{token}": row(404, resident="ok"),
    "POST /q/{token}/cancel": row(404, resident="ok"),
    "POST /q/{token}/machine": row(404, resident="ok"),
    "GET /call/{token}": row(404, resident="ok", guest="ok", removed_guest=403),
    # Feedback after a call: the resident's call link; a meeting's guests are not asked.
    "GET /call/{token}/feedback": row(404, resident="ok"),
    "POST /call/{token}/feedback": row(404, resident="ok"),
    # The interpreter of the call only; safeguarding reports are read by coordinators only.
    "GET /calls/{room_id}/feedback": page({"volunteer"}),
    "POST /calls/{room_id}/feedback": page({"volunteer"}),
    "GET /calls/{room_id}/safeguarding": page({"volunteer"}),
    "POST /calls/{room_id}/safeguarding": page({"volunteer"}),
    "GET /coordinator/feedback": page({"coordinator"}),
    "POST /coordinator/feedback": page({"coordinator"}),
    "GET /api/health": EVERYONE,
    "GET /readyz": EVERYONE,
    "GET /api/languages": EVERYONE,
    "POST /api/requests": EVERYONE,
    "POST /api/requests/{id}/accept": api({"volunteer"}),
    "GET /v/{token}": row(404, viewer="ok"),
    "GET /meetings": page(STAFF),
    "POST /meetings": page(STAFF),
    # Booking an interpreter: the caseworker books and cancels, volunteers claim and hand back.
    "GET /bookings": page(STAFF),
    "POST /bookings": page(STAFF),
    "POST /bookings/{id}/cancel": page(STAFF),
    "POST /bookings/{id}/claim": page({"volunteer"}),
    "POST /bookings/{id}/release": page({"volunteer"}),
    "GET /meetings/{id}": MEETING_PAGE,
    "POST /meetings/{id}/interpreter": MEETING_PAGE,
    "POST /meetings/{id}/interpreter/withdraw": MEETING_PAGE,
    "POST /meetings/{id}/call": MEETING_PAGE,
    "POST /meetings/{id}/links": MEETING_PAGE,
    "POST /meetings/{id}/end": MEETING_PAGE,
    # Any account may open a call page it has a seat in; a volunteer here has none.
    "GET /meetings/{id}/call": page(MEETING_STAFF, 404),
    # The invite link is the permission: anyone holding it sees the form.
    "GET /j/{token}": EVERYONE,
    "POST /j/{token}": EVERYONE,
    "GET /m/{token}": row(404, guest="ok", removed_guest=403),
    # A participant's token (x-participant-token) or the host's account; a token of
    # another kind names nobody in the meeting (404), no credential at all is refused.
    "GET /api/meetings/{meeting_id}/consent": row(
        403, guest="ok", caseworker="ok", coordinator="ok", resident=404, viewer=404
    ),
    "POST /api/meetings/{meeting_id}/consent": row(
        403, guest="ok", caseworker="ok", coordinator="ok", resident=404, viewer=404
    ),
    "GET /meetings/{meeting_id}/transcript.{fmt}": page(MEETING_STAFF),
    "GET /recordings": page(STAFF),
    "POST /recordings": page(STAFF),
    "GET /recordings/{id}/captions.{fmt}": OWN_RECORDING,
    "POST /recordings/{id}/delete": OWN_RECORDING,
    "GET /api/recordings/{id}": api(MEETING_STAFF),
}

# Routes whose success ends or spends what they act on: a role allowed through gets a
# world of its own for the probe (tests/trust/world.py fresh_world).
SPENDING_ROUTES = {
    "POST /logout",
    "POST /q/{token}/cancel",
    "POST /q/{token}/machine",
    "POST /meetings/{id}/links",
    "POST /meetings/{id}/end",
    "POST /meetings/{id}/interpreter",
    "POST /meetings/{id}/interpreter/withdraw",
    "POST /recordings/{id}/delete",
    "POST /api/requests/{id}/accept",
}

IN_CALL = {"resident", "volunteer"}
IN_MEETING = {"guest", "caseworker", "coordinator"}
IN_ROOM = IN_CALL | IN_MEETING


def socket_row(allowed: set[str], refused: frozenset[str] | set[str] = frozenset()) -> Row:
    """``allowed`` roles get through, ``refused`` ones are in but told no, and everyone
    else is closed at the door."""
    return row("closed", **{r: "ok" for r in allowed}, **{r: "refused" for r in refused})


IN_THE_ROOM = socket_row(IN_ROOM)
MEETING_HOSTS = socket_row(MEETING_STAFF, IN_ROOM - MEETING_STAFF)

# "endpoint message" -> role -> outcome; "hello" is the role's own hello.
SOCKET_POLICY: dict[str, Row] = {
    "/ws/volunteer ping": socket_row({"volunteer"}),
    "/ws/volunteer availability": socket_row({"volunteer"}),
    "/ws/volunteer accept": socket_row({"volunteer"}),
    "/ws/coordinator ping": socket_row({"coordinator"}),
    "/ws/resident ping": socket_row({"resident"}),
    "/ws/resident hello": socket_row({"resident"}),
    "/ws/resident cancel": socket_row({"resident"}),
    "/ws/room ping": IN_THE_ROOM,
    "/ws/room hello": IN_THE_ROOM,
    "/ws/room offer": IN_THE_ROOM,
    "/ws/room answer": IN_THE_ROOM,
    "/ws/room ice": IN_THE_ROOM,
    "/ws/room mute": IN_THE_ROOM,
    # Only the interpreter hands a request back.
    "/ws/room release": socket_row({"volunteer"}, IN_ROOM - {"volunteer"}),
    "/ws/room leave": IN_THE_ROOM,
    "/ws/room captions.start": IN_THE_ROOM,
    "/ws/room captions.stop": IN_THE_ROOM,
    "/ws/room captions.language": IN_THE_ROOM,
    "/ws/room chat.send": IN_THE_ROOM,
    "/ws/room captions.all": IN_THE_ROOM,
    "/ws/room captions.speak": IN_THE_ROOM,
    "/ws/room meeting.admit": MEETING_HOSTS,
    "/ws/room meeting.remove": MEETING_HOSTS,
    "/ws/room meeting.end": MEETING_HOSTS,
    "/ws/room captions.speaker": MEETING_HOSTS,
    "/ws/captions ping": socket_row({"viewer"}),
    "/ws/captions hello": socket_row({"viewer"}),
    "/ws/captions viewer.language": socket_row({"viewer"}),
}

SPENDING_MESSAGES = {"leave", "release", "meeting.end", "cancel"}
