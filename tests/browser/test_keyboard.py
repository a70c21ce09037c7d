"""The main flows work with a keyboard alone: Tab, Shift+Tab, arrows, Enter and Space.

No clicks and no filling by selector: every step moves focus with the keyboard and
checks where focus is, that it is visible, and what the page announces.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.pages import FOCUSED, choose_with_arrows, open_settings_by_keyboard, tab_to
from tests.browser.site import PHONE
from tests.live_server import LiveServer, run_sync

pytestmark = pytest.mark.browser

VOLUNTEER = "vol@example.org"


@pytest.fixture()
def volunteer(live_server: LiveServer) -> str:
    run_sync(live_server.create_account(VOLUNTEER, "volunteer", ("es",), name="Vera"))
    return VOLUNTEER


def sign_in_by_keyboard(page: Any, server: LiveServer, email: str) -> None:
    page.goto(server.url + "/login")
    tab_to(page, "Email address", "input")
    page.keyboard.type(email)
    tab_to(page, "Password", "input")
    page.keyboard.type("correct horse battery")
    page.keyboard.press("Enter")
    page.wait_for_url("**/volunteer")


def test_skip_link_is_first_and_moves_focus_to_the_content(
    live_server: LiveServer, browser: Any
) -> None:
    page = browser.new_page(viewport=PHONE)
    page.goto(live_server.url + "/request")
    page.keyboard.press("Tab")
    focused = page.evaluate(FOCUSED)
    assert focused["name"] == "Skip to main content" and focused["visible"]
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED)["name"] == "Which language do you need?"
    page.context.close()


def test_language_can_be_changed_by_keyboard(live_server: LiveServer, browser: Any) -> None:
    page = browser.new_page(viewport=PHONE)
    page.goto(live_server.url + "/request")
    tab_to(page, "Language", "select")
    choose_with_arrows(page, "ar")
    tab_to(page, "Change", "button")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.documentElement.lang === 'ar'")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.locator("h1").inner_text() == "اطلب مترجمًا"
    page.context.close()


def test_resident_asks_and_volunteer_accepts_by_keyboard(
    live_server: LiveServer, browser: Any, volunteer: str
) -> None:
    # The volunteer signs in and says they are available.
    staff = browser.new_context(viewport=PHONE).new_page()
    sign_in_by_keyboard(staff, live_server, volunteer)
    available = tab_to(staff, "I am available", "button")
    assert available["tag"] == "button"
    staff.keyboard.press("Enter")
    staff.wait_for_function(
        "() => document.getElementById('availability-button')"
        ".getAttribute('aria-pressed') === 'true'"
    )

    # The resident fills in the request form.
    resident = browser.new_context(viewport=PHONE).new_page()
    resident.goto(live_server.url + "/request")
    tab_to(resident, "Which language do you need?", "select")
    choose_with_arrows(resident, "es")
    video = tab_to(resident, "Video call", "input")
    assert video["type"] == "radio"
    resident.keyboard.press("ArrowDown")  # arrows move between radio buttons
    assert resident.evaluate(FOCUSED)["name"] == "Voice only (uses less data)"
    tab_to(resident, "Anything the interpreter should know?", "textarea")
    resident.keyboard.type("Appointment at the housing office")
    tab_to(resident, "Ask for an interpreter", "button")
    resident.keyboard.press("Enter")
    resident.wait_for_url("**/q/*")
    status = resident.locator("#queue-status")
    assert status.get_attribute("role") == "status"
    assert resident.locator("#queue-position").inner_text() == "1"

    # The request reaches the volunteer, who accepts it with the keyboard.
    staff.wait_for_selector(".accept-button")
    assert "Appointment at the housing office" in staff.locator("#request-list").inner_text()
    accept = tab_to(staff, "Accept", "button")
    assert accept["tag"] == "button"
    staff.keyboard.press("Enter")
    staff.wait_for_url("**/rooms/*")

    # Both are in the call; the resident's controls work from the keyboard.
    resident.wait_for_url("**/call/*")
    for page in (resident, staff):
        page.wait_for_function(
            "() => document.getElementById('connection-state').textContent.includes('Connected')",
            timeout=30_000,
        )
    mute = tab_to(resident, "Mute microphone", "button")
    assert mute["tag"] == "button"
    resident.keyboard.press("Space")
    button = resident.locator("#mute-button")
    assert button.get_attribute("aria-pressed") == "true"
    assert button.inner_text() == "Unmute microphone"
    # The language picker is in the call's settings sheet, which opens by keyboard.
    open_settings_by_keyboard(resident)
    tab_to(resident, "Language", "select")
    resident.context.close()
    staff.context.close()
