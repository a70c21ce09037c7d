"""The coordinator's languages page: the coverage table of the offered languages, and what
a newly chosen language lacks, said at once."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from interp.translation.packages import install_package_file
from tests.live_server import LiveServer, csrf_from, sign_in, start_live_server


def row(html: str, name: str) -> str:
    match = re.search(rf'<tr>\s*<th scope="row">{name}</th>(.*?)</tr>', html, re.S)
    assert match, f"no row for {name}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1)))


@pytest.fixture
def server(
    tmp_path: Path, argos_home: None, argos_archives: dict[tuple[str, str], Path]
) -> LiveServer:
    models = tmp_path / "models"
    install_package_file(models, argos_archives[("en", "es")])
    install_package_file(models, argos_archives[("es", "en")])
    live = start_live_server(tmp_path / "data", models_dir=models)
    yield live
    live.stop()


async def test_the_table_shows_each_offered_language_and_the_command_for_a_gap(
    server: LiveServer,
) -> None:
    await server.create_account("boss@example.org", "coordinator")
    async with httpx.AsyncClient(base_url=server.url) as client:
        await sign_in(client, "boss@example.org")
        page = (await client.get("/coordinator")).text
        # The defaults: Spanish is installed both ways, Arabic could be, Somali cannot.
        spanish = row(page, "Spanish")
        assert "Yes Good (3.0% of words wrong) Installed Installed" in spanish
        assert "Nothing missing." in spanish
        arabic = row(page, "Arabic")
        assert "Fair (16.0% of words wrong) Not installed Not installed" in arabic
        assert "interp models install --offered" in arabic
        assert "No open translation model reaches this language" in row(page, "Somali")
        assert "Residents get human interpreters only" in row(page, "British Sign Language")

        # Choosing Tigrinya says at once what it lacks.
        offered = re.findall(r'name="languages" value="(\w+)" checked', page)
        saved = await client.post("/coordinator", data={
            "action": "languages", "languages": [*offered, "ti"],
            "csrf_token": csrf_from(page),
        })
        assert saved.status_code == 303
        assert saved.headers["location"] == "/coordinator?added=ti#coverage-heading"
        after = (await client.get(saved.headers["location"])).text
        notice = re.search(r'<div class="notice warning" role="status">(.*?)</div>', after, re.S)
        assert notice and "Tigrinya" in notice.group(1)
        assert "No open translation model reaches this language" in notice.group(1)
        assert "Not recognised" in row(after, "Tigrinya")


async def test_the_page_speaks_the_coordinators_language(server: LiveServer) -> None:
    await server.create_account("boss@example.org", "coordinator")
    async with httpx.AsyncClient(base_url=server.url) as client:
        await sign_in(client, "boss@example.org")
        page = (await client.get("/coordinator?lang=es")).text
    assert "Qué tiene en este servidor cada idioma ofrecido" in page
    assert "Instalado" in row(page, "Español")
