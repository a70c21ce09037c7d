"""Sign-in, the first-start setup link, invitations, CSRF, sessions and the login rate limit."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.live_server import PASSWORD, LiveServer, csrf_from, sign_in


async def test_setup_link_creates_the_first_coordinator_once(live_server: LiveServer) -> None:
    setup_url = live_server.setup_url
    assert setup_url and "/setup/" in setup_url
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        page = await client.get(setup_url)
        assert page.status_code == 200
        made = await client.post(
            setup_url,
            data={
                "email": "boss@example.org",
                "display_name": "Boss",
                "password": PASSWORD,
                "csrf_token": csrf_from(page.text),
            },
        )
        assert made.status_code == 303 and made.headers["location"] == "/coordinator"
        cookie = client.cookies.get("interp_session")
        assert cookie
        assert (await client.get("/coordinator")).status_code == 200
    async with httpx.AsyncClient(base_url=live_server.url) as other:
        spent = await other.get(setup_url)  # the staff sign-in, saying the link was used
        assert spent.status_code == 410 and 'action="/login"' in spent.text


async def test_session_cookie_is_httponly_and_samesite(live_server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        response = await client.get("/login")
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie  # served over plain http on localhost


@pytest.mark.server_settings(public_url="https://interp.example.org")
async def test_session_cookie_is_secure_behind_https(live_server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        response = await client.get("/login")
    assert "secure" in response.headers["set-cookie"].lower()


async def test_login_logout_and_wrong_password(live_server: LiveServer) -> None:
    await live_server.create_account("cw@example.org", "caseworker")
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        wrong = await sign_in(client, "cw@example.org", "not the password")
        assert wrong.status_code == 400 and "wrong" in wrong.text
        assert (await client.get("/caseworker")).status_code == 303
        right = await sign_in(client, "cw@example.org")
        assert right.status_code == 303 and right.headers["location"] == "/caseworker"
        page = await client.get("/caseworker")
        assert page.status_code == 200
        await client.post("/logout", data={"csrf_token": csrf_from(page.text)})
        assert (await client.get("/caseworker")).status_code == 303


async def test_forms_without_the_csrf_token_are_refused(live_server: LiveServer) -> None:
    await live_server.create_account("cw@example.org", "caseworker")
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        await client.get("/login")
        refused = await client.post(
            "/login", data={"email": "cw@example.org", "password": PASSWORD, "csrf_token": "x"}
        )
        assert refused.status_code == 403
        assert (await client.get("/caseworker")).status_code == 303  # not signed in
        await sign_in(client, "cw@example.org")
        link = await client.post("/caseworker", data={"label": "K"})
        assert link.status_code == 403 and "/r/" not in link.text


async def test_login_attempts_are_rate_limited(live_server: LiveServer) -> None:
    await live_server.create_account("v@example.org", "volunteer")
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        statuses = [
            (await sign_in(client, "v@example.org", "bad password")).status_code for _ in range(10)
        ]
        assert statuses == [400] * 10
        blocked = await sign_in(client, "v@example.org")  # even the right password now waits
        assert blocked.status_code == 429
        assert (await client.get("/volunteer")).status_code == 303


async def test_password_change_signs_out_other_sessions(live_server: LiveServer) -> None:
    await live_server.create_account("cw@example.org", "caseworker")
    async with (
        httpx.AsyncClient(base_url=live_server.url) as first,
        httpx.AsyncClient(base_url=live_server.url) as second,
    ):
        await sign_in(first, "cw@example.org")
        await sign_in(second, "cw@example.org")
        page = await first.get("/account")
        changed = await first.post(
            "/account",
            data={
                "action": "password",
                "current": PASSWORD,
                "new": "another long password",
                "csrf_token": csrf_from(page.text),
            },
        )
        assert changed.status_code == 200 and "Saved" in changed.text
        assert (await first.get("/account")).status_code == 200
        assert (await second.get("/account")).status_code == 303


async def test_invite_link_is_single_use_and_only_for_its_page(live_server: LiveServer) -> None:
    await live_server.create_account("boss@example.org", "coordinator")
    async with httpx.AsyncClient(base_url=live_server.url) as boss:
        await sign_in(boss, "boss@example.org")
        page = await boss.get("/coordinator")
        made = await boss.post(
            "/coordinator",
            data={"action": "invite", "role": "volunteer", "csrf_token": csrf_from(page.text)},
        )
        link = re.search(r'value="[^"]*/invite/([^"]+)"', made.text)
        assert link, made.text
        token = link.group(1)
    async with httpx.AsyncClient(base_url=live_server.url) as guest:
        assert (await guest.get(f"/setup/{token}")).status_code == 404  # not a setup link
        form = await guest.get(f"/invite/{token}")
        assert form.status_code == 200
        data = {
            "email": "new@example.org",
            "display_name": "New",
            "password": PASSWORD,
            "languages": ["es", "bfi"],
            "csrf_token": csrf_from(form.text),
        }
        joined = await guest.post(f"/invite/{token}", data=data)
        assert joined.status_code == 303 and joined.headers["location"] == "/volunteer"
    async with httpx.AsyncClient(base_url=live_server.url) as late:
        assert (await late.get(f"/invite/{token}")).status_code == 410  # used: sign in


async def test_deactivated_volunteer_is_signed_out(live_server: LiveServer) -> None:
    await live_server.create_account("boss@example.org", "coordinator")
    volunteer = await live_server.create_account("v@example.org", "volunteer", ("es",))
    async with (
        httpx.AsyncClient(base_url=live_server.url) as boss,
        httpx.AsyncClient(base_url=live_server.url) as vol,
    ):
        await sign_in(vol, "v@example.org")
        assert (await vol.get("/volunteer")).status_code == 200
        await sign_in(boss, "boss@example.org")
        page = await boss.get("/coordinator")
        await boss.post(
            "/coordinator",
            data={"action": "deactivate", "user": volunteer.id, "csrf_token": csrf_from(page.text)},
        )
        assert (await vol.get("/volunteer")).status_code == 303
        assert (await sign_in(vol, "v@example.org")).status_code == 400


async def test_security_headers(live_server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        response = await client.get("/request")
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
