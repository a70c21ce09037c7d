"""Live captions in a call, in real Chromium: a resident who speaks Spanish and a volunteer
interpreter who speaks English, each browser's fake microphone playing a real recording.
Both turn captions on (by keyboard), and each page reads the other: the interpreter the
resident's own Spanish words, the resident the interpreter's English machine-translated
into Spanish by the test Argos package (labelled so), then as spoken once they choose that;
a language with no translation model says so. The caption panel passes axe."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from interp.translation.translator import Translator
from tests.browser.axe import axe_violations, describe
from tests.browser.captions import (
    CAPTION_MS,
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
    choose_with_arrows,
    meet_in_a_call,
    open_settings_by_keyboard,
    tab_to,
)
from tests.helpers.speech import DATA
from tests.live_server import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SPANISH = DATA / "es_fleurs_000.ogg"
SPANISH_REFERENCE = (
    "se recomienda enfáticamente a los viajeros que se informen sobre cualquier riesgo de "
    "clima extremo en el área que visitan dado que ello puede afectar sus planes de viaje"
)


def turn_captions_on_by_keyboard(page: Any, key: str) -> None:
    until(
        page, "() => !document.getElementById('captions-toggle').disabled",
        what="captions cannot be turned on",
    )
    open_settings_by_keyboard(page)  # the caption switches are in the settings sheet
    tab_to(page, "Caption what I say", "button")
    page.keyboard.press(key)
    captions_toggle_pressed(page, True)
    page.keyboard.press("Escape")


def test_each_side_of_a_call_reads_the_others_captions_in_their_language(
    translating: LiveServer, browser_hearing: Callable[[Path], Any], tmp_path: Path
) -> None:
    resident_browser = browser_hearing(speech_wav([SPANISH], tmp_path / "resident.wav"))
    interpreter_browser = browser_hearing(speech_wav([ENGLISH], tmp_path / "interpreter.wav"))
    # bypass_csp: axe is added to the page as a script of its own.
    resident = watched(resident_browser.new_context(bypass_csp=True).new_page())
    interpreter = watched(interpreter_browser.new_context(bypass_csp=True).new_page())
    meet_in_a_call(translating, resident, interpreter, "audio")
    for page in (resident, interpreter):
        assert page.locator("#captions [role=log]").count() == 1

    turn_captions_on_by_keyboard(interpreter, "Space")
    turn_captions_on_by_keyboard(resident, "Enter")
    no_script_errors(resident, interpreter)
    for page, other in ((resident, "Vera"), (interpreter, "Resident")):
        until(
            page,
            """other => { const text = document.getElementById('captions-on-for').textContent;
              return text.includes('Captions on for') && text.includes('You')
                && text.includes(other); }""",
            other, what=f"captions are not on for you and {other}",
        )

    # The interpreter reads what the resident said, as said: Spanish, labelled "Resident".
    said = wait_for_segment(interpreter, "captions", "Resident", translated=False)
    assert said["lang"] == "es"
    wait_for_words(interpreter, "captions", "Resident", SPANISH_REFERENCE, 0.7)

    # The resident reads the interpreter in Spanish: the test package's translation of
    # exactly what the interpreter said, under the panel's machine-translation notice. The
    # interpreter reads their own words as "You".
    translated = wait_for_segment(resident, "captions", "Vera (Interpreter)", translated=True)
    assert translated["notice"] == MACHINE_TRANSLATION and translated["lang"] == "es"
    original = wait_for_key(interpreter, "captions", translated["key"])
    assert (original["speaker"], original["notice"], original["lang"]) == ("You", "", "en")
    expected = Translator(translating.settings.models_dir).translate(original["text"], "en", "es")
    assert expected.translated and translated["text"] == " ".join(expected.text.split())
    # Captions start wherever the looping recording is: a whole sentence comes next time.
    whole = wait_for_segment(
        interpreter, "captions", "You", translated=False, containing="apostle"
    )
    assert share_of_words(ENGLISH_REFERENCE, whole["text"]) >= 0.7, whole["text"]

    violations = axe_violations(resident)
    assert not violations, f"call page with captions:\n{describe(violations)}"

    # The resident chooses the speakers' own words (by keyboard): the interpreter's next
    # sentence comes in English, untranslated.
    seen = frozenset(s["key"] for s in segments(resident, "captions"))
    open_settings_by_keyboard(resident)
    tab_to(resident, "Read captions in", "select")
    choose_with_arrows(resident, "original")
    resident.get_by_text("Captions now show what was said, without translation.").wait_for()
    as_said = wait_for_segment(
        resident, "captions", "Vera (Interpreter)", translated=False, exclude=seen
    )
    assert as_said["lang"] == "en"
    assert as_said["text"] == wait_for_key(interpreter, "captions", as_said["key"])["text"]

    # A language nobody installed a translation model for: the words as said, and a notice.
    no_model = interpreter.evaluate(
        """() => [...document.querySelectorAll('#caption-language option')]
          .map((o) => ({ value: o.value, name: o.textContent.split(' (')[0].trim() }))
          .find((o) => !['es', 'en', 'fr', 'original'].includes(o.value))"""
    )
    assert no_model, "the call page offers no language without a translation model"
    interpreter.locator("#settings-button").click()
    interpreter.select_option("#caption-language", no_model["value"])
    notice = interpreter.locator("#captions-model-notice")
    notice.get_by_text(f"No translation model for {no_model['name']}").wait_for(
        timeout=CAPTION_MS
    )
    assert notice.get_attribute("role") == "status"

    # The resident turns their captions off again (Space). (That the others are told is
    # tested over the protocol in tests/live/test_call_captions.py.)
    tab_to(resident, "Caption what I say", "button")
    resident.keyboard.press("Space")
    captions_toggle_pressed(resident, False)
    no_script_errors(resident, interpreter)
