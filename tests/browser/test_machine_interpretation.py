"""Machine interpretation in real Chromium, end to end: a resident waits, no interpreter is
free, the queue page offers automatic interpretation, and the call page becomes the
face-to-face view on one device. Its fake microphone plays the resident's Spanish, then the
staff member's English; each half of the screen reads both in its own language, machine
translations labelled. Then a volunteer accepts the request and joins that same call: the
page says an interpreter has joined, the call connects, and captions carry on. The view
passes axe and its controls work from the keyboard. A caption connection the browser will
not make says that captions could not start."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from interp.translation.translator import Translator
from tests.browser.axe import axe_violations, describe
from tests.browser.captions import (
    ENGLISH,
    ENGLISH_REFERENCE,
    MACHINE_TRANSLATION,
    captions_toggle_pressed,
    no_script_errors,
    segments,
    share_of_words,
    speech_wav,
    until,
    wait_for_key,
    wait_for_segment,
    wait_for_words,
    watched,
)
from tests.browser.pages import (
    STEP_MS,
    available_volunteer,
    call_state,
    open_settings_by_keyboard,
    remote_media_playing,
    tab_to,
)
from tests.browser.site import SCREENSHOT_DIR
from tests.helpers.speech import DATA
from tests.live_server import LiveServer, run_sync

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SPANISH = DATA / "es_fleurs_002.ogg"
SPANISH_REFERENCE = (
    "fue tanta la cantidad de gente que se concentró que no todos pudieron acceder al "
    "funeral en la plaza de san pedro"
)
VOLUNTEER = "vera@example.org"
AUTOMATIC = "A computer is interpreting this conversation, and it can make mistakes."


def ask_for_an_interpreter(server: LiveServer, resident: Any) -> None:
    resident.goto(f"{server.url}/request")
    resident.get_by_label("Which language do you need?").select_option("es")
    resident.locator("input[name=media][value=audio]").check()
    resident.get_by_role("button", name="Ask for an interpreter").click()
    resident.wait_for_url("**/q/**")


def accept_from_the_dashboard(server: LiveServer, volunteer: Any) -> None:
    available_volunteer(server, volunteer).get_by_role("button", name="Accept").click()
    volunteer.wait_for_url("**/rooms/**", timeout=STEP_MS)


def wait_for_new_caption(page: Any, area: str, seen: frozenset[str]) -> None:
    """Waits for a final caption in ``area`` that is not one of ``seen`` (keys)."""
    until(
        page,
        """([area, seen]) => [...document.querySelectorAll(`#${area} .caption-block`)]
          .some((block) => !seen.includes(block.dataset.key))""",
        [area, sorted(seen)], what=f"no new caption in #{area}", area=area,
    )


def check_translation(
    translator: Translator, copy: dict[str, str], original: dict[str, str], source: str,
    target: str,
) -> None:
    """``copy`` shows the test package's translation of ``original``, labelled as such."""
    expected = translator.translate(original["text"], source, target)
    assert expected.translated, original
    assert (copy["text"], copy["notice"], copy["lang"]) == (
        " ".join(expected.text.split()), MACHINE_TRANSLATION, target
    )


