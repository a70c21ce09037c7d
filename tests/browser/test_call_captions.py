"""Live captions in a call, in real Chromium: a resident who speaks Spanish and a volunteer
interpreter who speaks English, each browser's fake microphone playing a real recording.
Both turn captions on (by keyboard), and each page reads the other: the interpreter the
resident's own Spanish words, the resident the interpreter's English machine-translated
into Spanish by the test Argos package (labelled so), then as spoken once they choose that;
a language with no translation model says so. The caption panel passes axe."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from interp.translation.translator import Translator
from tests.browser.axe import axe_violations, describe
from tests.browser.test_call_flow import meet_in_a_call
from tests.browser.test_keyboard import choose_with_arrows, tab_to
from tests.caption_sender import joined_speech
from tests.live_server import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PlaywrightTimeout = pytest.importorskip("playwright.sync_api").TimeoutError

DATA = Path(__file__).parent.parent / "data"
SPANISH = DATA / "es_fleurs_000.ogg"
SPANISH_REFERENCE = (
    "se recomienda enfáticamente a los viajeros que se informen sobre cualquier riesgo de "
    "clima extremo en el área que visitan dado que ello puede afectar sus planes de viaje"
)
ENGLISH = DATA / "en_librispeech_1272-128104-0000.wav"
ENGLISH_REFERENCE = (
    "mr quilter is the apostle of the middle classes and we are glad to welcome his gospel"
)
# Silence after each pass of a recording (Chromium plays the file over and over), long
# enough for the captioner to end the sentence there.
PAUSE_S = 3.0
# Generous: the speech model's first load and recognition on a busy, shared machine.
CAPTION_MS = 120_000
MACHINE_TRANSLATION = "Machine translation, may contain mistakes"

# Each final caption shown in a caption area, in order: its blocks (at most two lines
# each) joined again. `speaker` is the visible label without the machine-translation badge.
SEGMENTS = """id => {
  const segments = new Map();
  for (const block of document.querySelectorAll(`#${id} [role=log] .caption-block`)) {
    const label = block.querySelector(".caption-speaker");
    const badge = label.querySelector(".caption-badge");
    const body = block.querySelector(".caption-text");
    const segment = segments.get(block.dataset.key) || {
      key: block.dataset.key,
      speaker: [...label.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE)
        .map((n) => n.textContent).join("").trim(),
      badge: badge ? badge.textContent : "",
      lang: body.lang,
      parts: [],
    };
    segment.parts.push(body.textContent);
    segments.set(block.dataset.key, segment);
  }
  return [...segments.values()].map(({ parts, ...s }) => ({ ...s, text: parts.join(" ") }));
}"""


# Uncaught script errors of each watched page, by id(page).
_SCRIPT_ERRORS: dict[int, list[str]] = {}


def watched(page: Any) -> Any:
    """The page, its uncaught script errors kept for ``no_script_errors`` and failure messages."""
    errors: list[str] = []
    _SCRIPT_ERRORS[id(page)] = errors
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page


def no_script_errors(*pages: Any) -> None:
    for page in pages:
        errors = _SCRIPT_ERRORS.get(id(page), [])
        assert not errors, f"{page.url} raised: {errors}"


def shown(page: Any, area: str) -> dict[str, Any]:
    """What a caption area and the page's caption notices show (for failure messages)."""
    return {
        "finals": segments(page, area),
        "tentative": page.locator(f"#{area} .captions-tentative-area").all_inner_texts(),
        "notices": page.locator(".caption-controls, [id$=model-notice]").all_inner_texts(),
        "state": page.locator("#connection-state").inner_text(),
        "script errors": _SCRIPT_ERRORS.get(id(page), []),
    }


def until(page: Any, predicate: str, arg: Any = None, *, what: str, area: str = "captions") -> None:
    """Waits for a script predicate to hold; if it never does, says what the page showed."""
    try:
        page.wait_for_function(predicate, arg=arg, timeout=CAPTION_MS)
    except PlaywrightTimeout:
        raise AssertionError(f"{what}; the page shows {shown(page, area)}") from None


def segments(page: Any, area: str) -> list[dict[str, str]]:
    found: list[dict[str, str]] = page.evaluate(SEGMENTS, area)
    return found


