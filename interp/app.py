"""The web application: routes, middleware, and the services its lifespan starts and stops."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from sqlalchemy.exc import OperationalError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from interp.config import Settings
from interp.domain.bookings import remind_periodically
from interp.domain.sessions import SESSION_LIFETIME
from interp.domain.transcripts import purge_periodically
from interp.http import (
    account_pages,
    api,
    booking_pages,
    branding,
    caption_view,
    feedback_pages,
    meeting_call_pages,
    meeting_pages,
    notification_pages,
    readiness,
    recording_pages,
    report_pages,
    resident_pages,
    settings_pages,
    sockets,
    staff_pages,
    transcript_pages,
    volunteer_records_pages,
)
from interp.http.headers import SecurityHeaders
from interp.http.json_api import error_response
from interp.http.pages import message_page, say, wants_json
from interp.http.templating import WEB_DIR
from interp.i18n import N_
from interp.keys import secret_key
from interp.services import Services

log = logging.getLogger("interp")

STORAGE_FULL = N_(
    "The server has run out of storage space, so nothing was saved. Please try again later."
)

SESSION_COOKIE = "interp_session"
# The cookie lasts as long as the server-side session it names.
SESSION_MAX_AGE_S = int(SESSION_LIFETIME.total_seconds())


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if wants_json(request):
        return error_response("http_error", str(exc.detail), exc.status_code)
    return message_page(request, str(exc.detail), exc.status_code)


def _storage_full(exc: OperationalError) -> bool:
    """SQLite's SQLITE_FULL, or PostgreSQL's disk_full (SQLSTATE 53100)."""
    sqlstate = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return sqlstate == "53100" or "database or disk is full" in str(exc.orig)


async def _database_error(request: Request, exc: Exception) -> Response:
    """A full disk is answered clearly (its transaction was rolled back: nothing is half
    written); any other database fault stays a server error."""
    assert isinstance(exc, OperationalError)
    if not _storage_full(exc):
        raise exc
    log.error("the database could not write: its disk is full")
    if wants_json(request):
        return error_response("storage_full", say(request, STORAGE_FULL), 507)
    return message_page(request, STORAGE_FULL, 507)


async def start(app: Starlette, settings: Settings) -> Services:
    """Check the schema, seed defaults, print the setup link on a fresh server."""
    svc = Services.build(settings)
    try:
        await svc.db.check_schema()
        await svc.organisation.seed_defaults()
        await svc.language_tools.refresh_glossary()
        invite = await svc.accounts.setup_invite_if_needed()
    except BaseException:
        await svc.close()
        raise
    if invite is not None:
        url = f"{settings.effective_public_url}/setup/{invite.token}"
        app.state.setup_url = url
        # Printed, not only logged: this is how the first coordinator gets in.
        print(
            f"\ninterp has no accounts yet. Create the first coordinator at:\n  {url}\n", flush=True
        )
    return svc


def create_app(settings: Settings) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        svc = await start(app, settings)
        app.state.services = svc
        sweeper = asyncio.create_task(svc.dispatcher.run_sweeper())
        await svc.caption_worker.start()
        purger = asyncio.create_task(purge_periodically(svc.transcripts))
        reminder = asyncio.create_task(remind_periodically(svc.bookings))
        try:
            yield
        finally:
            for task in (sweeper, purger, reminder):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await svc.close()

    middleware = [
        Middleware(SecurityHeaders),
        Middleware(
            SessionMiddleware,
            secret_key=secret_key(settings),
            session_cookie=SESSION_COOKIE,
            max_age=SESSION_MAX_AGE_S,
            same_site="lax",
            https_only=settings.secure_cookies,
        ),
    ]
    routes = [
        *account_pages.routes,
        *staff_pages.routes,
        *report_pages.routes,
        *settings_pages.routes,
        *branding.routes,
        *resident_pages.routes,
        *feedback_pages.routes,
        *api.routes,
        *readiness.routes,
        *sockets.routes,
        *caption_view.routes,
        *meeting_pages.routes,
        *meeting_call_pages.routes,
        *transcript_pages.routes,
        *recording_pages.routes,
        *volunteer_records_pages.routes,
        *notification_pages.routes,
        *booking_pages.routes,
        Mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers={HTTPException: _http_error, OperationalError: _database_error},
    )
    app.state.settings = settings
    app.state.setup_url = None
    return app
