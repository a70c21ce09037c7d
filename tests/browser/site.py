"""A populated interp server for whole-site browser checks, and a Chromium to visit it.

``build_site`` starts the real app and puts it in the state where every page has
something to show: accounts of each role, a resident link, an invitation, a waiting
request and a call in progress. It returns, for each page route, a URL to open and
the account (if any) whose session the browser needs.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from starlette.routing import Route

from interp.captions.layout import Segment
from interp.domain.accounts import Account
from interp.domain.caption_jobs import CaptionJobs, Transcript
from interp.domain.kinds import ParticipantRole, RoomKind
from interp.domain.meetings import Meetings
from interp.domain.organisation import Organisation
from interp.domain.requests import RequestQueue
from interp.domain.rooms import Rooms
from interp.domain.tokens import new_id
from interp.jobs.uploads import NO_SOUND
from interp.keys import secret_key
from interp.store.database import Database
from interp.store.models import Room, RoomParticipant
from tests.helpers.bookings import booking_form
from tests.helpers.calls import join
from tests.helpers.meetings import create_meeting, keep_a_transcript
from tests.live_server import (
    LiveServer,
    csrf_from,
    open_limits,
    run_sync,
    sign_in,
    start_live_server,
)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
]
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
# Machine endpoints: the JSON API, sockets, files, and the readiness probe for load balancers.
# The reports page's live panel is a piece of that page, read again by its script.
NOT_PAGES = (
    "/api/", "/ws/", "/static", "/readyz", "/organisation/logo", "/coordinator/reports/live",
)
# Routes that answer with a file to save (their path ends in a file suffix), not a page.
DOWNLOAD = re.compile(r"\.(\{\w+\}|\w+)$")

COORDINATOR = "coordinator@example.org"
CASEWORKER = "caseworker@example.org"
VOLUNTEER = "volunteer@example.org"


@dataclass
class Visit:
    url: str = ""  # path on the server
    account: str | None = None  # email of the signed-in user, None for a resident
    # For pages that a visit uses up (a call ends when its page closes): makes a fresh
    # (url, signed-in user's cookies) for each visit.
    prepare: Callable[[], Coroutine[Any, Any, tuple[str, dict[str, str]]]] | None = None


@dataclass
class Site:
    server: LiveServer
    visits: dict[str, Visit]  # route path (or a name for a page state) -> how to see it
    sessions: dict[str, dict[str, str]] = field(default_factory=dict)  # email -> cookies

    def page_routes(self) -> set[str]:
        """Every route that answers GET with a page: new pages show up here by themselves."""
        app: Any = self.server.server.config.app
        return {
            route.path for route in app.routes
            if isinstance(route, Route) and "GET" in (route.methods or ())
            and not route.path.startswith(NOT_PAGES) and not DOWNLOAD.search(route.path)
        }


def _link_in(html: str, path_prefix: str) -> str:
    match = re.search(r'value="https?://[^/"]+(' + re.escape(path_prefix) + r'[^"]+)"', html)
    assert match, f"no {path_prefix} link on the page"
    return match.group(1)


async def _populate(server: LiveServer, setup_path: str) -> Site:
    await server.create_account(COORDINATOR, "coordinator", name="Carmen Coordinator")
    kasia = await server.create_account(CASEWORKER, "caseworker", name="Kasia Caseworker")
    vera = await server.create_account(VOLUNTEER, "volunteer", ("es", "ar"), name="Vera Volunteer")
    sessions: dict[str, dict[str, str]] = {}
    clients = {email: httpx.AsyncClient(base_url=server.url) for email in
               (COORDINATOR, CASEWORKER, VOLUNTEER)}
    resident = httpx.AsyncClient(base_url=server.url)
    try:
        for email, client in clients.items():
            signed = await sign_in(client, email)
            assert signed.status_code == 303, f"cannot sign in {email}"
            sessions[email] = dict(client.cookies.items())

        coordinator = clients[COORDINATOR]
        page = await coordinator.get("/coordinator")
        invited = await coordinator.post("/coordinator", data={
            "csrf_token": csrf_from(page.text), "action": "invite", "role": "volunteer",
            "email": "new@example.org"})
        invite_path = _link_in(invited.text, "/invite/")
        # A glossary term, so that the glossary card shows its table and edit form.
        await coordinator.post("/coordinator", data={
            "csrf_token": csrf_from(page.text), "action": "glossary_add",
            "term": "Universal Credit", "rendering_es": "Crédito Universal (Universal Credit)"})

        caseworker = clients[CASEWORKER]
        page = await caseworker.get("/caseworker")
        made = await caseworker.post("/caseworker", data={
            "csrf_token": csrf_from(page.text), "label": "Mrs A."})
        link_path = _link_in(made.text, "/r/")

        # A resident waits in the queue (the volunteer dashboard lists the request).
        form = await resident.get("/request")
        asked = await resident.post("/request", data={
            "csrf_token": csrf_from(form.text), "language": "es", "media": "video",
            "note": "Cita en la oficina de vivienda"})
        queue_path = asked.headers["location"]
    finally:
        for client in [*clients.values(), resident]:
            await client.aclose()

    await _recordings(server, kasia)
    meetings = await _meetings(server, kasia)
    untranslatable = await _transcript_needing_a_model(server, kasia)
    await volunteer_history(server, vera)
    await _booking(server)

    visits = {
        "/": Visit("/"),
        "/login": Visit("/login"),
        "/setup/{token}": Visit(setup_path),
        "/invite/{token}": Visit(invite_path),
        "/account": Visit("/account", VOLUNTEER),
        "/account/notifications": Visit("/account/notifications", VOLUNTEER),
        "/volunteer": Visit("/volunteer", VOLUNTEER),
        "/volunteer/history": Visit("/volunteer/history", VOLUNTEER),
        "/volunteer/history/summary": Visit("/volunteer/history/summary", VOLUNTEER),
        "/rooms/{room_id}": Visit(prepare=lambda: _call(server, "interpreter")),
        "/coordinator": Visit("/coordinator", COORDINATOR),
        "/coordinator/reports": Visit("/coordinator/reports", COORDINATOR),
        "/coordinator/settings": Visit("/coordinator/settings", COORDINATOR),
        "/coordinator/feedback": Visit("/coordinator/feedback", COORDINATOR),
        "/caseworker": Visit("/caseworker", CASEWORKER),
        "/recordings": Visit("/recordings", CASEWORKER),
        "/request": Visit("/request"),
        "/r/{token}": Visit(link_path),
        "/q/{token}": Visit(queue_path),
        "/call/{token}": Visit(prepare=lambda: _call(server, "resident")),
        "/v/{token}": Visit(prepare=lambda: _caption_view(server)),
        "/call/{token}/feedback": Visit(prepare=lambda: _after_a_call(server, "resident")),
        "/calls/{room_id}/feedback": Visit(prepare=lambda: _after_a_call(server, "feedback")),
        "/calls/{room_id}/safeguarding": Visit(
            prepare=lambda: _after_a_call(server, "safeguarding")
        ),
        # Page states that are not routes of their own.
        "call in sign language": Visit(prepare=lambda: _call(server, "resident", "bfi")),
        "call with automatic interpretation": Visit(prepare=lambda: _machine_call(server)),
        "link not valid": Visit("/q/" + "A" * 43),
        "transcript needs a translation model": Visit(untranslatable, CASEWORKER),
        "/meetings": Visit("/meetings", CASEWORKER),
        "/bookings": Visit("/bookings", CASEWORKER),
        "/meetings/{id}": Visit(meetings["host"], CASEWORKER),
        "/meetings/{id}/call": Visit(meetings["call"], CASEWORKER),
        "meeting in a room, host's call page": Visit(meetings["in_room_call"], CASEWORKER),
        "/j/{token}": Visit(meetings["invite"]),
        "/m/{token}": Visit(prepare=lambda: _meeting_guest(server, meetings["invite"])),
    }
    return Site(server, visits, sessions)


async def _recordings(server: LiveServer, owner: Account) -> None:
    """Recordings in each state: captioned, failed, being captioned, waiting (made straight
    in the database; without uploads on disk the worker leaves them as they are)."""
    db = Database(server.settings.effective_database_url)
    jobs = CaptionJobs(db)
    try:
        names = ("Interview with Mrs A.mp3", "Noise.wav", "Team meeting.mp4", "Voicemail.ogg")
        made = [await jobs.create(owner, name, 2_400_000, None, None) for name in names]
        for job in made[:3]:
            await jobs.claim_next([job.id])
        spoken = Transcript((Segment(0.5, 2.0, "Hello, where is the doctor?", "en"),), 2.5)
        await jobs.finish(made[0].id, spoken)
        await jobs.fail(made[1].id, NO_SOUND)
        await jobs.set_progress(made[2].id, 0.42)
    finally:
        await db.close()


# Calls a volunteer interpreted, as (days ago, language, minutes): three months of them.
HISTORY = ((3, "es", 45), (9, "ar", 90), (24, "es", 20), (40, "ar", 75), (66, "es", 130))


async def volunteer_history(server: LiveServer, volunteer: Account) -> None:
    """The calls of HISTORY, ended, with the volunteer as interpreter (made straight in the
    database): their history, printable record and the coordinator's hours have figures."""
    db = Database(server.settings.effective_database_url)
    now = datetime.now(UTC).replace(microsecond=0)
    try:
        async with db.session() as session:
            for days_ago, language, minutes in HISTORY:
                joined = now - timedelta(days=days_ago)
                left = joined + timedelta(minutes=minutes)
                room = Room(id=new_id(), media="video", kind=RoomKind.CALL, created_at=joined,
                            started_at=joined, closed_at=left)
                session.add(room)
                await session.flush()
                session.add(RoomParticipant(
                    id=new_id(), room_id=room.id, role=ParticipantRole.INTERPRETER,
                    display_name=volunteer.display_name, language_code=language,
                    user_id=volunteer.id, joined_at=joined, left_at=left))
    finally:
        await db.close()


