"""The coordinator's settings page over real HTTP: each setting saved through its form,
a bad or forged form changing nothing, the logo stored only when it is a real image and
served only as one, and the resident's request page showing the organisation's name,
logo, welcome and, outside opening hours, that it is closed with machine interpretation
offered at once."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from interp.domain.opening_hours import DayHours, OpeningHours
from interp.domain.organisation_profile import OrganisationProfile
from interp.store.database import Database
from tests.live_server import LiveServer, csrf_from, sign_in, start_live_server

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    live = start_live_server(tmp_path / "data")
    yield live
    live.stop()


@pytest.fixture
async def coordinator(server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    await server.create_account("boss@example.org", "coordinator")
    async with httpx.AsyncClient(base_url=server.url) as client:
        await sign_in(client, "boss@example.org")
        yield client


async def stored_profile(server: LiveServer) -> tuple[str | None, dict[str, str], bool]:
    db = Database(server.settings.effective_database_url)
    try:
        own = OrganisationProfile(db, server.settings.data_dir)
        return await own.name(), await own.welcome_texts(), await own.logo() is not None
    finally:
        await db.close()


async def save(client: httpx.AsyncClient, **fields: str) -> httpx.Response:
    page = (await client.get("/coordinator/settings")).text
    return await client.post(
        "/coordinator/settings", data={"csrf_token": csrf_from(page), **fields}
    )


async def upload(client: httpx.AsyncClient, data: bytes, name: str, kind: str) -> httpx.Response:
    page = (await client.get("/coordinator/settings")).text
    return await client.post(
        "/coordinator/settings/logo",
        data={"csrf_token": csrf_from(page)},
        files={"logo": (name, data, kind)},
    )


async def test_the_page_is_linked_and_explains_each_setting(
    coordinator: httpx.AsyncClient,
) -> None:
    home = (await coordinator.get("/coordinator")).text
    assert 'href="/coordinator/settings"' in home
    page = await coordinator.get("/coordinator/settings")
    assert page.status_code == 200
    for heading in ("Name shown to residents", "Logo", "Welcome text", "Opening hours",
                    "Wait before automatic interpretation", "Meeting transcripts",
                    "Languages offered"):
        assert heading in page.text
    assert 'href="/coordinator#languages-heading"' in page.text


async def test_the_name_and_welcome_are_saved_and_bad_input_changes_nothing(
    server: LiveServer, coordinator: httpx.AsyncClient
) -> None:
    saved = await save(coordinator, action="profile", name="Riverside Advice")
    assert saved.status_code == 303
    assert saved.headers["location"] == "/coordinator/settings?saved=profile#profile-heading"
    welcome = await save(coordinator, action="welcome", welcome_default="Hello.\r\nBring ID.",
                         welcome_es="Hola.")
    assert welcome.status_code == 303

    too_long = await save(coordinator, action="profile", name="x" * 101)
    assert too_long.status_code == 400
    assert "The name may be at most 100 characters long." in too_long.text
    assert "Nothing was changed." in too_long.text
    bad_welcome = await save(coordinator, action="welcome", welcome_default="y" * 501)
    assert bad_welcome.status_code == 400
    assert "A welcome text may be at most 500 characters long." in bad_welcome.text
    forged = await coordinator.post("/coordinator/settings", data={
        "csrf_token": "forged", "action": "profile", "name": "Forged",
    })
    assert forged.status_code == 403
    assert await stored_profile(server) == (
        "Riverside Advice", {"default": "Hello.\nBring ID.", "es": "Hola."}, False
    )

    # The resident sees the name in the header and title, and the welcome in their language.
    async with httpx.AsyncClient(base_url=server.url) as resident:
        english = (await resident.get("/request")).text
        assert "<title>Ask for an interpreter – Riverside Advice</title>" in english
        assert '<p class="site-name" translate="no">Riverside Advice</p>' in english
        assert "Hello.\nBring ID." in english
        spanish = (await resident.get("/request?lang=es")).text
        assert "Hola." in spanish and "Bring ID." not in spanish


async def test_the_fallback_wait_is_saved_within_its_range(
    server: LiveServer, coordinator: httpx.AsyncClient
) -> None:
    assert (await save(coordinator, action="fallback", wait="45")).status_code == 303
    for bad in ("3601", "-1", "soon"):
        refused = await save(coordinator, action="fallback", wait=bad)
        assert refused.status_code == 400, bad
        assert "from 0 to 3600" in refused.text
    assert await server.services.queue.waits.seconds() == 45
    page = (await coordinator.get("/coordinator/settings")).text
    assert 'name="wait"' in page and 'value="45"' in page
    assert (await save(coordinator, action="fallback", wait="")).status_code == 303
    assert await server.services.queue.waits.seconds() == server.settings.fallback_wait_s


async def test_retention_is_the_same_setting_as_on_the_coordinator_page(
    server: LiveServer, coordinator: httpx.AsyncClient
) -> None:
    assert (await save(coordinator, action="retention", days="21")).status_code == 303
    refused = await save(coordinator, action="retention", days="400")
    assert refused.status_code == 400 and "Choose a number of days from 0 to 365." in refused.text
    assert await server.services.transcripts.retention_days() == 21
    assert 'value="21"' in (await coordinator.get("/coordinator")).text


async def test_opening_hours_are_saved_and_refused_hours_change_nothing(
    server: LiveServer, coordinator: httpx.AsyncClient
) -> None:
    hours = {f"{edge}_{d}": "" for d in range(7) for edge in ("opens", "closes")}
    good = {**hours, "opens_0": "09:00", "closes_0": "17:00"}
    saved = await save(coordinator, action="hours", hours_mode="set",
                       time_zone="Europe/London", **good)
    assert saved.status_code == 303
    for fields, message in [
        ({**good, "opens_1": "18:00", "closes_1": "02:00"}, "must be after its opening time"),
        ({**good, "time_zone": "Nowhere/Atlantis"}, "Choose a time zone from the list"),
        ({**hours}, "Give at least one day's hours"),
    ]:
        refused = await save(coordinator, action="hours", hours_mode="set",
                             **{"time_zone": "Europe/London", **fields})
        assert refused.status_code == 400 and message in refused.text
    db = Database(server.settings.effective_database_url)
    try:
        week = await OpeningHours(db).week()
    finally:
        await db.close()
    assert week.zone.key == "Europe/London"
    assert [d for d, h in week.days.items() if h] == [0]


async def test_the_logo_is_stored_only_when_it_is_an_image_and_served_as_one(
    server: LiveServer, coordinator: httpx.AsyncClient
) -> None:
    for data, name, kind, status, message in [
        (SVG, "logo.svg", "image/svg+xml", 415, "must be a PNG, JPEG or WebP image"),
        (b"MZ\x90\x00" + b"\x00" * 100, "logo.png", "image/png", 415, "must be a PNG"),
        (PNG + b"\x00" * 205 * 1024, "big.png", "image/png", 413, "at most 200 kB"),
    ]:
        refused = await upload(coordinator, data, name, kind)
        assert refused.status_code == status and message in refused.text
    assert (await stored_profile(server))[2] is False
    assert not list((server.settings.data_dir / "organisation").glob("**/*.*"))
    async with httpx.AsyncClient(base_url=server.url) as anyone:
        assert (await anyone.get("/organisation/logo")).status_code == 404

    page = (await coordinator.get("/coordinator/settings")).text
    forged = await coordinator.post("/coordinator/settings/logo", data={"csrf_token": "x"},
                                    files={"logo": ("logo.png", PNG, "image/png")})
    assert forged.status_code == 403 and (await stored_profile(server))[2] is False

    stored = await upload(coordinator, PNG, "logo.txt", "text/plain")
    assert stored.status_code == 303
    page = (await coordinator.get("/coordinator/settings")).text
    assert "Remove the logo" in page
    async with httpx.AsyncClient(base_url=server.url) as anyone:
        served = await anyone.get("/organisation/logo")
        assert served.status_code == 200 and served.content == PNG
        assert served.headers["content-type"] == "image/png"
        assert served.headers["x-content-type-options"] == "nosniff"
        assert "max-age" in served.headers["cache-control"]
        again = await anyone.get("/organisation/logo",
                                 headers={"if-none-match": served.headers["etag"]})
        assert again.status_code == 304
        request_page = (await anyone.get("/request")).text
        assert 'class="site-logo" src="/organisation/logo?v=' in request_page
        assert 'alt="interp"' in request_page  # no name set: the product's name

    removed = await save(coordinator, action="remove_logo")
    assert removed.status_code == 303 and (await stored_profile(server))[2] is False
    async with httpx.AsyncClient(base_url=server.url) as anyone:
        assert (await anyone.get("/organisation/logo")).status_code == 404


async def test_outside_opening_hours_the_request_page_says_closed_and_offers_machine_at_once(
    server: LiveServer,
) -> None:
    zone = ZoneInfo("Europe/London")
    today = datetime.now(zone).weekday()
    open_day = (today + 2) % 7  # the day after tomorrow: closed now, whatever the hour
    db = Database(server.settings.effective_database_url)
    try:
        nine_to_five = DayHours(time(9), time(17))
        await OpeningHours(db).set_week({open_day: nine_to_five}, "Europe/London", "test")
        await server.services.organisation.set_offered_languages(["es"])
    finally:
        await db.close()
    async with httpx.AsyncClient(base_url=server.url) as resident:
        form = await resident.get("/request")
        assert "We are closed now. We open again on" in form.text
        assert "at 9:00\u202fAM." in form.text  # the time as English readers write it
        assert "Automatic interpretation is offered straight away" in form.text
        spanish = (await resident.get("/request?lang=es")).text
        assert 'id="closed-notice"' in spanish
        asked = await resident.post("/request", data={
            "csrf_token": csrf_from(form.text), "language": "es", "media": "audio",
        })
        assert asked.status_code == 303
        queue = await resident.get(asked.headers["location"])
        assert 'id="long-wait" hidden' not in queue.text
        assert 'id="machine-button"' in queue.text
