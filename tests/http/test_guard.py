"""The guard of pages and API routes that need an account: sign in first, the right role,
and what the account may not have (another caseworker's meeting); each refusal answered
as a page or as JSON, as the route speaks."""

from __future__ import annotations

import httpx

from tests.live_server import LiveServer, csrf_from, sign_in

JSON = {"accept": "application/json"}


async def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in_and_back(
    live_server: LiveServer,
) -> None:
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        for path in ("/coordinator", "/meetings", "/meetings/x/transcript.vtt?language=es"):
            page = await client.get(path)
            assert page.status_code == 303 and page.headers["location"] == f"/login?next={path}"
        posted = await client.post("/caseworker", data={"label": "K"})
        assert posted.status_code == 303
        assert posted.headers["location"] == "/login?next=/caseworker"


async def test_json_callers_get_401_and_403_as_json(live_server: LiveServer) -> None:
    await live_server.create_account("cw@example.org", "caseworker")
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        for response in (
            await client.post("/api/requests/x/accept"),
            await client.get("/caseworker", headers=JSON),  # a page's script asking
        ):
            assert response.status_code == 401
            assert response.json()["error"]["code"] == "sign_in"
        await sign_in(client, "cw@example.org")
        refused = await client.post("/api/requests/x/accept")
        assert refused.status_code == 403
        assert refused.json()["error"] == {
            "code": "forbidden",
            "message": "Your account cannot open this page.",
        }


async def test_an_account_of_another_role_reads_why_with_a_way_home(
    live_server: LiveServer,
) -> None:
    await live_server.create_account("v@example.org", "volunteer")
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        await sign_in(client, "v@example.org")
        for path in ("/coordinator", "/meetings", "/recordings"):
            page = await client.get(path)
            assert page.status_code == 403
            assert "Your account cannot open this page." in page.text
            assert 'href="/volunteer"' in page.text
        # In the reader's language too.
        spanish = await client.get("/coordinator?lang=es")
        assert spanish.status_code == 403 and "Your account" not in spanish.text


async def test_another_caseworkers_meeting_is_refused(live_server: LiveServer) -> None:
    await live_server.create_account("kasia@example.org", "caseworker")
    await live_server.create_account("other@example.org", "caseworker")
    async with httpx.AsyncClient(base_url=live_server.url) as owner:
        await sign_in(owner, "kasia@example.org")
        form = await owner.get("/meetings")
        made = await owner.post(
            "/meetings",
            data={"title": "Housing", "mode": "online", "csrf_token": csrf_from(form.text)},
        )
        assert made.status_code == 303
        meeting_url = made.headers["location"]
        assert (await owner.get(meeting_url)).status_code == 200
    async with httpx.AsyncClient(base_url=live_server.url) as other:
        await sign_in(other, "other@example.org")
        host_page = await other.get(meeting_url)
        assert host_page.status_code == 404
        assert "another caseworker" in host_page.text and 'href="/meetings"' in host_page.text
        transcript = await other.get(f"{meeting_url}/transcript.txt")
        assert transcript.status_code == 403 and 'href="/caseworker"' in transcript.text
