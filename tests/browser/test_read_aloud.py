"""Captions read aloud in automatic interpretation, in real Chromium: the shared device's
fake microphone plays the resident's Spanish and the staff member's English; the resident
switches on "Read captions aloud" in Settings (by keyboard), and the page plays the staff
member's words translated into Spanish, spoken by the server's voice (espeak-ng): its audio
element gets data and plays. Skip and Stop show while it reads, and Stop silences it."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.browser.axe import axe_violations, describe
from tests.browser.captions import (
    CAPTION_MS,
    ENGLISH,
    captions_toggle_pressed,
    no_script_errors,
    speech_wav,
    until,
    watched,
)
from tests.browser.pages import STEP_MS, call_state, open_settings_by_keyboard, tab_to
from tests.helpers.speech import DATA
from tests.live_server import LiveServer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed"),
]

SPANISH = DATA / "es_fleurs_002.ogg"
# Counts what the page's speech player does, from the page's own audio element.
LISTEN = """() => {
  const audio = document.getElementById('speech-audio');
  window.readAloud = { playing: 0, seconds: 0 };
  audio.addEventListener('playing', () => { window.readAloud.playing += 1; });
  audio.addEventListener('timeupdate', () => {
    window.readAloud.seconds = Math.max(window.readAloud.seconds, audio.currentTime);
  });
}"""


@pytest.mark.server_settings(fallback_wait_s=1)
def test_the_resident_hears_the_staff_members_words_in_spanish(
    translating: LiveServer, browser_hearing: Callable[[Path], Any], tmp_path: Path
) -> None:
    device = browser_hearing(speech_wav([SPANISH, ENGLISH], tmp_path / "both_sides.wav"))
    resident = watched(device.new_context(bypass_csp=True).new_page())
    resident.goto(f"{translating.url}/request")
    resident.get_by_label("Which language do you need?").select_option("es")
    resident.locator("input[name=media][value=audio]").check()
    resident.get_by_role("button", name="Ask for an interpreter").click()
    resident.wait_for_url("**/q/**")
    resident.locator("#machine-button").click(timeout=STEP_MS)
    resident.wait_for_url("**/call/**", timeout=STEP_MS)
    call_state(resident, "machineOn")
    resident.get_by_role("button", name="Start listening").click()
    captions_toggle_pressed(resident, True)
    resident.evaluate(LISTEN)

    # Silent until asked: then on, by keyboard, from the settings sheet.
    open_settings_by_keyboard(resident)
    toggle = resident.locator("#speech-toggle")
    assert toggle.get_attribute("aria-pressed") == "false" and toggle.is_enabled()
    tab_to(resident, "Read captions aloud", "button")
    resident.keyboard.press("Enter")
    until(resident, "() => document.getElementById('speech-toggle').getAttribute('aria-pressed')"
          " === 'true'", what="reading aloud did not switch on")
    resident.keyboard.press("Escape")
    assert resident.locator("#speech-controls").is_visible()

    # The English half is translated into Spanish and spoken: the audio plays.
    resident.wait_for_function(
        "() => window.readAloud.playing > 0 && window.readAloud.seconds > 0.5",
        timeout=CAPTION_MS,
    )
    no_script_errors(resident)
    violations = axe_violations(resident)
    assert not violations, f"face to face, reading aloud:\n{describe(violations)}"

    # Stop: silent again, and the server stops sending speech.
    resident.locator("#speech-stop").click()
    until(resident, "() => document.getElementById('speech-controls').hidden"
          " && document.getElementById('speech-audio').paused",
          what="reading aloud did not stop")
    played = resident.evaluate("window.readAloud.playing")
    resident.wait_for_timeout(8_000)
    assert resident.evaluate("window.readAloud.playing") == played
    no_script_errors(resident)
