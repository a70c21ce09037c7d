"""People, invitations and volunteers' records in a real Chromium: the coordinator's
pending invitations and volunteer hours, a volunteer's history and printable record, the
caseworker's links with a Join button; axe-core finds nothing in English or Arabic, the
pages fit a phone, and an invitation is revoked by keyboard alone.

The history is the one tests/browser/site.py builds (HISTORY); the caseworker's links are
set up here through the domain classes, on the live server's database.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from interp.domain.organisation import Organisation
from interp.domain.requests import RequestQueue
from interp.store.database import Database
from tests.browser.axe import axe_violations, describe, require_axe
from tests.browser.site import (
    CASEWORKER,
    COORDINATOR,
    DESKTOP,
    HISTORY,
    PHONE,
    SCREENSHOT_DIR,
    VOLUNTEER,
    Site,
    Visit,
    open_page,
    running_site,
)
from tests.live_server import LiveServer, csrf_from, run_sync, sign_in

pytestmark = pytest.mark.browser

LOCALES = ["en", "ar"]
KEYBOARD_INVITEE = "keyboard@example.org"
PAGES = {
    "coordinator": Visit("/coordinator", COORDINATOR),
    "history": Visit("/volunteer/history", VOLUNTEER),
    "summary": Visit("/volunteer/history/summary", VOLUNTEER),
    "caseworker": Visit("/caseworker", CASEWORKER),
}
# What each page must show for its check to mean anything (CSS selectors).
SHOWN = {
    "coordinator": ["#pending-invites tbody tr", "#volunteer-hours tbody tr"],
    "history": ["#hours-per-month tbody tr", "#calls tbody tr"],
    "summary": ["#calls-per-language tbody tr", "#summary-hours"],
    "caseworker": ['.sent-link[data-state="machine"] a[href^="/rooms/"]',
                   '.sent-link[data-state="waiting"]'],
}


async def _links_on_their_way(server: LiveServer) -> None:
    """Two links the caseworker sent: one resident waits in the queue, the other is in
    automatic interpretation while waiting (the caseworker has a seat: a Join button)."""
    tokens = []
    async with httpx.AsyncClient(base_url=server.url) as caseworker:
        await sign_in(caseworker, CASEWORKER)
        for label in ("Mr B.", "Ms C."):
            page = await caseworker.get("/caseworker")
            made = await caseworker.post("/caseworker", data={
                "csrf_token": csrf_from(page.text), "label": label})
            tokens.append(made.text.split("/r/", 1)[1].split('"', 1)[0])
    db = Database(server.settings.effective_database_url)
    try:
        queue = RequestQueue(db, Organisation(db), timedelta(hours=1), timedelta(minutes=2))
        await queue.create("es", "video", link_token=tokens[0])
        machine = await queue.create("ar", "audio", link_token=tokens[1])
        await queue.start_machine_room(machine.token, "en")
    finally:
        await db.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with running_site(tmp_path_factory.mktemp("people") / "data") as site:
        run_sync(_links_on_their_way(site.server))
        yield site


def _screenshots(page: Any, name: str, locale: str) -> None:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    for size_name, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        page.screenshot(path=str(SCREENSHOT_DIR / f"people-{name}-{locale}-{size_name}.png"),
                        full_page=True)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("name", list(PAGES))
def test_people_page_shows_its_records_with_no_wcag_violations(
    site: Site, browser: Any, name: str, locale: str
) -> None:
    require_axe()
    page = open_page(browser, site, PAGES[name], locale, viewport=PHONE, bypass_csp=True)
    try:
        assert page.evaluate("document.documentElement.dir") == ("rtl" if locale == "ar" else "ltr")
        for selector in SHOWN[name]:
            assert page.locator(selector).count() > 0, f"{name} ({locale}): no {selector}"
        _screenshots(page, name, locale)
        for size in (PHONE, DESKTOP):
            page.set_viewport_size(size)
            assert page.evaluate("document.documentElement.scrollWidth") <= size["width"], (
                f"{name} ({locale}) scrolls sideways at {size['width']} px"
            )
            violations = axe_violations(page)
            assert not violations, f"{name} ({locale}, {size['width']} px):\n{describe(violations)}"
    finally:
        page.context.close()


def _months_of_history() -> int:
    today = datetime.now(UTC)
    return len({(today - timedelta(days=days)).strftime("%Y-%m") for days, _, _ in HISTORY})


def test_history_counts_every_call_and_month_in_words(site: Site, browser: Any) -> None:
    page = open_page(browser, site, PAGES["history"], "en", viewport=PHONE)
    try:
        assert page.locator("#calls tbody tr").count() == len(HISTORY)
        assert page.locator("#hours-per-month tbody tr").count() == _months_of_history()
        total_hours = round(sum(minutes for _, _, minutes in HISTORY) / 60, 1)
        assert f"{len(HISTORY)} calls, {total_hours:g} hours" in page.inner_text("#history-total")
        page.get_by_role("link", name="Record of volunteering (to print)").click()
        page.wait_for_url("**/volunteer/history/summary?*")
        assert page.inner_text("#summary-hours") == f"{total_hours:g} hours"
    finally:
        page.context.close()


def test_join_button_is_a_large_target_leading_to_the_residents_room(
    site: Site, browser: Any
) -> None:
    page = open_page(browser, site, PAGES["caseworker"], "en", viewport=PHONE)
    try:
        join = page.locator('.sent-link[data-state="machine"]').get_by_role("link", name="Join")
        assert join.count() == 1 and "Ms C." in (join.text_content() or "")
        box = join.bounding_box()
        assert box and min(box["width"], box["height"]) >= 24
        assert page.locator('.sent-link[data-state="waiting"] a').count() == 0
    finally:
        page.context.close()


def _new_invite(server: LiveServer) -> str:
    """An invitation for KEYBOARD_INVITEE, made as the coordinator: its link's path."""
    async def invite() -> str:
        async with httpx.AsyncClient(base_url=server.url) as coordinator:
            await sign_in(coordinator, COORDINATOR)
            page = await coordinator.get("/coordinator")
            made = await coordinator.post("/coordinator", data={
                "csrf_token": csrf_from(page.text), "action": "invite", "role": "caseworker",
                "email": KEYBOARD_INVITEE})
            return "/invite/" + made.text.split("/invite/", 1)[1].split('"', 1)[0]
    return run_sync(invite())