@pytest.mark.server_settings(fallback_wait_s=1)
def test_a_resident_uses_machine_interpretation_until_an_interpreter_joins(
    translating: LiveServer, browser_hearing: Callable[[Path], Any], tmp_path: Path
) -> None:
    run_sync(translating.create_account(VOLUNTEER, "volunteer", ("es",), name="Vera"))
    device = browser_hearing(speech_wav([SPANISH, ENGLISH], tmp_path / "both_sides.wav"))
    # bypass_csp: axe is added to the page as a script of its own.
    resident = watched(device.new_context(bypass_csp=True).new_page())
    ask_for_an_interpreter(translating, resident)

    # Nobody is free: after the wait, the queue page offers automatic interpretation.
    notice = resident.locator("#long-wait")
    notice.wait_for(state="visible", timeout=STEP_MS)
    assert "Sorry, no interpreter is free yet." in notice.inner_text()
    resident.locator("#machine-button").click()
    resident.wait_for_url("**/call/**", timeout=STEP_MS)
    call_state(resident, "machineOn")  # "Automatic interpretation is on."
    no_script_errors(resident)
    assert AUTOMATIC in resident.locator("#machine-banner").inner_text()
    # Captions start when the person says so.
    resident.get_by_role("button", name="Start listening").click()
    captions_toggle_pressed(resident, True)
    for area in ("captions-resident", "captions-desk"):
        assert resident.locator(f"#{area} [role=log]").count() == 1

    # Each half reads its own person's words as said ("You") and the other's translated.
    translator = Translator(translating.settings.models_dir)
    spoken = wait_for_segment(resident, "captions-resident", "You", translated=False)
    assert spoken["lang"] == "es"
    desk_said = wait_for_segment(resident, "captions-desk", "You", translated=False)
    assert desk_said["lang"] == "en"

    for_desk = wait_for_segment(resident, "captions-desk", "Resident", translated=True)
    original = wait_for_key(resident, "captions-resident", for_desk["key"])
    assert original["speaker"] == "You" and not original["notice"]
    check_translation(translator, for_desk, original, "es", "en")

    for_resident = wait_for_segment(resident, "captions-resident", "Staff member", translated=True)
    original = wait_for_key(resident, "captions-desk", for_resident["key"])
    assert original["speaker"] == "You" and not original["notice"]
    check_translation(translator, for_resident, original, "en", "es")

    # Whole sentences (captions start wherever the looping recording is): the right words.
    whole = wait_for_segment(
        resident, "captions-desk", "You", translated=False, containing="apostle"
    )
    assert share_of_words(ENGLISH_REFERENCE, whole["text"]) >= 0.7, whole["text"]
    wait_for_words(resident, "captions-resident", "You", SPANISH_REFERENCE, 0.7)

    # The top half is turned round for the person opposite from the start; the settings
    # sheet turns it back and round again, by keyboard (Enter, then Space).
    top = resident.locator("#desk-half")
    turn = resident.locator("#turn-around")
    assert "facing-away" in (top.get_attribute("class") or "")
    assert turn.get_attribute("aria-pressed") == "true"
    open_settings_by_keyboard(resident)
    tab_to(resident, "Turn the top half around", "button")
    resident.keyboard.press("Enter")
    assert "facing-away" not in (top.get_attribute("class") or "")
    assert turn.get_attribute("aria-pressed") == "false"
    resident.keyboard.press("Space")
    assert "facing-away" in (top.get_attribute("class") or "")
    assert turn.get_attribute("aria-pressed") == "true"
    resident.keyboard.press("Escape")

    violations = axe_violations(resident)
    assert not violations, f"machine interpretation view:\n{describe(violations)}"

    # A volunteer takes the request, which was still in the queue, and joins this call.
    volunteer = watched(device.new_context().new_page())
    accept_from_the_dashboard(translating, volunteer)
    resident.locator("#interpreter-status").get_by_text(
        "An interpreter has joined the call."
    ).wait_for(timeout=STEP_MS)
    for page in (resident, volunteer):
        call_state(page, "connected")
        remote_media_playing(page, video=False)

    # Captions carry on, on the device and on the interpreter's page.
    wait_for_new_caption(
        resident, "captions-resident",
        frozenset(s["key"] for s in segments(resident, "captions-resident")),
    )
    wait_for_segment(volunteer, "captions", "Resident", translated=False)
    no_script_errors(resident, volunteer)


def give_unusable_ice_servers(socket: Any) -> None:
    """Room socket route: `joined` names a TURN server without credentials, with which
    Chromium refuses to make any connection (as it would with a misconfigured server)."""
    server = socket.connect_to_server()

    def to_page(message: str | bytes) -> None:
        data = json.loads(message)
        if data.get("type") == "joined":
            data["ice_servers"] = [{"urls": ["turn:127.0.0.1:3478"]}]
        socket.send(json.dumps(data))

    server.on_message(to_page)


