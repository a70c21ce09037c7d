"""Sessions are kept on the server: signing out, a password change and deactivation end
them, including every copy of the cookie someone saved before."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select

from interp.store.database import Database
from interp.store.models import AccountSession
from tests.live_server import PASSWORD, LiveServer, csrf_from, sign_in

COOKIE = "interp_session"


def saved_cookie(client: httpx.AsyncClient) -> str:
    cookie = client.cookies.get(COOKIE)
    assert cookie
    return cookie


async def opens(server: LiveServer, cookie: str, path: str) -> bool:
    """Whether a browser holding only this cookie gets the page (not the sign-in page)."""
    async with httpx.AsyncClient(base_url=server.url, cookies={COOKIE: cookie}) as copy:
        return (await copy.get(path)).status_code == 200


async def sessions_of(server: LiveServer, user_id: str) -> int:
    db = Database(server.settings.effective_database_url)
    try:
        async with db.session() as session:
            query = select(func.count()).where(AccountSession.user_id == user_id)
            return int(await session.scalar(query) or 0)
    finally:
        await db.close()


async def test_a_cookie_saved_before_logout_opens_nothing_after(live_server: LiveServer) -> None:
    caseworker = await live_server.create_account("cw@example.org", "caseworker")
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        await sign_in(client, "cw@example.org")
        saved = saved_cookie(client)
        assert await opens(live_server, saved, "/caseworker")
        page = await client.get("/caseworker")
        await client.post("/logout", data={"csrf_token": csrf_from(page.text)})
    assert not await opens(live_server, saved, "/caseworker")
    assert await sessions_of(live_server, caseworker.id) == 0


async def test_a_password_change_ends_every_other_session(live_server: LiveServer) -> None:
    await live_server.create_account("cw@example.org", "caseworker")
    async with (
        httpx.AsyncClient(base_url=live_server.url) as here,
        httpx.AsyncClient(base_url=live_server.url) as elsewhere,
    ):
        await sign_in(here, "cw@example.org")
        await sign_in(elsewhere, "cw@example.org")
        saved_here, saved_elsewhere = saved_cookie(here), saved_cookie(elsewhere)
        page = await here.get("/account")
        changed = await here.post(
            "/account",
            data={
                "action": "password",
                "current": PASSWORD,
                "new": "another long password",
                "csrf_token": csrf_from(page.text),
            },
        )
        assert changed.status_code == 200
    # The session that made the change goes on; the other, and any copy of it, ends.
    assert await opens(live_server, saved_here, "/account")
    assert not await opens(live_server, saved_elsewhere, "/account")


async def test_deactivation_ends_sessions_even_after_reactivation(live_server: LiveServer) -> None:
    await live_server.create_account("boss@example.org", "coordinator")
    volunteer = await live_server.create_account("v@example.org", "volunteer", ("es",))
    async with (
        httpx.AsyncClient(base_url=live_server.url) as boss,
        httpx.AsyncClient(base_url=live_server.url) as client,
    ):
        await sign_in(client, "v@example.org")
        saved = saved_cookie(client)
        assert await opens(live_server, saved, "/volunteer")
        await sign_in(boss, "boss@example.org")
        for action in ("deactivate", "activate"):
            page = await boss.get("/coordinator")
            done = await boss.post(
                "/coordinator",
                data={"action": action, "user": volunteer.id, "csrf_token": csrf_from(page.text)},
            )
            assert done.status_code == 303
            assert not await opens(live_server, saved, "/volunteer")
        assert await sessions_of(live_server, volunteer.id) == 0
        # Active again, the volunteer signs in afresh.
        await sign_in(client, "v@example.org")
        assert (await client.get("/volunteer")).status_code == 200

