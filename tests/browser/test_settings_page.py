"""The coordinator's settings page in Chromium: axe-core's WCAG 2.2 AA rules in English
and Arabic, a setting saved by keyboard alone, and screenshots at phone size of the page
and of the resident's request page with a name, logo and welcome, open and closed."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from interp.domain.opening_hours import DayHours, OpeningHours
from interp.domain.organisation_profile import OrganisationProfile
from interp.store.database import Database
from tests.browser.axe import axe_violations, describe, require_axe
from tests.browser.site import PHONE, SCREENSHOT_DIR, open_with_cookies, session_of_new
from tests.live_server import LiveServer, run_sync, start_live_server

pytestmark = pytest.mark.browser

BOSS = "boss@example.org"
# A 48×16 PNG: a dark blue bar, the kind of wide, short logo the page suggests.
LOGO = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAADAAAAAQCAIAAADfzGvmAAAAJ0lEQVR4nGOQtcobVIhhwF0w6qBRB406aNRBA+2C"
    "UQeNOmjUQXRGAKrrTx/aCnADAAAAAElFTkSuQmCC"
)


async def _prepare(server: LiveServer) -> dict[str, str]:
    db = Database(server.settings.effective_database_url)
    try:
        own = OrganisationProfile(db, server.settings.data_dir)
        await own.set_name("Riverside Advice Centre", "test")
        await own.set_logo(LOGO, "test")
        await own.set_welcome({
            "default": "Welcome to Riverside Advice.\nHave your letter or appointment card ready.",
            "ar": "أهلاً بكم في مركز ريفرسايد للاستشارات.\nجهّزوا رسالتكم أو بطاقة الموعد.",
        }, "test")
        await server.services.organisation.set_offered_languages(["es", "ar", "pl"])
    finally:
        await db.close()
    return await session_of_new(server, BOSS, "coordinator", "Carmen Coordinator")


@pytest.fixture(scope="module")
def signed_in(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[LiveServer, dict[str, str]]]:
    server = start_live_server(tmp_path_factory.mktemp("settings") / "data")
    try:
        yield server, run_sync(_prepare(server))
    finally:
        server.stop()


def _open(browser: Any, server: LiveServer, cookies: dict[str, str], path: str,
          locale: str) -> Any:
    values = {**cookies, "interp_lang": locale}
    return open_with_cookies(browser, server, path, values, viewport=PHONE, bypass_csp=True)


async def _set_hours(server: LiveServer, days: dict[int, DayHours | None] | None) -> None:
    db = Database(server.settings.effective_database_url)
    try:
        await OpeningHours(db).set_week(days, "Europe/London", "test")
    finally:
        await db.close()


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_settings_page_is_accessible(
    signed_in: tuple[LiveServer, dict[str, str]], browser: Any, locale: str
) -> None:
    require_axe()
    server, cookies = signed_in
    page = _open(browser, server, cookies, "/coordinator/settings", locale)
    try:
        assert page.evaluate("document.documentElement.dir") == ("rtl" if locale == "ar" else "ltr")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT_DIR / f"coordinator-settings-{locale}-phone.png"),
                        full_page=True)
        page.locator("details summary").first.click()  # the per-language welcome texts
        violations = axe_violations(page)
        assert not violations, f"settings ({locale}):\n{describe(violations)}"
    finally:
        page.context.close()


def test_a_setting_is_saved_by_keyboard(
    signed_in: tuple[LiveServer, dict[str, str]], browser: Any
) -> None:
    server, cookies = signed_in
    page = _open(browser, server, cookies, "/coordinator/settings", "en")
    try:
        page.locator("#fallback-wait").focus()
        page.keyboard.press("Control+A")
        page.keyboard.type("90")
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.textContent.trim()")
        assert focused == "Save the wait"
        page.keyboard.press("Enter")
        page.wait_for_url("**/coordinator/settings?saved=fallback*")
        assert page.locator("#fallback-wait").input_value() == "90"
        assert page.get_by_role("status").filter(has_text="Saved.").count() == 1
    finally:
        page.context.close()
    assert run_sync(server.services.queue.waits.seconds()) == 90


def test_request_page_with_the_organisations_name_logo_and_welcome(
    signed_in: tuple[LiveServer, dict[str, str]], browser: Any
) -> None:
    require_axe()
    server, _ = signed_in
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    today = datetime.now(ZoneInfo("Europe/London")).weekday()
    closed_today: dict[int, DayHours | None] = {(today + 2) % 7: DayHours(time(9), time(17))}
    states: list[tuple[str, dict[int, DayHours | None] | None]] = [
        ("open", None), ("closed", closed_today),
    ]
    for state, days in states:
        run_sync(_set_hours(server, days))
        for locale in ("en", "ar"):
            page = _open(browser, server, {}, "/request", locale)
            try:
                logo = page.locator("img.site-logo")
                assert logo.get_attribute("alt") == "Riverside Advice Centre"
                assert logo.evaluate("img => img.naturalWidth") == 48  # served and drawn
                assert page.title().endswith("Riverside Advice Centre")
                assert page.locator("#closed-notice").count() == (state == "closed")
                assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
                page.screenshot(
                    path=str(SCREENSHOT_DIR / f"resident-request-branded-{state}-{locale}.png"),
                    full_page=True,
                )
                violations = axe_violations(page)
                assert not violations, f"request ({state}, {locale}):\n{describe(violations)}"
            finally:
                page.context.close()
    run_sync(_set_hours(server, None))
