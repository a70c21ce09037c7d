"""Feedback in a real Chromium: the resident's one tap by keyboard alone, in English and in
Arabic (right to left), with axe-core finding nothing; and a coordinator's open page
learning of a new safeguarding report without reloading. Screenshots at 360×740 go to
test-artifacts/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from interp.store.database import Database
from interp.store.models import CallFeedback
from tests.browser.axe import axe_violations, describe, require_axe
from tests.browser.pages import STEP_MS, tab_to
from tests.helpers.calls import join, matched_room
from tests.live_server import LiveServer, csrf_from, run_sync, sign_in

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PHONE = {"width": 360, "height": 740}
CONCERN = "A child in the call may be left alone at night."


async def started_call(server: LiveServer) -> tuple[str, str, dict[str, str]]:
    """A call both sides joined, then left: (resident token, room id, volunteer cookies)."""
    made, room_id, volunteer = await matched_room(server)
    sockets = [
        await join(server, {"token": made["token"]}),
        await join(server, {"room": room_id}, volunteer),
    ]
    for socket in sockets:
        await socket.close()
    cookies = dict(volunteer.cookies.items())
    await volunteer.aclose()
    return made["token"], room_id, cookies


async def resident_answers(server: LiveServer) -> list[tuple[bool | None, str]]:
    db = Database(server.settings.effective_database_url)
    try:
        async with db.session() as session:
            rows = await session.execute(select(CallFeedback.understood, CallFeedback.comment))
            return [(understood, comment) for understood, comment in rows]
    finally:
        await db.close()


@pytest.fixture
def phone(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    require_axe()
    contexts: list[Any] = []

    def open_as(locale: str, cookies: dict[str, str] | None = None) -> Any:
        # bypass_csp: axe is added to the page as a script of its own.
        context = browser.new_context(viewport=PHONE, bypass_csp=True)
        context.add_cookies(
            [{"name": "interp_lang", "value": locale, "url": live_server.url}]
            + [{"name": k, "value": v, "url": live_server.url} for k, v in (cookies or {}).items()]
        )
        contexts.append(context)
        return context.new_page()

    yield open_as
    for context in contexts:
        context.close()


def focus_value(page: Any, value: str) -> None:
    """Tab until the focused control's value is ``value`` (labels vary by language)."""
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.value") == value:
            return
    raise AssertionError(f"no control with value {value!r} reached by Tab")


def no_violations(page: Any) -> None:
    violations = axe_violations(page)
    assert violations == [], describe(violations)


@pytest.mark.parametrize(
    ("locale", "tap", "understood"), [("en", "yes", True), ("ar", "no", False)]
)
def test_the_resident_answers_by_keyboard(
    live_server: LiveServer, phone: Any, locale: str, tap: str, understood: bool
) -> None:
    token, _, _ = run_sync(started_call(live_server))
    page = phone(locale)
    page.goto(f"{live_server.url}/call/{token}/feedback")
    assert page.get_attribute("html", "dir") == ("rtl" if locale == "ar" else "ltr")
    no_violations(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"feedback-resident-{locale}.png"), full_page=True)

    focus_value(page, tap)
    with page.expect_navigation(timeout=STEP_MS):
        page.keyboard.press("Enter")
    page.locator("#thanks").wait_for(state="visible", timeout=STEP_MS)
    assert run_sync(resident_answers(live_server)) == [(understood, "")]
    no_violations(page)
    page.screenshot(path=str(SCREENSHOTS / f"feedback-resident-thanks-{locale}.png"),
                    full_page=True)

    # The optional comment, by keyboard too; the answer stays what was tapped.
    page.locator("#feedback-comment").focus()
    page.keyboard.type("The interpreter was kind.")
    focus_value(page, "")  # the Send comment button carries no value
    assert page.evaluate("document.activeElement.type") == "submit"
    with page.expect_navigation(timeout=STEP_MS):
        page.keyboard.press("Enter")
    assert run_sync(resident_answers(live_server)) == [(understood, "The interpreter was kind.")]


def test_the_english_labels_are_reached_by_name(live_server: LiveServer, phone: Any) -> None:
    token, _, _ = run_sync(started_call(live_server))
    page = phone("en")
    page.goto(f"{live_server.url}/call/{token}/feedback")
    tab_to(page, "Yes", "button")
    tab_to(page, "No", "button")


async def report_concern(server: LiveServer, room_id: str, cookies: dict[str, str]) -> None:
    async with httpx.AsyncClient(base_url=server.url, cookies=cookies) as volunteer:
        form = await volunteer.get(f"/calls/{room_id}/safeguarding")
        sent = await volunteer.post(
            f"/calls/{room_id}/safeguarding",
            data={"csrf_token": csrf_from(form.text), "concern": CONCERN},
        )
        assert sent.status_code == 303


async def coordinator_cookies(server: LiveServer) -> dict[str, str]:
    await server.create_account("cora@example.org", "coordinator", name="Cora")
    async with httpx.AsyncClient(base_url=server.url) as client:
        await sign_in(client, "cora@example.org")
        return dict(client.cookies.items())


def test_an_open_coordinator_page_learns_of_a_new_report(
    live_server: LiveServer, phone: Any
) -> None:
    _, room_id, volunteer = run_sync(started_call(live_server))
    page = phone("en", run_sync(coordinator_cookies(live_server)))
    page.goto(f"{live_server.url}/coordinator/feedback")
    assert page.locator("#safeguarding-count").is_hidden()
    # The page's socket is open once it has been told the count (0).
    page.wait_for_function(
        "() => document.getElementById('safeguarding-count').dataset.unseen === '0'",
        timeout=STEP_MS,
    )
    run_sync(report_concern(live_server, room_id, volunteer))
    page.locator("#safeguarding-alert").wait_for(state="visible", timeout=STEP_MS)
    assert page.locator("#safeguarding-count").inner_text().startswith("1")
    assert page.locator("#safeguarding-new").is_visible()
    no_violations(page)

    page.reload()  # the report itself is on the page once loaded
    assert CONCERN in page.locator("#safeguarding-heading + * ~ ul, .report-list").inner_text()
    no_violations(page)
    page.screenshot(path=str(SCREENSHOTS / "feedback-coordinator-en.png"), full_page=True)
