"""The notification pages in a real Chromium: the manifest is linked and served, the
service worker registers with a scope that covers /volunteer, and the volunteer's "Notify
me on this device" appears only once the coordinator has turned Web Push on; axe-core
finds nothing in English or Arabic, and the page fits a phone.

A real push subscription cannot be made here: headless Chromium has no push service to
subscribe with (PushManager.subscribe needs the browser vendor's), so the subscription
itself, its encryption and its delivery are tested against a push service of the tests'
own in tests/notify/test_push.py and tests/http/test_notifications.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.axe import axe_violations, describe, require_axe
from tests.browser.site import PHONE, SCREENSHOT_DIR, Site, Visit, open_page
from tests.live_server import csrf_from, run_sync, sign_in, start_live_server

pytestmark = pytest.mark.browser

COORDINATOR = "coordinator@example.org"
VOLUNTEER = "volunteer@example.org"
NOTIFICATIONS = Visit("/account/notifications", VOLUNTEER)


async def _sessions(site: Site) -> None:
    server = site.server
    await server.create_account(COORDINATOR, "coordinator")
    await server.create_account(VOLUNTEER, "volunteer", ("es", "ar"))
    for email in (COORDINATOR, VOLUNTEER):
        async with httpx.AsyncClient(base_url=server.url) as client:
            await sign_in(client, email)
            site.sessions[email] = dict(client.cookies)


def _switch_push(site: Site, choice: str) -> None:
    async def switch() -> None:
        async with httpx.AsyncClient(base_url=site.server.url) as client:
            await sign_in(client, COORDINATOR)
            csrf = csrf_from((await client.get("/coordinator")).text)
            answer = await client.post(
                "/coordinator/notifications", data={"csrf_token": csrf, "web_push": choice}
            )
            assert answer.status_code == 303

    run_sync(switch())


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    server = start_live_server(Path(tmp_path_factory.mktemp("notifications")) / "data")
    try:
        site = Site(server, visits={})
        run_sync(_sessions(site))
        yield site
    finally:
        server.stop()


def _screenshot(page: Any, name: str) -> None:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / f"notifications-{name}.png"), full_page=True)


def test_the_device_switch_appears_only_once_the_coordinator_turned_push_on(
    site: Site, browser: Any
) -> None:
    _switch_push(site, "off")
    page = open_page(browser, site, NOTIFICATIONS, "en", viewport=PHONE)
    try:
        assert page.locator("#push-off").is_visible()
        assert page.locator("#device-on").count() == 0
    finally:
        page.context.close()

    _switch_push(site, "on")
    page = open_page(browser, site, NOTIFICATIONS, "en", viewport=PHONE)
    try:
        button = page.get_by_role("button", name="Notify me on this device")
        button.wait_for(state="visible")
        assert page.inner_text("#device-state") == "Notifications are off for this device."
        scope = page.evaluate(
            "navigator.serviceWorker.getRegistration('/volunteer').then(r => r && r.scope)"
        )
        assert scope == site.server.url + "/"
        manifest = page.evaluate(
            "fetch(document.querySelector('link[rel=manifest]').href).then(r => r.json())"
        )
        assert manifest["start_url"] == "/volunteer"
        # Reached by keyboard: Tab lands on it before the email and hours form.
        for _ in range(40):
            page.keyboard.press("Tab")
            if button.evaluate("b => b === document.activeElement"):
                break
        else:
            raise AssertionError("Tab never reached the Notify me button")
    finally:
        page.context.close()


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_the_notifications_page_has_no_wcag_violations_and_fits_a_phone(
    site: Site, browser: Any, locale: str
) -> None:
    require_axe()
    _switch_push(site, "on")
    page = open_page(browser, site, NOTIFICATIONS, locale, viewport=PHONE, bypass_csp=True)
    try:
        page.locator("#device-on").wait_for(state="visible")
        assert page.evaluate("document.documentElement.dir") == ("rtl" if locale == "ar" else "ltr")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        _screenshot(page, f"volunteer-{locale}-phone")
        violations = axe_violations(page)
        assert not violations, describe(violations)
    finally:
        page.context.close()


def test_wrong_hours_are_shown_beside_the_field(site: Site, browser: Any) -> None:
    page = open_page(browser, site, NOTIFICATIONS, "en", viewport=PHONE)
    try:
        page.fill("#start-1", "17:00")
        page.fill("#end-1", "09:00")
        with page.expect_navigation():
            page.get_by_role("button", name="Save email and hours").click()
        assert "the start must be before the end" in page.inner_text("[role=alert]")
        assert page.get_attribute("#end-1", "aria-invalid") == "true"
        _screenshot(page, "volunteer-error-en-phone")
    finally:
        page.context.close()


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_the_coordinator_card_explains_what_leaves_the_server(
    site: Site, browser: Any, locale: str
) -> None:
    page = open_page(browser, site, Visit("/coordinator", COORDINATOR), locale, viewport=PHONE)
    try:
        card = page.locator("section[aria-labelledby=web-push-heading]")
        card.scroll_into_view_if_needed()
        if locale == "en":
            assert "never what it says" in card.inner_text()
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        card.screenshot(path=str(SCREENSHOT_DIR / f"notifications-coordinator-{locale}-phone.png"))
    finally:
        page.context.close()