def test_revoke_an_invitation_by_keyboard_alone(site: Site, browser: Any) -> None:
    link = _new_invite(site.server)
    page = open_page(browser, site, PAGES["coordinator"], "en", viewport=PHONE)
    try:
        row = page.locator("#pending-invites tbody tr", has_text=KEYBOARD_INVITEE)
        assert row.count() == 1
        revoke = row.get_by_role("button", name="Revoke")
        for _ in range(600):  # the page lists every known language: many stops
            page.keyboard.press("Tab")
            if revoke.evaluate("button => button === document.activeElement"):
                break
        else:
            raise AssertionError("Tab never reached the invitation's Revoke button")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "no longer works" in page.inner_text("main")
        assert page.locator("#pending-invites tbody tr", has_text=KEYBOARD_INVITEE).count() == 0
        # The focus lands where the answer is said, not at the top of a long page.
        assert page.evaluate("location.hash") == "#invites-heading"

        opened = page.context.browser.new_context(viewport=PHONE)
        try:
            invitee = opened.new_page()
            answer = invitee.goto(site.server.url + link)
            assert answer is not None and answer.status == 410
            assert "withdrawn" in invitee.inner_text("main")
            assert invitee.locator('form[action="/login"]').count() == 1
        finally:
            opened.close()
    finally:
        page.context.close()
