"""Residents' pages and the JSON API: asking, the queue page, cancelling, bad input."""

from __future__ import annotations

import httpx
import pytest

from tests.live_server import LiveServer, csrf_from, sign_in


async def ask(
    client: httpx.AsyncClient, language: str = "es", media: str = "video", note: str = ""
) -> httpx.Response:
    form = await client.get("/request")
    data = {"language": language, "media": media, "note": note, "csrf_token": csrf_from(form.text)}
    return await client.post("/request", data=data)


async def test_request_form_offers_the_organisations_languages(live_server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        page = await client.get("/request")
    assert page.status_code == 200
    assert 'value="es"' in page.text and 'value="bfi"' in page.text  # the default offer
    assert 'value="de"' not in page.text


async def test_resident_asks_and_sees_their_place(live_server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        first = await ask(client, note="housing office")
        assert first.status_code == 303
        queue_url = first.headers["location"]
        assert queue_url.startswith("/q/") and len(queue_url) > 40
        second = await ask(client)
        page = await client.get(second.headers["location"])
    assert page.status_code == 200
    assert 'role="status"' in page.text
    assert '<span class="big-number" id="queue-position">2</span>' in page.text
    assert page.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    ("language", "media", "note"),
    [("de", "video", ""), ("", "video", ""), ("es", "fax", ""), ("es", "video", "x" * 501)],
)
async def test_bad_request_form_is_refused_and_stores_nothing(
    live_server: LiveServer, language: str, media: str, note: str
) -> None:
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        refused = await ask(client, language, media, note)
        assert refused.status_code == 400
        assert 'role="alert"' in refused.text
        ok = await ask(client)
        page = await client.get(ok.headers["location"])
    # The refused attempt took no place in the queue: the next request is first.
    assert '<span class="big-number" id="queue-position">1</span>' in page.text


async def test_cancel_without_javascript(live_server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        queue_url = (await ask(client)).headers["location"]
        page = await client.get(queue_url)
        done = await client.post(f"{queue_url}/cancel", data={"csrf_token": csrf_from(page.text)})
        assert done.status_code == 303
        after = await client.get(queue_url)
    assert "You cancelled this request." in after.text


@pytest.mark.parametrize("path", ["/q/", "/call/", "/r/"])
async def test_wrong_tokens_get_a_clear_page(live_server: LiveServer, path: str) -> None:
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        page = await client.get(f"{path}{'A' * 43}")
    assert page.status_code == 404
    assert "not valid" in page.text


async def test_resident_link_opens_the_request_page_once(live_server: LiveServer) -> None:
    await live_server.create_account("cw@example.org", "caseworker")
    async with httpx.AsyncClient(base_url=live_server.url) as caseworker:
        await sign_in(caseworker, "cw@example.org")
        page = await caseworker.get("/caseworker")
        made = await caseworker.post(
            "/caseworker", data={"label": "Mrs K", "csrf_token": csrf_from(page.text)}
        )
    link = made.text.split("/r/")[1].split('"')[0]
    async with httpx.AsyncClient(base_url=live_server.url) as resident:
        form = await resident.get(f"/r/{link}")
        assert form.status_code == 200
        data = {"language": "es", "media": "audio", "csrf_token": csrf_from(form.text)}
        asked = await resident.post(f"/r/{link}", data=data)
        assert asked.status_code == 303 and asked.headers["location"].startswith("/q/")
        assert (await resident.get(f"/r/{link}")).status_code == 404
        again = await resident.post(f"/r/{link}", data=data)
        assert again.status_code == 400


async def test_api_creates_requests_and_refuses_bad_ones(live_server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        languages = (await client.get("/api/languages")).json()
        assert {"code": "bfi", "signed": True}.items() <= next(
            lang for lang in languages["offered"] if lang["code"] == "bfi"
        ).items()
        made = await client.post("/api/requests", json={"language": "ar", "media": "audio"})
        assert made.status_code == 201
        body = made.json()
        assert body["queue_url"] == f"/q/{body['token']}"
        cases = [
            ({"language": "de", "media": "audio"}, 400),
            ({"language": "ar", "media": "audio", "extra": 1}, 400),
            ({"language": ["ar"], "media": "audio"}, 400),
        ]
        for payload, status in cases:
            response = await client.post("/api/requests", json=payload)
            assert response.status_code == status and response.json()["error"]["message"]
        not_json = await client.post("/api/requests", content=b"language=ar")
        assert not_json.status_code == 415


async def test_api_accept_needs_a_volunteer_and_csrf(live_server: LiveServer) -> None:
    await live_server.create_account("v@example.org", "volunteer", ("ar",))
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        made = (
            await client.post("/api/requests", json={"language": "ar", "media": "audio"})
        ).json()
        accept_url = f"/api/requests/{made['request']['id']}/accept"
        assert (await client.post(accept_url)).status_code == 401
        await sign_in(client, "v@example.org")
        page = await client.get("/volunteer")
        assert (await client.post(accept_url)).status_code == 403
        headers = {"x-csrf-token": csrf_from(page.text)}
        won = await client.post(accept_url, headers=headers)
        assert won.status_code == 200 and won.json()["call_url"].startswith("/rooms/")
        again = await client.post(accept_url, headers=headers)
        assert again.status_code == 409 and again.json()["error"]["code"] == "taken"
        call = await client.get(won.json()["call_url"])
        assert call.status_code == 200 and 'id="call-config"' in call.text
