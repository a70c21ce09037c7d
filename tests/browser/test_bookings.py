"""Booking an interpreter in real Chromium: the caseworker books by keyboard alone, the
volunteer's open dashboard shows the booking without a reload, the volunteer claims it and
the caseworker's page says so. Both pages pass axe-core in English and Arabic and are
photographed at phone and desktop size."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.browser.axe import axe_violations, describe, require_axe
from tests.browser.pages import STEP_MS, choose_with_arrows, tab_to
from tests.browser.site import DESKTOP, PHONE, SCREENSHOT_DIR
from tests.helpers.bookings import add_meeting, booking_form, local
from tests.live_server import PASSWORD, LiveServer, run_sync, sign_in

pytestmark = pytest.mark.browser

CASEWORKER = "kasia@example.org"
VOLUNTEER = "vera@example.org"
NARROW_WIDTH = 320
LIVE_BOOKINGS = "#open-bookings li.booking"


@pytest.fixture
def pages(browser: Any, live_server: LiveServer) -> Iterator[dict[str, Any]]:
    """The caseworker's and the volunteer's pages, each signed in in a context of its own
    (the context lets axe's injected script past the pages' CSP)."""
    run_sync(live_server.create_account(CASEWORKER, "caseworker", name="Kasia"))
    run_sync(_meeting_of(live_server, CASEWORKER))
    contexts = [browser.new_context(viewport=PHONE, bypass_csp=True) for _ in range(2)]
    try:
        caseworker, volunteer = (context.new_page() for context in contexts)
        yield {"caseworker": caseworker, "volunteer": volunteer}
    finally:
        for context in contexts:
            context.close()


async def _meeting_of(server: LiveServer, email: str) -> None:
    async with httpx.AsyncClient(base_url=server.url) as client:
        await sign_in(client, email)
        await add_meeting(client, "Housing review")


async def _book_over_http(server: LiveServer, note: str) -> None:
    """Another booking by the same caseworker, made without the browser."""
    async with httpx.AsyncClient(base_url=server.url) as client:
        await sign_in(client, CASEWORKER)
        made = await client.post("/bookings", data=await booking_form(client) | {"note": note})
        assert made.status_code == 303, made.text


def sign_in_page(page: Any, server: LiveServer, email: str) -> None:
    page.goto(f"{server.url}/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("load")


def in_language(page: Any, server: LiveServer, locale: str) -> None:
    page.context.add_cookies([{"name": "interp_lang", "value": locale, "url": server.url}])
    page.reload()
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.lang") == locale


def check_page(page: Any, name: str, locale: str) -> None:
    """axe-core at phone and desktop size, no sideways scrolling at 320 px, screenshots."""
    require_axe()
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    for size_name, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        page.screenshot(path=str(SCREENSHOT_DIR / f"{name}-{locale}-{size_name}.png"),
                        full_page=True)
        violations = axe_violations(page)
        assert not violations, f"{name} ({locale}, {size_name}):\n{describe(violations)}"
    page.set_viewport_size({"width": NARROW_WIDTH, "height": PHONE["height"]})
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW_WIDTH, name
    page.set_viewport_size(PHONE)


def book_by_keyboard(page: Any, when: datetime, note: str) -> None:
    """Fill in and send the booking form with Tab, arrows and typing only."""
    tab_to(page, "For", "select")
    tab_to(page, "Language", "select")
    tab_to(page, "Date and time", "input")
    # Chromium's en-US date and time field: month, day, year, then hour, minute, AM/PM.
    page.keyboard.type(when.strftime("%m%d%Y"))
    page.keyboard.press("Tab")
    page.keyboard.type(when.strftime("%I%M"))
    page.keyboard.type(when.strftime("%p")[0])
    assert page.locator("#when").input_value() == local(when)
    tab_to(page, "Length", "select")
    choose_with_arrows(page, "90")
    tab_to(page, "Note for the interpreter", "textarea")
    page.keyboard.type(note)
    tab_to(page, "Book the interpreter", "button")
    page.keyboard.press("Enter")
    page.wait_for_url("**/bookings?booked=1*")


def live_booking(page: Any, note: str) -> Any:
    """The dashboard's live list item of the booking with this note, once it shows."""
    item = page.locator(LIVE_BOOKINGS, has_text=note)
    item.wait_for(timeout=STEP_MS)
    # Its arrival animation fades it in: photograph and check it as it then stays.
    item.evaluate("el => Promise.all(el.getAnimations().map((a) => a.finished))")
    return item


def test_caseworker_books_volunteer_sees_it_live_and_claims_it(
    live_server: LiveServer, pages: dict[str, Any]
) -> None:
    caseworker, volunteer = pages["caseworker"], pages["volunteer"]
    sign_in_page(caseworker, live_server, CASEWORKER)
    caseworker.goto(f"{live_server.url}/bookings")
    language = caseworker.locator("#booking-language option").first.get_attribute("value")
    run_sync(live_server.create_account(VOLUNTEER, "volunteer", (language,), name="Vera"))
    sign_in_page(volunteer, live_server, VOLUNTEER)
    volunteer.goto(f"{live_server.url}/volunteer")
    assert volunteer.locator("#no-open-bookings").is_visible()
    volunteer.evaluate("window.notReloaded = true")

    when = (datetime.now() + timedelta(days=3)).replace(hour=10, minute=30, second=0, microsecond=0)
    book_by_keyboard(caseworker, when, "Housing benefit review")
    assert "Waiting for an interpreter" in caseworker.locator("#booking-list").inner_text()
    assert "The interpreter is booked" in caseworker.locator("main").inner_text()

    # The dashboard that was open all along shows it, and says so in its live region.
    item = live_booking(volunteer, "Housing benefit review")
    assert volunteer.evaluate("window.notReloaded") is True
    assert volunteer.locator("#no-open-bookings").is_hidden()
    volunteer.wait_for_function(
        "() => document.getElementById('announcer').textContent.startsWith('New booking:')"
    )
    assert "90 minutes" in item.inner_text()
    # The time was read in the browser's zone (this machine's) and is stored in UTC.
    stored = item.locator("time").get_attribute("datetime")
    assert stored[:16] == when.astimezone(UTC).isoformat()[:16]
    assert item.locator("form").get_attribute("action").endswith("/claim")
    assert item.locator("input[name=csrf_token]").input_value()
    check_page(volunteer, "bookings-volunteer-live", "en")

    tab_to(volunteer, "Claim", "button")
    volunteer.keyboard.press("Enter")
    volunteer.wait_for_url("**/volunteer?booking=claimed*")
    assert "You claimed the booking" in volunteer.locator("#bookings").inner_text()
    assert "Housing benefit review" in volunteer.locator("#my-bookings").inner_text()
    assert volunteer.locator(LIVE_BOOKINGS).count() == 0
    check_page(volunteer, "bookings-volunteer-claimed", "en")

    caseworker.reload()
    listing = caseworker.locator("#booking-list").inner_text()
    assert "Claimed" in listing and "Interpreter: Vera" in listing
    assert "An interpreter claimed your booking" in caseworker.locator("main").inner_text()
    check_page(caseworker, "bookings-caseworker", "en")

    # In Arabic (right to left): a second booking arrives live on the open dashboard.
    in_language(caseworker, live_server, "ar")
    assert caseworker.evaluate("document.documentElement.dir") == "rtl"
    check_page(caseworker, "bookings-caseworker", "ar")
    in_language(volunteer, live_server, "ar")
    run_sync(_book_over_http(live_server, "Appointment at the GP"))
    live_booking(volunteer, "Appointment at the GP")
    check_page(volunteer, "bookings-volunteer-live", "ar")
