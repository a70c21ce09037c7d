"""A populated server for the trust tests: one account or token for each role an attacker
could hold, and the things those roles reach (a matched call, a meeting with a guest and
a removed guest, a recording, a resident link), built over HTTP where a person would and
through the app's own services where only the server could (deactivating an account,
removing a guest)."""

from __future__ import annotations

import dataclasses
import itertools
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

import httpx

from interp.services import Services
from tests.live_server import LiveServer, csrf_from, sign_in

DATA = Path(__file__).resolve().parents[1] / "data"
SPEECH = DATA / "en_librispeech_1272-128104-0000.wav"

ROLES = (
    "anonymous",
    "resident",
    "guest",
    "removed_guest",
    "viewer",
    "volunteer",
    "deactivated_volunteer",
    "caseworker",
    "other_caseworker",
    "coordinator",
)
# The server the trust tests probe: rooms must not close under the probes when a
# prober's page goes away (they would, once the reconnect grace ran out).
WORLD_SETTINGS = {"reconnect_grace_s": 3600.0}
ACCOUNT_ROLES = {
    "volunteer": "volunteer",
    "deactivated_volunteer": "volunteer",
    "caseworker": "caseworker",
    "other_caseworker": "caseworker",
    "coordinator": "coordinator",
}

_emails = itertools.count(1)


@dataclass
class Credential:
    """What a role presents: a session cookie (every browser has one, signed in or not),
    that session's CSRF token, and the role's own link token, if any."""

    cookies: dict[str, str]
    csrf: str
    token: str | None = None
    account_id: str | None = None

    def client(self, server: LiveServer) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=server.url, cookies=self.cookies, follow_redirects=False, timeout=30
        )


@dataclass
class Targets:
    """The things the roles try to reach."""

    request_token: str  # the resident's request, matched to the volunteer
    room_id: str  # that call's room
    meeting_id: str
    meeting_room_id: str
    invite_token: str
    view_token: str
    guest_token: str
    guest_participant: str
    removed_token: str
    resident_link: str = ""
    recording_id: str = ""


@dataclass
class World:
    server: LiveServer
    roles: dict[str, Credential]
    targets: Targets


def new_email(role: str) -> str:
    return f"{role}{next(_emails)}-{secrets.token_hex(3)}@example.org"


async def browser_session(server: LiveServer) -> Credential:
    """A visitor's session as a browser gets it from the first page with a form."""
    async with httpx.AsyncClient(base_url=server.url) as client:
        csrf = csrf_from((await client.get("/login")).text)
        return Credential(dict(client.cookies.items()), csrf)


async def signed_in(server: LiveServer, role: str, languages: tuple[str, ...] = ()) -> Credential:
    """A new account of ``role`` (volunteer, caseworker, coordinator), signed in."""
    email = new_email(role)
    account = await server.create_account(email, role, languages, name=role.title())
    async with httpx.AsyncClient(base_url=server.url) as client:
        answer = await sign_in(client, email)
        assert answer.status_code == 303, f"sign-in of a new {role} failed: {answer.status_code}"
        csrf = csrf_from((await client.get("/account")).text)
        return Credential(dict(client.cookies.items()), csrf, account_id=account.id)


async def open_request(server: LiveServer, language: str = "es") -> dict[str, str]:
    """A resident's request in the queue: its id and the resident's token."""
    async with httpx.AsyncClient(base_url=server.url) as client:
        made = await client.post("/api/requests", json={"language": language, "media": "audio"})
        assert made.status_code == 201, made.text
        body = made.json()
        return {"id": body["request"]["id"], "token": body["token"]}


async def matched_call(server: LiveServer, volunteer: Credential) -> tuple[str, str]:
    """A request accepted by ``volunteer``: (the resident's token, the call's room id)."""
    made = await open_request(server)
    async with volunteer.client(server) as client:
        accepted = await client.post(
            f"/api/requests/{made['id']}/accept", headers={"x-csrf-token": volunteer.csrf}
        )
        assert accepted.status_code == 200, accepted.text
        return made["token"], accepted.json()["room"]


async def meeting_with_guests(
    server: LiveServer, host: Credential, seats: list[Credential]
) -> tuple[str, str, str, str, str, str, str]:
    """A meeting of ``host`` with an admitted guest and a removed one, the accounts in
    ``seats`` having pressed its Join button (which gives staff their seat):
    (meeting id, room id, invite token, view token, guest token, guest id, removed token)."""
    async with host.client(server) as client:
        made = await client.post(
            "/meetings",
            data={
                "csrf_token": host.csrf,
                "title": "Tenancy advice",
                "mode": "online",
                "languages": ["es"],
            },
        )
        assert made.status_code == 303, made.text
        meeting_id = made.headers["location"].rsplit("/", 1)[-1]
    for seat in (host, *seats):
        async with seat.client(server) as client:
            await client.post(f"/meetings/{meeting_id}/call", data={"csrf_token": seat.csrf})
    svc = Services.build(server.settings)
    try:
        meeting = await svc.meetings.get(meeting_id)
        links = svc.meetings.links(meeting)
        guest = await svc.meetings.join(links.invite_token, "Guest", "es")
        await svc.meetings.admit(meeting_id, guest.attendee.id)
        removed = await svc.meetings.join(links.invite_token, "Removed", "es")
        await svc.meetings.remove(meeting_id, removed.attendee.id)
    finally:
        await svc.close()
    return (
        meeting_id,
        meeting.room_id,
        links.invite_token,
        links.view_token,
        guest.token,
        guest.attendee.id,
        removed.token,
    )


