"""Failures a resident can meet are explained in their language, with a next step."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from interp import i18n
from tests.browser.site import CHROMIUM, PHONE, Site, open_page, running_site
from tests.live_server import LiveServer

pytestmark = pytest.mark.browser

NO_MEDIA = [
    "We cannot use your camera or microphone. Allow access in your browser settings "
    "(the lock or camera icon next to the address), then reload this page.",
    "On Android (Chrome): tap the lock next to the address, then Permissions, and "
    "allow Camera and Microphone.",
    "On iPhone (Safari): tap aA next to the address, then Website Settings, and allow "
    "Camera and Microphone.",
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with running_site(tmp_path_factory.mktemp("errors") / "data") as site:
        yield site


@pytest.fixture(scope="module")
def refusing_browser(site: Site) -> Iterator[Any]:
    """Chromium without the automatic "allow" of the other tests: headless, nobody answers
    the camera and microphone prompt, so every request is refused, as a person may refuse it."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--use-fake-device-for-media-stream"],
        )
        yield browser
        browser.close()


@pytest.mark.parametrize("locale", ["ar", "es"])
def test_refused_camera_says_how_to_allow_it_on_phones(
    site: Site, refusing_browser: Any, locale: str
) -> None:
    page = open_page(refusing_browser, site, site.visits["/call/{token}"], locale, viewport=PHONE)
    try:
        error = page.locator("#media-error")
        error.wait_for(state="visible", timeout=30_000)
        assert error.get_attribute("role") == "alert"
        translated = [i18n.translations(locale).gettext(text) for text in NO_MEDIA]
        assert error.locator("p").all_inner_texts() == translated
        assert translated != NO_MEDIA  # in the resident's language, not English
    finally:
        page.context.close()


@pytest.mark.parametrize("locale", ["ar", "pl"])
def test_expired_link_explains_and_offers_a_new_request(
    site: Site, refusing_browser: Any, locale: str
) -> None:
    page = open_page(refusing_browser, site, site.visits["link not valid"], locale, viewport=PHONE)
    try:
        t = i18n.translations(locale).gettext
        text = page.locator("main").inner_text()
        expired = "This link is not valid any more. It may have expired or been used already."
        assert t(expired) in text and t(expired) != expired
        next_step = page.get_by_role("link", name=t("Ask for an interpreter"))
        assert next_step.get_attribute("href") == "/request"
    finally:
        page.context.close()


@pytest.mark.server_settings(fallback_wait_s=1)
def test_nobody_free_is_said_plainly_in_the_residents_language(
    live_server: LiveServer, refusing_browser: Any
) -> None:
    # One Playwright per module: this module's browser (the queue page needs no camera).
    context = refusing_browser.new_context(viewport=PHONE)
    context.add_cookies([{"name": "interp_lang", "value": "ar", "url": live_server.url}])
    page = context.new_page()
    try:
        page.goto(live_server.url + "/request")
        page.locator("#language").select_option("es")
        page.locator("form.request-form button[type=submit]").click()
        page.wait_for_url("**/q/*")
        notice = page.locator("#long-wait")
        notice.wait_for(state="visible", timeout=30_000)
        t = i18n.translations("ar").gettext
        sorry = ("Sorry, no interpreter is free yet. You can keep waiting: an interpreter can "
                 "still take your request.")
        assert t(sorry) in notice.inner_text() and t(sorry) != sorry
        # The request stays open: the place in the queue is still shown, and it can be cancelled.
        assert page.locator("#queue-position").inner_text() == "1"
        assert page.get_by_role("button", name=t("Cancel my request")).is_visible()
    finally:
        context.close()