async def _transcript_needing_a_model(server: LiveServer, owner: Account) -> str:
    """A meeting's kept transcript asked for in a language no installed model reaches."""
    db = Database(server.settings.effective_database_url)
    try:
        meeting = await Meetings(db, secret_key(server.settings), 6).create(
            owner, "Rent arrears", "online", ["so"]
        )
    finally:
        await db.close()
    await keep_a_transcript(server, meeting, owner, "Your rent is paid until March.")
    return f"/meetings/{meeting.id}/transcript.txt?language=so"


async def _meetings(server: LiveServer, owner: Account) -> dict[str, str]:
    """Meetings of the caseworker: one held and ended (the history has a line with people),
    one online that waits for an interpreter, one in a room. Returns the pages' paths."""
    db = Database(server.settings.effective_database_url)
    meetings = Meetings(db, secret_key(server.settings), server.settings.meeting_max_participants)
    rooms = Rooms(db)
    try:
        held = await meetings.create(owner, "Rent arrears", "online", ["ar"])
        await rooms.mark_joined((await rooms.get(held.room_id)).participants[0].id)
        await meetings.mark_started(held.id)
        guest = await meetings.join(meetings.links(held).invite_token, "Amal", "ar")
        await rooms.mark_joined(guest.attendee.id)
        await meetings.admit(held.id, guest.attendee.id)
        await meetings.end(held.id)
        await rooms.close(held.room_id)

        online = await meetings.create(owner, "Housing review", "online", ["es", "ar"])
        queue = RequestQueue(db, Organisation(db), timedelta(hours=1), timedelta(minutes=2))
        await queue.create_for_meeting(online.id, "es", "Housing review")
        in_room = await meetings.create(owner, "Tenants' evening", "in_room", ["es"])
    finally:
        await db.close()
    return {
        "host": f"/meetings/{online.id}",
        "call": f"/meetings/{online.id}/call",
        "in_room_call": f"/meetings/{in_room.id}/call",
        "invite": f"/j/{meetings.links(online).invite_token}",
    }


