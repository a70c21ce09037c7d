"""The coordinator's glossary card: terms added, changed and removed through the page's
forms; a bad or forged form changes nothing."""

from __future__ import annotations

import html
import re
from pathlib import Path

import httpx
import pytest

from tests.live_server import LiveServer, csrf_from, sign_in, start_live_server


@pytest.fixture
def server(tmp_path: Path) -> LiveServer:
    live = start_live_server(tmp_path / "data")
    yield live
    live.stop()


def terms(page: str) -> list[str]:
    card = page.split('id="glossary-heading"', 1)[1]
    return [html.unescape(t) for t in re.findall(r'<strong lang="\w+">([^<]*)</strong>', card)]


def term_id(page: str, term: str) -> str:
    match = re.search(rf'name="term_id" value="(\w+)">\s*<div class="field">\s*'
                      rf'<label for="term-\w+">[^<]*</label>\s*<input id="term-\w+" name="term" '
                      rf'dir="auto" required maxlength="100" value="{re.escape(term)}"', page)
    assert match, f"no edit form for {term}"
    return match.group(1)


async def test_the_coordinator_keeps_the_glossary(server: LiveServer) -> None:
    await server.create_account("boss@example.org", "coordinator")
    async with httpx.AsyncClient(base_url=server.url) as client:
        await sign_in(client, "boss@example.org")
        page = (await client.get("/coordinator")).text
        assert "The glossary is empty." in page
        # A rendering for each offered language but the local one (English).
        assert 'name="rendering_es"' in page and 'name="rendering_en"' not in page

        added = await client.post("/coordinator", data={
            "action": "glossary_add", "term": "council tax",
            "rendering_es": "impuesto municipal (council tax)", "rendering_ar": "",
            "csrf_token": csrf_from(page),
        })
        assert added.status_code == 303
        assert added.headers["location"] == "/coordinator#glossary-heading"
        page = (await client.get("/coordinator")).text
        assert terms(page) == ["council tax"]
        assert "impuesto municipal (council tax)" in page

        # A duplicate, control characters or a forged form change nothing.
        for data, status, message in [
            ({"term": "Council  Tax"}, 400, "That term is already in the glossary."),
            ({"term": "rent\x00"}, 400, "may not contain control or invisible characters"),
            ({"term": "x" * 101}, 400, "at most 100 characters"),
        ]:
            refused = await client.post("/coordinator", data={
                "action": "glossary_add", "csrf_token": csrf_from(page), **data,
            })
            assert refused.status_code == status and message in refused.text
        forged = await client.post("/coordinator", data={
            "action": "glossary_add", "term": "Universal Credit", "csrf_token": "forged",
        })
        assert forged.status_code == 403
        page = (await client.get("/coordinator")).text
        assert terms(page) == ["council tax"]

        changed = await client.post("/coordinator", data={
            "action": "glossary_update", "term_id": term_id(page, "council tax"),
            "term": "Council Tax", "rendering_es": "", "csrf_token": csrf_from(page),
        })
        assert changed.status_code == 303
        page = (await client.get("/coordinator")).text
        assert terms(page) == ["Council Tax"] and "Kept as it is" in page

        removed = await client.post("/coordinator", data={
            "action": "glossary_remove", "term_id": term_id(page, "Council Tax"),
            "csrf_token": csrf_from(page),
        })
        assert removed.status_code == 303
        assert "The glossary is empty." in (await client.get("/coordinator")).text


async def test_the_card_speaks_the_coordinators_language(server: LiveServer) -> None:
    await server.create_account("boss@example.org", "coordinator")
    async with httpx.AsyncClient(base_url=server.url) as client:
        await sign_in(client, "boss@example.org")
        page = (await client.get("/coordinator?lang=es")).text
        assert "Glosario" in page and "Añadir término" in page
        refused = await client.post("/coordinator?lang=es", data={
            "action": "glossary_add", "term": " ", "csrf_token": csrf_from(page),
        })
        assert "Escriba el término." in refused.text
