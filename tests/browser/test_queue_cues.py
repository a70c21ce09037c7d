"""When an interpreter accepts, the waiting resident's queue page says so without sound: the
tab's title, a banner announced as an alert, vibration, and focus on "Join the call now"
unless the person is in the middle of something."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.axe import axe_violations, describe
from tests.browser.pages import STEP_MS, accept_request, ask_and_wait
from tests.browser.site import SCREENSHOT_DIR
from tests.live_server import LiveServer

pytestmark = pytest.mark.browser

# Headless Chromium has no vibration motor to observe: the page's calls are recorded instead.
RECORD_VIBRATION = """
window.__vibrations = [];
navigator.vibrate = (pattern) => { window.__vibrations.push(pattern); return true; };
"""
READY_TITLE = "● Interpreter ready"


@pytest.fixture
def pages(browser: Any) -> Iterator[tuple[Any, Any]]:
    """(resident page at phone size, volunteer page), each in a browser context of its own."""
    # bypass_csp: axe is added to the page as a script of its own.
    contexts = [
        browser.new_context(viewport={"width": 360, "height": 740}, bypass_csp=True),
        browser.new_context(),
    ]
    contexts[0].add_init_script(RECORD_VIBRATION)
    try:
        yield contexts[0].new_page(), contexts[1].new_page()
    finally:
        for context in contexts:
            context.close()


@pytest.mark.parametrize("busy", [False, True], ids=["idle", "busy"])
def test_ready_cues_do_not_rely_on_sound(
    live_server: LiveServer, pages: tuple[Any, Any], busy: bool
) -> None:
    resident, volunteer = pages
    ask_and_wait(live_server, resident, volunteer, "audio")
    assert "vibrates" in resident.locator("#queue").inner_text()
    if busy:
        resident.keyboard.press("Tab")  # on the page, about to use a control
        busy_on = resident.evaluate("document.activeElement.textContent.trim()")
    accept_request(volunteer)

    resident.wait_for_function(
        "t => document.title.startsWith(t)", arg=READY_TITLE, timeout=STEP_MS
    )
    banner = resident.locator("#ready-banner")
    assert banner.is_visible()
    assert banner.get_attribute("role") == "alert"
    assert "An interpreter is ready" in banner.inner_text()
    box = banner.bounding_box()
    assert box["x"] <= 0 and box["width"] >= 360  # the whole width of the phone
    assert resident.evaluate("window.__vibrations.length") == 1
    focused = resident.evaluate("document.activeElement.id")
    if busy:
        assert focused != "join-link"
        assert resident.evaluate("document.activeElement.textContent.trim()") == busy_on
    else:
        assert focused == "join-link"
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        shot = SCREENSHOT_DIR / "queue-ready-phone.png"
        resident.screenshot(path=str(shot), animations="disabled")
        assert (violations := axe_violations(resident)) == [], describe(violations)

    resident.wait_for_url("**/call/**", timeout=STEP_MS)  # joins by itself after a moment
