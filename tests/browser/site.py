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
from pathlib import Path
from typing import Any

import httpx
from starlette.routing import Route

from tests.live_server import LiveServer, csrf_from, run_sync, sign_in, start_live_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
]
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
# Route prefixes that serve no HTML page.
NOT_PAGES = ("/api/", "/ws/", "/static")

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
            and not route.path.startswith(NOT_PAGES)
        }


def _link_in(html: str, path_prefix: str) -> str:
    match = re.search(r'value="https?://[^/"]+(' + re.escape(path_prefix) + r'[^"]+)"', html)
    assert match, f"no {path_prefix} link on the page"
    return match.group(1)


async def _populate(server: LiveServer, setup_path: str) -> Site:
    await server.create_account(COORDINATOR, "coordinator", name="Carmen Coordinator")
    await server.create_account(CASEWORKER, "caseworker", name="Kasia Caseworker")
    await server.create_account(VOLUNTEER, "volunteer", ("es", "ar"), name="Vera Volunteer")
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

    visits = {
        "/": Visit("/"),
        "/login": Visit("/login"),
        "/setup/{token}": Visit(setup_path),
        "/invite/{token}": Visit(invite_path),
        "/account": Visit("/account", VOLUNTEER),
        "/volunteer": Visit("/volunteer", VOLUNTEER),
        "/rooms/{room_id}": Visit(prepare=lambda: _call(server, "interpreter")),
        "/coordinator": Visit("/coordinator", COORDINATOR),
        "/caseworker": Visit("/caseworker", CASEWORKER),
        "/request": Visit("/request"),
        "/r/{token}": Visit(link_path),
        "/q/{token}": Visit(queue_path),
        "/call/{token}": Visit(prepare=lambda: _call(server, "resident")),
        # Page states that are not routes of their own.
        "call in sign language": Visit(prepare=lambda: _call(server, "resident", "bfi")),
        "call with automatic interpretation": Visit(prepare=lambda: _machine_call(server)),
        "link not valid": Visit("/q/" + "A" * 43),
    }
    return Site(server, visits, sessions)


_interpreters = itertools.count(1)


async def _call(
    server: LiveServer, side: str, language: str = "es"
) -> tuple[str, dict[str, str]]:
    """A new request accepted by a new interpreter: the call page of one side of it."""
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
        if side == "resident":
            return body["call_url"], {}
        return accepted.json()["call_url"], dict(interpreter.cookies.items())


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
    server = start_live_server(data_dir)
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
    context = browser.new_context(**context_args)
    cookies = [{"name": "interp_lang", "value": locale, "url": site.server.url}]
    cookies += [{"name": name, "value": value, "url": site.server.url}
                for name, value in {**session, **(preferences or {})}.items()]
    context.add_cookies(cookies)
    page = context.new_page()
    page.goto(site.server.url + url)
    page.wait_for_load_state("load")
    return page


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "home"
