"""Captions for everyone, in real Chromium: a resident who is deaf asks for captions on the
request form; the volunteer sees that before accepting; in the call, the volunteer's speech
(a real recording as their fake microphone) reaches the resident's page as captions in
Spanish without the volunteer touching anything, and both pages say at all times that
captions are on and nothing is recorded. The resident keeps control of their own
captions, and only they can switch captions off for everyone."""

from __future__ import annotations

import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.browser.axe import axe_violations, describe
from tests.browser.captions import (
    ENGLISH,
    captions_toggle_pressed,
    no_script_errors,
    speech_wav,
    until,
    wait_for_segment,
    watched,
)
from tests.browser.pages import (
    STEP_MS,
    accept_request,
    ask_and_wait,
    call_state,
    open_settings_by_keyboard,
    tab_to,
)
from tests.live_server import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NEEDS_CAPTIONS = "Needs captions"
CAPTIONS_ON = "Captions on for everyone: speech is turned into text, never recorded."
INDICATOR = (
    "() => { const el = document.getElementById('captions-indicator');"
    " return !el.hidden && el.textContent; }"
)


def silence_wav(dest: Path, seconds: float = 5.0) -> Path:
    """A quiet microphone: the resident does not speak in this test."""
    with wave.open(str(dest), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16_000)
        out.writeframes(b"\0\0" * int(16_000 * seconds))
    return dest


def indicator(page: Any) -> str:
    return str(page.evaluate(INDICATOR) or "")


def for_all_pressed(page: Any, pressed: bool) -> None:
    until(
        page,
        "pressed => document.getElementById('call-captions-button').getAttribute('aria-pressed')"
        " === String(pressed)",
        pressed,
        what=f"captions for everyone are not pressed={pressed}",
    )


def test_a_deaf_residents_call_captions_the_volunteer_without_anyone_asking(
    translating: LiveServer, browser_hearing: Callable[[Path], Any], tmp_path: Path
) -> None:
    resident_browser = browser_hearing(silence_wav(tmp_path / "quiet.wav"))
    volunteer_browser = browser_hearing(speech_wav([ENGLISH], tmp_path / "volunteer.wav"))
    resident = watched(resident_browser.new_context(bypass_csp=True).new_page())
    volunteer = watched(volunteer_browser.new_context(bypass_csp=True).new_page())

    ask_and_wait(translating, resident, volunteer, "audio", needs_captions=True)
    # Before accepting, the volunteer knows the resident needs captions.
    card = volunteer.locator("#request-list li.request")
    assert NEEDS_CAPTIONS in card.inner_text()
    accept_request(volunteer)
    volunteer.wait_for_url("**/rooms/**", timeout=STEP_MS)
    resident.wait_for_url("**/call/**", timeout=STEP_MS)
    for page in (resident, volunteer):
        call_state(page, "connected")

    # Nobody pressed anything: captions are on for everyone, and both pages say so.
    for page in (resident, volunteer):
        until(page, INDICATOR, what="the captions indicator is not shown")
        assert indicator(page) == CAPTIONS_ON
        for_all_pressed(page, True)
    captions_toggle_pressed(volunteer, True)
    # The resident's page leads with captions; only the resident may switch them off.
    assert "captions-first" in resident.locator("#call").get_attribute("class")
    assert volunteer.locator("#call-captions-button").is_disabled()
    assert resident.locator("#call-captions-button").is_enabled()

    # The volunteer's English reaches the resident in Spanish.
    translated = wait_for_segment(resident, "captions", "Vera (Interpreter)", translated=True)
    assert translated["lang"] == "es" and translated["text"]
    no_script_errors(resident, volunteer)
    violations = axe_violations(resident)
    assert not violations, f"call page with captions for everyone:\n{describe(violations)}"

    # The resident's own speech is theirs to caption or not: switching theirs off leaves
    # captions on for everyone else.
    captions_toggle_pressed(resident, True)
    open_settings_by_keyboard(resident)
    tab_to(resident, "Caption what I say", "button")
    resident.keyboard.press("Enter")
    captions_toggle_pressed(resident, False)
    resident.keyboard.press("Escape")
    assert indicator(volunteer) == CAPTIONS_ON
    captions_toggle_pressed(volunteer, True)

    # The resident switches captions off for everyone: the volunteer's page stops sending.
    resident.locator("#call-captions-button").click()
    for page in (resident, volunteer):
        for_all_pressed(page, False)
        until(
            page,
            "() => document.getElementById('captions-indicator').hidden",
            what="the captions indicator still shows",
        )
    captions_toggle_pressed(volunteer, False)
    assert volunteer.locator("#call-captions-button").is_enabled()
    no_script_errors(resident, volunteer)
