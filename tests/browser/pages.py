"""Steps on the service's pages as a person takes them: by keyboard alone, and from a
resident's request to a connected call."""

from __future__ import annotations

from typing import Any

from tests.live_server import PASSWORD, LiveServer, run_sync

# Generous: Chromium's start, ICE and the first video frame on a busy shared machine.
STEP_MS = 30_000
VOLUNTEER = "vera@example.org"
CALL_STATE_IS = (
    "key => document.body.dataset.callState === "
    "JSON.parse(document.getElementById('strings').textContent)[key]"
)
MAX_TABS = 40
FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {
    tag: el.tagName.toLowerCase(),
    type: el.type || "",
    name: (el.labels && el.labels[0] ? el.labels[0].textContent : el.textContent).trim(),
    value: el.value ?? "",
    visible: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
  };
}"""


def tab_to(page: Any, name: str, tag: str | None = None, backwards: bool = False) -> dict[str, Any]:
    """Press Tab until the element labelled ``name`` has focus; fail if it never does."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        focused: dict[str, Any] = page.evaluate(FOCUSED)
        if name in focused["name"] and (tag is None or focused["tag"] == tag):
            assert focused["visible"], f"focus on {name!r} is not visible"
            return focused
    raise AssertionError(f"{name!r} cannot be reached with the Tab key")


def open_settings_by_keyboard(page: Any) -> None:
    """Open the call page's settings sheet (caption switches, language, text size) with Tab
    and Enter; focus is then inside the sheet."""
    tab_to(page, "Settings", "button")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('dialog.sheet:modal') !== null")


def choose_with_arrows(page: Any, value: str) -> None:
    """Move a focused <select> to ``value`` with the arrow keys."""
    for _ in range(MAX_TABS):
        if page.evaluate("document.activeElement.value") == value:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"option {value!r} cannot be reached with the arrow keys")


def call_state(page: Any, key: str) -> None:
    """Wait until the call page shows the state named ``key`` in its strings."""
    page.wait_for_function(CALL_STATE_IS, arg=key, timeout=STEP_MS)


def remote_media_playing(page: Any, video: bool) -> None:
    # A decoded remote frame (video) or a live remote audio track: media really arrived.
    check = (
        "() => document.getElementById('remote-video').videoWidth > 0"
        if video
        else "() => (document.getElementById('remote-video').srcObject?.getAudioTracks() || [])"
        ".some(t => t.readyState === 'live')"
    )
    page.wait_for_function(check, timeout=STEP_MS)


def meet_in_a_call(server: LiveServer, resident: Any, volunteer: Any, media: str) -> None:
    """The resident asks, the volunteer accepts, and both pages show a connected call."""
    ask_and_accept(server, resident, volunteer, media)
    for page in (resident, volunteer):
        call_state(page, "connected")
        remote_media_playing(page, video=media == "video")


def ask_and_accept(
    server: LiveServer, resident: Any, volunteer: Any, media: str, needs_captions: bool = False
) -> None:
    """The resident asks, the volunteer accepts: both pages are on their call page."""
    ask_and_wait(server, resident, volunteer, media, needs_captions)
    accept_request(volunteer)
    volunteer.wait_for_url("**/rooms/**", timeout=STEP_MS)
    resident.wait_for_url("**/call/**", timeout=STEP_MS)


def ask_and_wait(
    server: LiveServer, resident: Any, volunteer: Any, media: str, needs_captions: bool = False
) -> None:
    """The resident asks and waits in the queue; the volunteer is available and sees the request."""
    run_sync(server.create_account(VOLUNTEER, "volunteer", ("es",), name="Vera"))
    resident.goto(f"{server.url}/request")
    resident.get_by_label("Which language do you need?").select_option("es")
    if needs_captions:
        resident.get_by_label("I am deaf or hard of hearing, or I need captions").check()
    resident.locator(f"input[name=media][value={media}]").check()
    resident.get_by_label("Anything the interpreter should know?").fill("Rent letter")
    resident.get_by_role("button", name="Ask for an interpreter").click()
    resident.wait_for_url("**/q/**")
    assert resident.locator("#queue-status").get_attribute("role") == "status"
    assert resident.locator("#queue-position").inner_text() == "1"

    assert "Rent letter" in available_volunteer(server, volunteer).inner_text()


def available_volunteer(server: LiveServer, volunteer: Any) -> Any:
    """The volunteer signs in and says they are available; returns the first request's card
    once it shows."""
    volunteer.goto(f"{server.url}/login")
    volunteer.get_by_label("Email address").fill(VOLUNTEER)
    volunteer.get_by_label("Password").fill(PASSWORD)
    volunteer.get_by_role("button", name="Sign in").click()
    volunteer.wait_for_url("**/volunteer")
    volunteer.get_by_role("button", name="I am available").click()
    card = volunteer.locator("#request-list li.request")
    card.wait_for(timeout=STEP_MS)
    return card


def accept_request(volunteer: Any) -> None:
    volunteer.locator("#request-list li.request").get_by_role("button", name="Accept").click()