@pytest.mark.server_settings(fallback_wait_s=1)
def test_captions_that_cannot_connect_say_so(translating: LiveServer, browser: Any) -> None:
    context = browser.new_context()
    try:
        resident = watched(context.new_page())
        resident.route_web_socket("**/ws/room", give_unusable_ice_servers)
        ask_for_an_interpreter(translating, resident)
        resident.locator("#long-wait").wait_for(state="visible", timeout=STEP_MS)
        resident.locator("#machine-button").click()
        resident.wait_for_url("**/call/**", timeout=STEP_MS)

        # Captions are asked to start, and cannot: the page says so, and nothing breaks.
        resident.get_by_role("button", name="Start listening").click()
        notice = resident.locator("#captions-notice")
        notice.get_by_text("Captions could not start. Try again in a moment.").wait_for(
            timeout=STEP_MS
        )
        assert notice.get_attribute("role") == "status"
        captions_toggle_pressed(resident, False)
        no_script_errors(resident)
    finally:
        context.close()


# The page's microphone requests and the messages it sends on its room socket, recorded as
# they happen (Chromium shows neither to a test).
RECORD_LISTENING = """
window.__microphoneRequests = 0;
window.__sent = [];
const getUserMedia = MediaDevices.prototype.getUserMedia;
MediaDevices.prototype.getUserMedia = function (constraints) {
  window.__microphoneRequests += 1;
  return getUserMedia.call(this, constraints);
};
const send = WebSocket.prototype.send;
WebSocket.prototype.send = function (data) {
  try { window.__sent.push(JSON.parse(data).type); } catch {}
  return send.call(this, data);
};
"""
TOGGLE = "document.getElementById('captions-toggle')"


def toggle_says(page: Any) -> tuple[str, str]:
    label, pressed = page.evaluate(
        f"[{TOGGLE}.textContent.trim(), {TOGGLE}.getAttribute('aria-pressed')]"
    )
    return label, pressed


@pytest.mark.server_settings(fallback_wait_s=1)
def test_nothing_listens_before_start_listening(translating: LiveServer, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740})
    context.add_init_script(RECORD_LISTENING)
    try:
        resident = watched(context.new_page())
        ask_for_an_interpreter(translating, resident)
        resident.locator("#long-wait").wait_for(state="visible", timeout=STEP_MS)
        resident.locator("#machine-button").click()
        resident.wait_for_url("**/call/**", timeout=STEP_MS)
        call_state(resident, "machineOn")
        start = resident.get_by_role("button", name="Start listening")
        start.wait_for()
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        resident.screenshot(path=str(SCREENSHOT_DIR / "face-to-face-before-start-phone.png"))
        resident.wait_for_timeout(1000)  # time enough for anything that starts by itself
        assert resident.evaluate("window.__microphoneRequests") == 0
        assert "captions.start" not in resident.evaluate("window.__sent")
        assert resident.locator("#captions-toggle").is_hidden()
        assert resident.locator("#captions-resident .caption-block").count() == 0

        start.click()
        captions_toggle_pressed(resident, True)
        assert toggle_says(resident) == ("Listening — tap to pause", "true")
        assert resident.evaluate("window.__microphoneRequests") == 1
        resident.wait_for_function(  # once the connection's offer is complete
            "() => window.__sent.includes('captions.start')", timeout=STEP_MS
        )
        assert start.is_hidden()
        assert resident.evaluate("document.activeElement.id") == "captions-toggle"
        resident.screenshot(path=str(SCREENSHOT_DIR / "face-to-face-listening-phone.png"))

        resident.keyboard.press("Enter")  # the toggle, by keyboard
        captions_toggle_pressed(resident, False)
        assert toggle_says(resident) == ("Paused — tap to listen", "false")
        resident.wait_for_function("() => window.__sent.includes('captions.stop')")
        resident.keyboard.press("Space")
        captions_toggle_pressed(resident, True)
        assert toggle_says(resident) == ("Listening — tap to pause", "true")
        no_script_errors(resident)
    finally:
        context.close()