async def upload_recording(server: LiveServer, owner: Credential) -> str:
    """A recording the owner uploaded (its captioning may still be under way)."""
    async with owner.client(server) as client:
        answer = await client.post(
            "/recordings",
            data={"csrf_token": owner.csrf, "language": "en"},
            files={"recording": (SPEECH.name, SPEECH.read_bytes(), "audio/wav")},
            headers={"accept": "application/json"},
        )
        assert answer.status_code == 201, answer.text
        job_id: str = answer.json()["job"]["id"]
        return job_id


async def resident_link(server: LiveServer, staff: Credential) -> str:
    async with staff.client(server) as client:
        page = await client.post("/caseworker", data={"csrf_token": staff.csrf, "label": "trust"})
        found = re.search(r"/r/([A-Za-z0-9_\-]{16,})", page.text)
        assert found, f"no resident link on the caseworker page ({page.status_code})"
        return found[1]


async def deactivate(server: LiveServer, account_id: str) -> None:
    svc = Services.build(server.settings)
    try:
        await svc.accounts.set_active(account_id, False)
    finally:
        await svc.close()


async def build_world(server: LiveServer) -> World:
    roles: dict[str, Credential] = {}
    for role in ("anonymous", "resident", "guest", "removed_guest", "viewer"):
        roles[role] = await browser_session(server)
    for role in ACCOUNT_ROLES:
        roles[role] = await account_session(server, role)
    targets = await new_targets(server, roles)
    targets.resident_link = await resident_link(server, roles["caseworker"])
    targets.recording_id = await upload_recording(server, roles["caseworker"])
    return World(server, with_tokens(roles, targets), targets)


async def account_session(server: LiveServer, role: str) -> Credential:
    """A signed-in session of a new account playing ``role``."""
    kind = ACCOUNT_ROLES[role]
    cred = await signed_in(server, kind, ("es",) if kind == "volunteer" else ())
    if role == "deactivated_volunteer":
        await deactivate(server, str(cred.account_id))
    return cred


async def new_targets(server: LiveServer, roles: dict[str, Credential]) -> Targets:
    request_token, room_id = await matched_call(server, roles["volunteer"])
    meeting = await meeting_with_guests(server, roles["caseworker"], [roles["coordinator"]])
    return Targets(request_token, room_id, *meeting)


def with_tokens(roles: dict[str, Credential], targets: Targets) -> dict[str, Credential]:
    """The roles, each token holder holding its token of ``targets``."""
    tokens = {
        "resident": targets.request_token,
        "guest": targets.guest_token,
        "removed_guest": targets.removed_token,
        "viewer": targets.view_token,
    }
    return {
        role: Credential(cred.cookies, cred.csrf, tokens[role], None) if role in tokens else cred
        for role, cred in roles.items()
    }


MEETING_FIELDS = (
    "meeting_id",
    "meeting_room_id",
    "invite_token",
    "view_token",
    "guest_token",
    "guest_participant",
    "removed_token",
)


async def fresh_world(world: World, role: str, recording: bool = False) -> World:
    """The shared world with what ``role`` may end or spend made anew for one probe
    (leaving, cancelling, ending, handing back, signing out): its own session if it has an
    account, its call or its meeting, and with ``recording`` a recording of its own."""
    server = world.server
    roles = dict(world.roles)
    targets = dataclasses.replace(world.targets)
    if role in ACCOUNT_ROLES:
        roles[role] = await account_session(server, role)
    if role in ("resident", "volunteer"):
        # A volunteer of its own: one who already holds a call may not accept another.
        volunteer = (
            roles[role] if role == "volunteer" else await account_session(server, "volunteer")
        )
        targets.request_token, targets.room_id = await matched_call(server, volunteer)
    if role in ("guest", "caseworker", "coordinator"):
        meeting = await meeting_with_guests(server, roles["caseworker"], [roles["coordinator"]])
        for name, value in zip(MEETING_FIELDS, meeting, strict=True):
            setattr(targets, name, value)
    if recording and role in ("caseworker", "coordinator"):
        targets.recording_id = await upload_recording(server, roles["caseworker"])
    return World(server, with_tokens(roles, targets), targets)
