"""A resident asks, a volunteer accepts, and both Chromium pages show a connected call,
with real media from Chromium's fake camera and microphone; a server restart mid-call
shows "reconnecting" and the pages resume the room by themselves. A description the
browser refuses is said, and Try again connects the call."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.axe import axe_violations, describe
from tests.browser.pages import (
    STEP_MS,
    ask_and_accept,
    call_state,
    meet_in_a_call,
    remote_media_playing,
    tab_to,
)
from tests.live_server import LiveServer

pytestmark = pytest.mark.browser

DECODED_FRAMES = (
    "document.getElementById('remote-video').getVideoPlaybackQuality().totalVideoFrames"
)
CALL_FAILED = "The call could not connect. Try again."
# Sessions that sort first or last: the smaller session makes the offer, the larger answers.
SESSION_THAT_OFFERS = "00000000-0000-4000-8000-000000000000"
SESSION_THAT_ANSWERS = "ffffffff-ffff-4fff-bfff-ffffffffffff"


@pytest.fixture
def pages(browser: Any) -> Iterator[tuple[Any, Any]]:
    """(resident page, volunteer page), each in a browser context of its own."""
    contexts = [browser.new_context(), browser.new_context()]
    try:
        yield contexts[0].new_page(), contexts[1].new_page()
    finally:
        for context in contexts:
            context.close()


@pytest.mark.parametrize("media", ["video", "audio"])
def test_resident_and_volunteer_meet_in_a_connected_call(
    live_server: LiveServer, pages: tuple[Any, Any], media: str
) -> None:
    resident, volunteer = pages
    meet_in_a_call(live_server, resident, volunteer, media)
    assert resident.locator("#connection-state").get_attribute("role") == "status"
    assert "Vera" in resident.locator("#remote-label").inner_text()

    volunteer.on("dialog", lambda dialog: dialog.accept())
    volunteer.get_by_role("button", name="Leave call").click()
    resident.locator("#call-ended").wait_for(state="visible", timeout=STEP_MS)
    assert "The call has ended." in resident.locator("#call-ended-text").inner_text()


def test_call_survives_a_server_restart(live_server: LiveServer, pages: tuple[Any, Any]) -> None:
    resident, volunteer = pages
    meet_in_a_call(live_server, resident, volunteer, "video")

    live_server.stop()
    for page in (resident, volunteer):
        call_state(page, "reconnecting")  # the page says so; it does not say "left"
    live_server.restart()
    for page in (resident, volunteer):
        call_state(page, "connected")
    # Media went browser to browser all along; the remote video is still live.
    frames = resident.evaluate(f"() => {DECODED_FRAMES}")
    resident.wait_for_function(f"n => {DECODED_FRAMES} > n", arg=frames, timeout=STEP_MS)
    assert "left" not in resident.locator("#remote-label").inner_text()


def spoil_first_description(page: Any) -> None:
    """The first offer or answer that reaches the page over its room socket arrives as no
    session description at all, so Chromium itself refuses it, as it would a corrupted one."""
    spoiled: list[str] = []

    def route(socket: Any) -> None:
        server = socket.connect_to_server()

        def to_page(message: str | bytes) -> None:
            data = json.loads(message)
            if not spoiled and data.get("type") in ("offer", "answer"):
                spoiled.append(data["type"])
                data["sdp"] = "v=0\r\nthis is not a session description\r\n"
            socket.send(json.dumps(data))

        server.on_message(to_page)

    page.route_web_socket("**/ws/room", route)


@pytest.mark.parametrize(
    "session", [SESSION_THAT_OFFERS, SESSION_THAT_ANSWERS], ids=["refused-answer", "refused-offer"]
)
def test_a_refused_description_is_said_and_try_again_connects(
    live_server: LiveServer, browser: Any, session: str
) -> None:
    # bypass_csp: axe is added to the page as a script of its own.
    contexts = [browser.new_context(bypass_csp=True), browser.new_context()]
    try:
        resident, volunteer = (context.new_page() for context in contexts)
        errors: list[str] = []
        for page in (resident, volunteer):
            page.on("pageerror", lambda error: errors.append(str(error)))
        # The page's session decides whether it offers or answers: both refusals are tried.
        resident.add_init_script(f"crypto.randomUUID = () => {json.dumps(session)};")
        spoil_first_description(resident)
        ask_and_accept(live_server, resident, volunteer, "video")

        failure = resident.locator("#call-failure")
        assert failure.get_attribute("role") == "alert"
        failure.get_by_text(CALL_FAILED).wait_for(timeout=STEP_MS)
        assert resident.evaluate("document.body.dataset.callState") == "Connecting…"
        violations = axe_violations(resident)
        assert not violations, f"call page that could not connect:\n{describe(violations)}"

        tab_to(resident, "Try again", "button")
        resident.keyboard.press("Enter")
        # The button goes; focus moves to the line that says how the call is doing.
        assert resident.evaluate("document.activeElement.id") == "connection-state"
        for page in (resident, volunteer):
            call_state(page, "connected")
            remote_media_playing(page, video=True)
        assert failure.inner_text() == ""
        assert not errors, errors
    finally:
        for context in contexts:
            context.close()
