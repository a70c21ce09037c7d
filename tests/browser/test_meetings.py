"""A caseworker's online meeting in real Chromium pages with fake cameras: the host creates
it, residents join by the invite link and wait until the host lets them in, everyone sees
everyone (a grid once there are three), the host removes one, and ending the meeting
closes every page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.pages import CALL_STATE_IS, STEP_MS
from tests.browser.site import SCREENSHOT_DIR
from tests.helpers.meetings import create_meeting as make_meeting
from tests.helpers.meetings import keep_a_transcript
from tests.live_server import PASSWORD, LiveServer, run_sync

pytestmark = pytest.mark.browser

HOST = "kasia@example.org"
# How many other people's pictures a page shows, and how many of them have a frame.
TILES = """() => {
  const tiles = [...document.querySelectorAll('#call-videos .video-tile:not(.self) video')]
    .filter((video) => video.srcObject);
  return {shown: tiles.length, playing: tiles.filter((video) => video.videoWidth > 0).length};
}"""


@pytest.fixture
def pages(browser: Any) -> Iterator[list[Any]]:
    """Three pages (host, two residents), each in a browser context of its own."""
    contexts = [browser.new_context() for _ in range(3)]
    try:
        yield [context.new_page() for context in contexts]
    finally:
        for context in contexts:
            context.close()


def create_meeting(server: LiveServer, host: Any) -> str:
    """Sign in, create an online meeting from the form; returns the invite link."""
    run_sync(server.create_account(HOST, "caseworker", name="Kasia"))
    host.goto(f"{server.url}/login")
    host.get_by_label("Email address").fill(HOST)
    host.get_by_label("Password").fill(PASSWORD)
    host.get_by_role("button", name="Sign in").click()
    host.get_by_role("link", name="Meetings").click()
    host.get_by_label("Title").fill("Housing review")
    host.get_by_label("Online: everyone joins").check()
    host.get_by_role("checkbox", name="Spanish").check()
    host.get_by_role("button", name="Create meeting").click()
    host.wait_for_url("**/meetings/*")
    assert host.get_by_role("heading", level=1).inner_text() == "Housing review"
    # Both links come with a QR code a phone can scan.
    assert host.locator("svg.qr[role=img]").count() == 2
    invite: str = host.get_by_label("Invite link").input_value()
    assert "/j/" in invite
    return invite


def join(page: Any, invite: str, name: str) -> None:
    page.goto(invite)
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Your language").select_option("es")
    page.get_by_role("button", name="Join the meeting").click()
    page.wait_for_url("**/m/**")
    page.wait_for_function(CALL_STATE_IS.replace("'strings'", "'meeting-strings'"),
                           arg="waitingRoom", timeout=STEP_MS)
    assert page.locator("#meeting-waiting").is_visible()
    assert "The caseworker will let you in." in page.locator("#meeting-waiting").inner_text()


def let_in(host: Any, name: str) -> None:
    button = host.get_by_role("button", name=f"Let in {name}")
    button.wait_for(timeout=STEP_MS)
    button.click()


def sees_others(page: Any, count: int) -> None:
    page.wait_for_function(
        f"() => {{ const t = ({TILES})(); return t.shown === {count} && t.playing === {count}; }}",
        timeout=STEP_MS,
    )


def test_residents_join_a_meeting_the_host_lets_them_in_and_ends_it(
    live_server: LiveServer, pages: list[Any]
) -> None:
    host, ana, bo = pages
    invite = create_meeting(live_server, host)
    host.get_by_role("link", name="Start the meeting").click()
    host.wait_for_url("**/meetings/*/call")
    host.locator("#waiting-none").wait_for(timeout=STEP_MS)

    join(ana, invite, "Ana")
    assert not ana.locator("#remote-video").evaluate("video => Boolean(video.srcObject)")
    let_in(host, "Ana")
    ana.locator("#meeting-waiting").wait_for(state="hidden", timeout=STEP_MS)
    for page in (host, ana):
        page.wait_for_function(CALL_STATE_IS, arg="connected", timeout=STEP_MS)
        sees_others(page, 1)
    # A call of two looks like any other call: one large picture, named.
    assert "Kasia" in ana.locator("#remote-label").inner_text()
    assert "Ana" in host.locator("#remote-label").inner_text()
    assert not host.locator("#call-videos").evaluate("el => el.classList.contains('grid')")

    join(bo, invite, "Bo")
    let_in(host, "Bo")
    for page in (host, ana, bo):
        sees_others(page, 2)
        assert page.locator("#call-videos").evaluate("el => el.classList.contains('grid')")
    limit = live_server.settings.meeting_max_participants
    assert f"3 of {limit} people" in host.locator("#people-count").inner_text()

    host.on("dialog", lambda dialog: dialog.accept())
    host.get_by_role("button", name="Remove Bo").click()
    bo.locator("#call-ended").wait_for(state="visible", timeout=STEP_MS)
    assert "The host removed you" in bo.locator("#call-ended-text").inner_text()
    for page in (host, ana):
        sees_others(page, 1)
        assert not page.locator("#call-videos").evaluate("el => el.classList.contains('grid')")

    host.get_by_role("button", name="End the meeting for everyone").click()
    for page in (host, ana):
        page.locator("#call-ended").wait_for(state="visible", timeout=STEP_MS)
        assert "The meeting has ended." in page.locator("#call-ended-text").inner_text()
    ana.goto(invite)
    assert "This meeting has ended." in ana.locator("main").inner_text()


def test_ending_a_meeting_offers_its_transcript_first(
    live_server: LiveServer, pages: list[Any]
) -> None:
    """The organisation deletes transcripts when their meeting ends (the default): the
    host's End button shows the downloads first, and ends only when asked again."""
    meeting = run_sync(make_meeting(live_server, title="Council tax", mode="online"))
    run_sync(keep_a_transcript(live_server, meeting.info, meeting.owner, "Paid until March."))
    host = pages[0]
    host.set_viewport_size({"width": 360, "height": 740})
    host.goto(f"{live_server.url}/login")
    host.get_by_label("Email address").fill(meeting.owner_email)
    host.get_by_label("Password").fill(PASSWORD)
    host.get_by_role("button", name="Sign in").click()
    host.goto(f"{live_server.url}/meetings/{meeting.info.id}")
    host.get_by_role("link", name="Start the meeting").click()
    host.wait_for_url("**/meetings/*/call")
    confirmations: list[str] = []
    host.on("dialog", lambda dialog: (confirmations.append(dialog.message), dialog.accept()))

    host.get_by_role("button", name="End the meeting for everyone").click()
    offer = host.locator("#end-first")
    offer.wait_for(state="visible", timeout=STEP_MS)
    assert host.evaluate("document.activeElement.id") == "end-first-heading"
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    host.screenshot(path=str(SCREENSHOT_DIR / "end-meeting-transcript-first-phone.png"))
    text_link = offer.get_by_role("link", name="Text (As spoken)")
    assert text_link.get_attribute("href") == f"/meetings/{meeting.info.id}/transcript.txt"
    with host.expect_download() as download:
        text_link.click()
    assert "Paid until March." in download.value.path().read_text()
    assert host.locator("#call-ended").is_hidden()  # still in the meeting

    offer.get_by_role("button", name="Not yet").click()
    assert offer.is_hidden()
    assert host.evaluate("document.activeElement.id") == "end-meeting"
    host.get_by_role("button", name="End the meeting for everyone").click()
    offer.get_by_role("button", name="End the meeting now").click()
    host.locator("#call-ended").wait_for(state="visible", timeout=STEP_MS)
    assert confirmations == []  # the offer was the question
