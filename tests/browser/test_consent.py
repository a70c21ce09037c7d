"""Consent in Chromium: a resident's meeting page tells them that their speech is captioned
and asks whether a transcript may be kept; they answer by keyboard and can change their
mind; the caseworker's meeting page shows who has agreed, records the answer of a
speaker in the room, and says whether a transcript is being kept."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from interp.domain.consent import Consent
from interp.domain.meetings import Meetings
from interp.keys import secret_key
from interp.store.database import Database
from tests.browser.axe import axe_violations, describe
from tests.live_server import PASSWORD, LiveServer, run_sync

pytestmark = pytest.mark.browser

CASEWORKER = "cora@example.org"
# Generous: Chromium's start and a consent refresh (every 5 s) on a busy shared machine.
STEP_MS = 30_000


@dataclass
class Meeting:
    id: str
    guest_token: str


async def meeting_with_a_guest(server: LiveServer) -> Meeting:
    """Cora's meeting: Rosa let in with her own link, Mr Okafor named at the room microphone."""
    host = await server.create_account(CASEWORKER, "caseworker", name="Cora")
    db = Database(server.settings.effective_database_url)
    try:
        meetings = Meetings(db, secret_key(server.settings), 6)
        meeting = await meetings.create(host, "Tenancy review", "online", ["es"])
        guest = await meetings.join(meetings.links(meeting).invite_token, "Rosa", "es")
        await meetings.admit(meeting.id, guest.attendee.id)
        await Consent(db).label_speaker(meeting.room_id, "Mr Okafor")
    finally:
        await db.close()
    return Meeting(meeting.id, guest.token)


@pytest.fixture
def pages(browser: Any) -> Iterator[tuple[Any, Any]]:
    """(resident page, caseworker page), each in a browser context of its own (pages forbid
    inline scripts; the contexts let axe's injected script run)."""
    contexts = [browser.new_context(bypass_csp=True), browser.new_context(bypass_csp=True)]
    try:
        yield contexts[0].new_page(), contexts[1].new_page()
    finally:
        for context in contexts:
            context.close()


def person(panel: Any, name: str) -> Any:
    return panel.locator("[data-consent-list] > li", has_text=name)


def answered(panel: Any, name: str, answer: str) -> None:
    person(panel, name).locator(".badge", has_text=answer).wait_for(timeout=STEP_MS)


def test_participants_are_told_and_asked_and_the_host_sees_who_agreed(
    live_server: LiveServer, pages: tuple[Any, Any]
) -> None:
    meeting = run_sync(meeting_with_a_guest(live_server))
    resident, caseworker = pages

    resident.goto(f"{live_server.url}/m/{meeting.guest_token}")
    mine = resident.locator("[data-consent='participant']")
    # Told before anything else about captions, in plain words.
    assert mine.get_by_text(
        "Your speech will be shown as captions to people in this meeting."
    ).is_visible()
    question = mine.get_by_role(
        "group", name="May a written record (transcript) of this meeting be kept?"
    )
    agree = question.get_by_role("button", name="Agree", exact=True)
    decline = question.get_by_role("button", name="Do not agree")
    status = mine.locator("[data-consent-mine]")
    assert status.get_attribute("role") == "status"
    assert "You have not answered yet" in status.inner_text()
    resident.wait_for_function(
        "() => !document.querySelector('[data-consent-answer=agree]').disabled", timeout=STEP_MS
    )
    agree.focus()
    resident.keyboard.press("Enter")
    resident.wait_for_function(
        "() => document.querySelector('[data-consent-answer=agree]')"
        ".getAttribute('aria-pressed') === 'true'",
        timeout=STEP_MS,
    )
    assert status.inner_text() == "You agreed that a transcript may be kept."
    assert decline.get_attribute("aria-pressed") == "false"
    # Who has agreed, folded away under a count so the call stays in view on a phone.
    people = mine.locator("details summary")
    resident.wait_for_function(
        "() => document.querySelector('[data-consent=participant] summary').textContent"
        ".includes('(1 of 2)')",
        timeout=STEP_MS,
    )
    assert people.inner_text() == "Who has agreed (1 of 2)"
    people.focus()
    resident.keyboard.press("Enter")
    answered(mine, "Rosa", "Agreed")
    assert "(you)" in person(mine, "Rosa").inner_text()
    answered(mine, "Mr Okafor", "Not answered yet")

    caseworker.goto(f"{live_server.url}/login?next=/meetings/{meeting.id}")
    caseworker.get_by_label("Email address").fill(CASEWORKER)
    caseworker.get_by_label("Password").fill(PASSWORD)
    caseworker.get_by_role("button", name="Sign in").click()
    caseworker.wait_for_url(f"**/meetings/{meeting.id}", timeout=STEP_MS)
    panel = caseworker.locator("[data-consent='host']")
    answered(panel, "Rosa", "Agreed")
    answered(panel, "Mr Okafor", "Not answered yet")
    keeping = panel.locator("[data-consent-keeping]")
    assert keeping.get_attribute("role") == "status"
    assert keeping.inner_text().startswith("No transcript is being kept")
    assert panel.get_by_text("The transcript is deleted when the meeting ends.").is_visible()
    assert panel.get_by_role("link", name="WebVTT (As spoken)").get_attribute("href") == (
        f"/meetings/{meeting.id}/transcript.vtt"
    )
    assert panel.get_by_role("link", name="Text (Spanish)").get_attribute("href") == (
        f"/meetings/{meeting.id}/transcript.txt?language=es"
    )

    # Mr Okafor said yes out loud: the caseworker records it, by keyboard.
    record = panel.get_by_role("button", name="Agreed out loud for Mr Okafor")
    record.focus()
    caseworker.keyboard.press("Enter")
    answered(panel, "Mr Okafor", "Agreed")
    caseworker.wait_for_function(
        "() => document.querySelector('[data-consent=host] [data-consent-keeping]')"
        ".textContent.startsWith('Everyone has agreed')",
        timeout=STEP_MS,
    )
    assert record.get_attribute("aria-pressed") == "true"
    # Only people without a page of their own get buttons on the host's page.
    assert person(panel, "Rosa").get_by_role("button").count() == 0

    # Rosa changes her mind: her page and, at its next refresh, the host's say so.
    decline.click()
    resident.wait_for_function(
        "() => document.querySelector('[data-consent-answer=decline]')"
        ".getAttribute('aria-pressed') === 'true'",
        timeout=STEP_MS,
    )
    assert agree.get_attribute("aria-pressed") == "false"
    answered(panel, "Rosa", "Did not agree")
    caseworker.wait_for_function(
        "() => document.querySelector('[data-consent=host] [data-consent-keeping]')"
        ".textContent.startsWith('No transcript is being kept')",
        timeout=STEP_MS,
    )
    answered(mine, "Mr Okafor", "Agreed")
    for page in (resident, caseworker):
        violations = axe_violations(page)
        assert not violations, describe(violations)
