"""The request form offers voice only as plainly as video, and suggests it, with its reason,
when the connection looks slow: by the Network Information API where the browser has it, by a
measured round trip where it does not. A fast connection leaves the server's default alone."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.axe import axe_violations, describe
from tests.browser.site import SCREENSHOT_DIR
from tests.live_server import LiveServer

pytestmark = pytest.mark.browser

# Chromium's own navigator.connection follows the machine's real network; a stub stands in for
# the phone on a slow line that this machine cannot be.
CONNECTION = """
Object.defineProperty(Navigator.prototype, "connection", {
  configurable: true, get: () => %s,
});
"""
SLOW_3G = '({effectiveType: "3g", saveData: false})'
SAVE_DATA = '({effectiveType: "4g", saveData: true})'
FAST_4G = '({effectiveType: "4g", saveData: false})'
NO_API = "undefined"
SLOW_REASON = "Your connection looks slow"
SAVE_DATA_REASON = "Your phone is set to save data"


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    # bypass_csp: axe is added to the page as a script of its own.
    context = browser.new_context(viewport={"width": 360, "height": 740}, bypass_csp=True)
    yield context
    context.close()


def open_form(live_server: LiveServer, context: Any, connection: str) -> Any:
    context.add_init_script(CONNECTION % connection)
    page = context.new_page()
    page.goto(f"{live_server.url}/request")
    return page


def chosen(page: Any) -> str:
    return page.locator("input[name=media]:checked").get_attribute("value")


@pytest.mark.parametrize(
    ("connection", "reason"),
    [(SLOW_3G, SLOW_REASON), (SAVE_DATA, SAVE_DATA_REASON)],
    ids=["slow", "save-data"],
)
def test_slow_connection_suggests_voice_only(
    live_server: LiveServer, context: Any, connection: str, reason: str
) -> None:
    page = open_form(live_server, context, connection)
    suggestion = page.locator("#media-suggestion")
    suggestion.wait_for(state="visible")
    assert reason in suggestion.inner_text()
    assert suggestion.get_attribute("role") == "status"
    assert chosen(page) == "audio"
    # Both choices are the same size, each with its line of description.
    boxes = [page.locator(".media-choice").nth(i).bounding_box() for i in (0, 1)]
    assert boxes[0]["width"] == boxes[1]["width"]
    assert page.get_by_label("Voice only (uses less data)").get_attribute("aria-describedby")
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / "request-voice-suggested-phone.png"), full_page=True)
    assert (violations := axe_violations(page)) == [], describe(violations)

    page.get_by_label("Video call").check()  # still the person's choice
    assert chosen(page) == "video"


def test_fast_connection_keeps_the_default(live_server: LiveServer, context: Any) -> None:
    page = open_form(live_server, context, FAST_4G)
    page.wait_for_load_state("networkidle")
    assert chosen(page) == "video"
    assert page.locator("#media-suggestion").is_hidden()


def test_slow_round_trip_suggests_voice_only_without_the_api(
    live_server: LiveServer, context: Any
) -> None:
    def slow_line(route: Any) -> None:
        if route.request.method == "HEAD":
            time.sleep(0.6)  # a round trip of a slow mobile line
        route.continue_()

    context.route("**/static/js/request.js", slow_line)
    page = open_form(live_server, context, NO_API)
    page.locator("#media-suggestion").wait_for(state="visible")
    assert SLOW_REASON in page.locator("#media-suggestion").inner_text()
    assert chosen(page) == "audio"
