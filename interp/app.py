"""The web application: routes, middleware, and the services its lifespan starts and stops."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from interp.config import Settings
from interp.domain.transcripts import purge_periodically
from interp.http import (
    account_pages,
    api,
    caption_view,
    meeting_call_pages,
    meeting_pages,
    recording_pages,
    resident_pages,
    sockets,
    staff_pages,
    transcript_pages,
)
from interp.http.headers import SecurityHeaders
from interp.http.json_api import error_response
from interp.http.pages import message_page, wants_json
from interp.http.templating import WEB_DIR
from interp.keys import secret_key
from interp.services import Services

log = logging.getLogger("interp")

SESSION_COOKIE = "interp_session"
SESSION_MAX_AGE_S = 7 * 24 * 3600


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if wants_json(request):
        return error_response("http_error", str(exc.detail), exc.status_code)
    return message_page(request, str(exc.detail), exc.status_code)


async def start(app: Starlette, settings: Settings) -> Services:
    """Check the schema, seed defaults, print the setup link on a fresh server."""
    svc = Services.build(settings)
    try:
        await svc.db.check_schema()
        await svc.organisation.seed_defaults()
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
        try:
            yield
        finally:
            for task in (sweeper, purger):
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
        *resident_pages.routes,
        *api.routes,
        *sockets.routes,
        *caption_view.routes,
        *meeting_pages.routes,
        *meeting_call_pages.routes,
        *transcript_pages.routes,
        *recording_pages.routes,
        Mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers={HTTPException: _http_error},
    )
    app.state.settings = settings
    app.state.setup_url = None
    return app