async def _booking(server: LiveServer) -> None:
    """A Spanish booking for the caseworker's online meeting, waiting for an interpreter:
    their bookings page lists it, the volunteer's dashboard offers it."""
    async with httpx.AsyncClient(base_url=server.url) as caseworker:
        await sign_in(caseworker, CASEWORKER)
        form = await booking_form(caseworker) | {"language": "es"}
        booked = await caseworker.post("/bookings", data=form)
        assert booked.status_code == 303, booked.text


async def _meeting_guest(server: LiveServer, invite: str) -> tuple[str, dict[str, str]]:
    """A resident who joined by the invite link: their call page, waiting to be let in."""
    async with httpx.AsyncClient(base_url=server.url) as guest:
        form = await guest.get(invite)
        joined = await guest.post(invite, data={
            "csrf_token": csrf_from(form.text), "name": "Ana", "language": "es"})
        assert joined.status_code == 303, joined.text
        return joined.headers["location"], dict(guest.cookies.items())


_interpreters = itertools.count(1)


async def both_sides_of_a_call(
    server: LiveServer, language: str = "es"
) -> dict[str, tuple[str, dict[str, str]]]:
    """A resident's video request accepted by a new interpreter: each side's call page
    (path, session cookies), by side ("resident", "interpreter")."""
    email = f"interpreter{next(_interpreters)}@example.org"
    await server.create_account(email, "volunteer", (language,), name="Ivan Interpreter")
    async with httpx.AsyncClient(base_url=server.url) as resident, \
            httpx.AsyncClient(base_url=server.url) as interpreter:
        created = await resident.post(
            "/api/requests", json={"language": language, "media": "video"})
        created.raise_for_status()
        body = created.json()
        await sign_in(interpreter, email)
        csrf = csrf_from((await interpreter.get("/account")).text)
        accepted = await interpreter.post(
            f"/api/requests/{body['request']['id']}/accept", headers={"x-csrf-token": csrf})
        accepted.raise_for_status()
        return {
            "resident": (body["call_url"], {}),
            "interpreter": (accepted.json()["call_url"], dict(interpreter.cookies.items())),
        }