def wait_for_segment(
    page: Any,
    area: str,
    speaker: str,
    translated: bool,
    exclude: frozenset[str] = frozenset(),
    containing: str = "",
) -> dict[str, str]:
    """The first final caption in ``area`` from ``speaker`` (a label), translated or not,
    whose key is not in ``exclude`` and whose text has ``containing`` (any case); waits for
    one to arrive."""
    until(
        page,
        f"""([area, speaker, translated, exclude, containing]) =>
          ({SEGMENTS})(area).some((s) => s.speaker === speaker
            && Boolean(s.badge) === translated && s.text.trim() && !exclude.includes(s.key)
            && s.text.toLowerCase().includes(containing))""",
        [area, speaker, translated, sorted(exclude), containing.lower()],
        what=f"no caption from {speaker!r} (translated: {translated}) in #{area}",
        area=area,
    )
    return next(
        s for s in segments(page, area)
        if s["speaker"] == speaker and bool(s["badge"]) == translated and s["text"].strip()
        and s["key"] not in exclude and containing.lower() in s["text"].lower()
    )


def wait_for_key(page: Any, area: str, key: str) -> dict[str, str]:
    """The caption with ``key`` (speaker stream and utterance) in ``area``, once it arrived."""
    until(
        page, f"([area, key]) => ({SEGMENTS})(area).some((s) => s.key === key)", [area, key],
        what=f"no caption {key} in #{area}", area=area,
    )
    return next(s for s in segments(page, area) if s["key"] == key)


def wait_for_words(page: Any, area: str, speaker: str, reference: str, share: float) -> None:
    """Waits until ``speaker``'s captions in ``area`` have shown at least ``share`` of the
    reference's words (in any of the passes of the looping recording)."""
    until(
        page,
        "([area, speaker, expected, share]) => {"
        "  const heard = new Set((" + SEGMENTS + ")(area)"
        "    .filter((s) => s.speaker === speaker)"
        "    .flatMap((s) => s.text.toLowerCase().replace(/[^\\p{L}\\p{N}\\s']/gu, ' ')"
        "      .split(/\\s+/)));"
        "  return expected.filter((word) => heard.has(word)).length >= share * expected.length;"
        "}",
        [area, speaker, words(reference), share],
        what=f"{speaker!r} in #{area} never showed {share:.0%} of {reference!r}",
        area=area,
    )


def captions_toggle_pressed(page: Any, pressed: bool) -> None:
    until(
        page,
        "pressed => document.getElementById('captions-toggle').getAttribute('aria-pressed')"
        " === String(pressed)",
        pressed, what=f"the captions toggle is not pressed={pressed}",
    )


def words(text: str) -> list[str]:
    return re.sub(r"[^\w\s']", " ", text.lower()).split()


def share_of_words(reference: str, heard: str) -> float:
    """How many of the reference's words are among the words heard (order aside)."""
    expected, got = words(reference), set(words(heard))
    return sum(word in got for word in expected) / len(expected)


def speech_wav(recordings: list[Path], dest: Path) -> Path:
    """A WAV for Chromium's fake microphone: the recordings in turn, each followed by a pause."""
    return joined_speech(recordings, dest, pause_s=PAUSE_S)


def turn_captions_on_by_keyboard(page: Any, key: str) -> None:
    until(
        page, "() => !document.getElementById('captions-toggle').disabled",
        what="captions cannot be turned on",
    )
    tab_to(page, "Caption what I say", "button")
    page.keyboard.press(key)
    captions_toggle_pressed(page, True)


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
    # exactly what the interpreter said, with the machine-translation label.
    translated = wait_for_segment(resident, "captions", "Vera (Interpreter)", translated=True)
    assert translated["badge"] == MACHINE_TRANSLATION and translated["lang"] == "es"
    original = wait_for_key(interpreter, "captions", translated["key"])
    assert (original["speaker"], original["badge"], original["lang"]) == (
        "Vera (Interpreter)", "", "en"
    )
    expected = Translator(translating.settings.models_dir).translate(original["text"], "en", "es")
    assert expected.translated and translated["text"] == " ".join(expected.text.split())
    # Captions start wherever the looping recording is: a whole sentence comes next time.
    whole = wait_for_segment(
        interpreter, "captions", "Vera (Interpreter)", translated=False, containing="apostle"
    )
    assert share_of_words(ENGLISH_REFERENCE, whole["text"]) >= 0.7, whole["text"]

    violations = axe_violations(resident)
    assert not violations, f"call page with captions:\n{describe(violations)}"

    # The resident chooses the speakers' own words (by keyboard): the interpreter's next
    # sentence comes in English, untranslated.
    seen = frozenset(s["key"] for s in segments(resident, "captions"))
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