async def _call(
    server: LiveServer, side: str, language: str = "es"
) -> tuple[str, dict[str, str]]:
    """A new request accepted by a new interpreter: the call page of one side of it."""
    return (await both_sides_of_a_call(server, language))[side]


async def _after_a_call(server: LiveServer, page: str) -> tuple[str, dict[str, str]]:
    """A call both sides joined and left: the resident's one-tap feedback page, or the
    interpreter's feedback or safeguarding page."""
    sides = await both_sides_of_a_call(server)
    token = sides["resident"][0].removeprefix("/call/")
    room_path, cookies = sides["interpreter"]
    room_id = room_path.removeprefix("/rooms/")
    async with httpx.AsyncClient(base_url=server.url, cookies=cookies) as interpreter:
        sockets = [
            await join(server, {"token": token}),
            await join(server, {"room": room_id}, interpreter),
        ]
    for socket in sockets:
        await socket.close()
    pages = {
        "resident": (f"/call/{token}/feedback", {}),
        "feedback": (f"/calls/{room_id}/feedback", cookies),
        "safeguarding": (f"/calls/{room_id}/safeguarding", cookies),
    }
    return pages[page]


async def _caption_view(server: LiveServer) -> tuple[str, dict[str, str]]:
    """A meeting's caption view, as someone in the room opens it from the QR code."""
    made = await create_meeting(server, "Housing advice", ("es", "ar"))
    return f"/v/{made.view_token}", {}


async def _machine_call(server: LiveServer) -> tuple[str, dict[str, str]]:
    """A waiting resident who switched to automatic interpretation: their call page."""
    async with httpx.AsyncClient(base_url=server.url) as resident:
        created = await resident.post("/api/requests", json={"language": "es", "media": "audio"})
        created.raise_for_status()
        queue_path = "/q/" + created.json()["token"]
        csrf = csrf_from((await resident.get(queue_path)).text)
        started = await resident.post(f"{queue_path}/machine", data={"csrf_token": csrf})
        assert started.status_code == 303, started.text
        return started.headers["location"], dict(resident.cookies.items())


@contextmanager
def running_site(data_dir: Path) -> Iterator[Site]:
    # Every page is visited in two languages, some after a new request: no limit in the way.
    server = start_live_server(data_dir, **open_limits())
    try:
        assert server.setup_url, "a fresh server prints its setup link"
        setup_path = "/" + server.setup_url.split("/", 3)[3]
        yield run_sync(_populate(server, setup_path))
    finally:
        server.stop()


def open_page(
    browser: Any, site: Site, visit: Visit, locale: str,
    preferences: dict[str, str] | None = None, **context_args: Any,
) -> Any:
    """A new browser context in ``locale`` (signed in as the visit's account) on the page;
    ``preferences`` are display cookies, e.g. {"interp_contrast": "high"}."""
    url, session = visit.url, site.sessions.get(visit.account or "", {})
    if visit.prepare:
        url, session = run_sync(visit.prepare())
    return open_with_cookies(
        browser, site.server, url, {**session, **(preferences or {}), "interp_lang": locale},
        **context_args,
    )


def open_with_cookies(
    browser: Any, server: LiveServer, path: str, cookies: dict[str, str], **context_args: Any
) -> Any:
    """A new browser context holding ``cookies`` (a session, display choices), on ``path``."""
    context = browser.new_context(**context_args)
    context.add_cookies([{"name": k, "value": v, "url": server.url} for k, v in cookies.items()])
    page = context.new_page()
    page.goto(server.url + path)
    page.wait_for_load_state("load")
    return page


async def session_of_new(server: LiveServer, email: str, role: str, name: str) -> dict[str, str]:
    """A new account of ``role``, signed in: its session cookies."""
    await server.create_account(email, role, name=name)
    async with httpx.AsyncClient(base_url=server.url) as client:
        await sign_in(client, email)
        return dict(client.cookies.items())


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "home"
