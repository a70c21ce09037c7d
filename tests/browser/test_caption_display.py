"""The caption display component (web/static/js/ui/captions.js) in real Chromium.

The page is the real base.html with the real caption partial, rendered in English and
Arabic; its static files are served from web/static through Playwright's router, so the
component is tested on its own, without the rest of the service (tests/browser/harness.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser import harness
from tests.browser.axe import axe_violations, describe

pytestmark = pytest.mark.browser

HARNESS = """{% extends "base.html" %}
{% block title %}Captions{% endblock %}
{% block content %}<h1>Captions</h1>{% include "ui/captions.html" %}{% endblock %}
{% block scripts %}<script type="module">
import { CaptionDisplay } from "/static/js/ui/captions.js";
window.display = new CaptionDisplay(document.getElementById("captions"));
</script>{% endblock %}"""
# The caption area where a call page puts it (web/templates/resident/call.html).
CALL_HARNESS = """{% extends "base.html" %}
{% block title %}Call{% endblock %}
{% block content %}<h1>Call</h1>
<div class="call-layout" id="call">
  <div class="call-videos">
    <div class="video-tile main"><video muted></video><p class="video-label">Interpreter</p></div>
    <div class="video-tile self"><video muted></video><p class="video-label">You</p></div>
  </div>
  <div class="call-captions">{% include "ui/captions.html" %}</div>
  <div class="call-controls cluster"><button type="button">Mute microphone</button></div>
</div>{% endblock %}
{% block scripts %}<script type="module">
import { CaptionDisplay } from "/static/js/ui/captions.js";
window.display = new CaptionDisplay(document.getElementById("captions"));
</script>{% endblock %}"""
# One device on a desk between a resident and a member of staff (machine interpretation).
FACE_TO_FACE_HARNESS = """{% extends "base.html" %}
{% block title %}Face to face{% endblock %}
{% block content %}<h1>Face to face</h1>
<div class="face-to-face">
  <div class="face-half facing-away">
    {% set caption_id = "captions-staff" %}{% include "ui/captions.html" %}
  </div>
  <div class="face-half">
    {% set caption_id = "captions-resident" %}{% include "ui/captions.html" %}
  </div>
</div>{% endblock %}
{% block scripts %}<script type="module">
import { CaptionDisplay } from "/static/js/ui/captions.js";
window.staff = new CaptionDisplay(document.getElementById("captions-staff"));
window.display = new CaptionDisplay(document.getElementById("captions-resident"));
</script>{% endblock %}"""
LONG_TEXT = (
    "Good morning and thank you for coming in today, I would like to go through the housing "
    "application form with you step by step, and if anything is unclear please stop me and ask, "
    "because it is important that we fill in every part correctly before we send it to the "
    "council office next week together with the letters from your doctor and the school"
)


PAGES = {"/harness": HARNESS, "/call-harness": CALL_HARNESS,
         "/face-to-face": FACE_TO_FACE_HARNESS}


def open_harness(
    browser: Any, locale: str = "en", width: int = 360, path: str = "/harness"
) -> Any:
    return harness.open_harness(browser, PAGES, path, locale, width)


@pytest.fixture()
def page(browser: Any) -> Iterator[Any]:
    page = open_harness(browser)
    yield page
    page.context.close()


def push(page: Any, **event: Any) -> None:
    base = {"stream": "s1", "seq": 1, "start_s": 0.0, "end_s": 1.0, "language": "en",
            "speaker": "Amira (resident)", "translated": False, "final": True}
    page.evaluate("event => window.display.push(event)", {**base, **event})


def blocks(page: Any) -> list[dict[str, Any]]:
    """Each final block: the speaker's name it carries (None on the blocks an utterance
    continues in), whether the name shows, whether it is machine-translated, its text and
    how many lines that takes on screen."""
    return page.evaluate("""() => [
      ...document.querySelectorAll('[role=log] .caption-block')].map(b => {
        const text = b.querySelector('.caption-text');
        const name = b.querySelector('.caption-speaker .caption-name');
        const lineHeight = parseFloat(getComputedStyle(text).lineHeight);
        return {
            speaker: name ? name.textContent : null,
            // Visually hidden names stay for screen readers.
            shown: Boolean(name) && !name.closest('.visually-hidden, [hidden]'),
            translated: b.classList.contains('caption-translated'),
            text: text.textContent,
            lines: Math.round(text.getBoundingClientRect().height / lineHeight),
        };
    })""")


def test_caption_region_is_a_labelled_log(page: Any) -> None:
    log = page.locator("[role=log]")
    assert log.count() == 1
    assert log.get_attribute("aria-live") == "polite"
    assert log.get_attribute("aria-label") == "Live captions"
    assert log.get_attribute("tabindex") == "0"  # scrollable region reachable by keyboard


def test_partial_is_tentative_and_final_replaces_it(page: Any) -> None:
    push(page, text="I need help with", final=False)
    tentative = page.locator(".captions-tentative-area .caption-block")
    assert tentative.count() == 1
    assert "I need help with" in tentative.inner_text()
    assert page.locator(".captions-tentative-area").get_attribute("aria-hidden") == "true"
    style = tentative.locator(".caption-text").evaluate(
        "el => [getComputedStyle(el).fontStyle, getComputedStyle(el).color]")
    assert style[0] == "italic"
    assert blocks(page) == []  # nothing in the log (nothing announced) while tentative

    push(page, text="I need help with my rent", final=False)
    assert tentative.count() == 1  # the newer partial replaced the older one
    push(page, text="I need help with my rent.", final=True)
    assert page.locator(".captions-tentative-area .caption-block").count() == 0
    final = blocks(page)
    assert [(b["speaker"], b["text"]) for b in final] == [
        ("Amira (resident)", "I need help with my rent.")
    ]
    final_text = page.locator("[role=log] .caption-text")
    assert final_text.evaluate("el => getComputedStyle(el).fontStyle") == "normal"

    push(page, text="I need help", final=False)  # a late partial never undoes the final
    assert page.locator(".captions-tentative-area .caption-block").count() == 0
    assert len(blocks(page)) == 1


def test_engine_sequence_partials_then_final_and_empty_final(page: Any) -> None:
    # The caption engine numbers every event of a stream in delivery order.
    push(page, seq=0, text="Where is", final=False)
    push(page, seq=1, text="Where is the office", final=False)
    push(page, seq=2, text="Where is the office?", final=True)
    push(page, seq=3, text="Hmm", final=False)
    assert page.locator(".captions-tentative-area .caption-block").count() == 1
    push(page, seq=4, text="", final=True)  # the partial was noise
    push(page, seq=3, text="Hmm", final=False)  # late: older than the latest final
    assert page.locator(".captions-tentative-area .caption-block").count() == 0
    assert [b["text"] for b in blocks(page)] == ["Where is the office?"]


def test_long_caption_is_split_into_blocks_of_at_most_two_lines(page: Any) -> None:
    push(page, text=LONG_TEXT)
    result = blocks(page)
    assert len(result) > 1
    assert all(1 <= b["lines"] <= 2 for b in result), result
    # The name once, on the first block: the others continue the same utterance.
    assert [(b["speaker"], b["shown"]) for b in result] == [("Amira (resident)", True)] + [
        (None, False)] * (len(result) - 1)
    assert " ".join(b["text"] for b in result) == LONG_TEXT  # no word lost or repeated


def test_blocks_stay_within_two_lines_after_text_size_changes(page: Any) -> None:
    push(page, text=LONG_TEXT)
    before = len(blocks(page))
    page.get_by_role("button", name="Larger text").click()
    page.get_by_role("button", name="Larger text").click()
    result = blocks(page)
    assert len(result) > before  # bigger text: more, shorter blocks
    assert all(b["lines"] <= 2 for b in result), result
    assert " ".join(b["text"] for b in result) == LONG_TEXT


def test_blocks_stay_within_two_lines_after_the_page_text_size_changes(page: Any) -> None:
    push(page, text=LONG_TEXT)
    before = len(blocks(page))
    page.get_by_text("Text size and contrast").click()
    page.get_by_label("Text size").select_option("4")
    result = blocks(page)
    assert len(result) > before
    assert all(b["lines"] <= 2 for b in result), result
    assert " ".join(b["text"] for b in result) == LONG_TEXT


def test_speakers_and_machine_translation_are_labelled(page: Any) -> None:
    push(page, stream="s1", seq=1, text="Hola, necesito ayuda.", language="es")
    push(page, stream="s2", seq=1, text="Of course, I can help.", speaker="Tom (caseworker)")
    push(page, stream="s2", seq=2, text="Claro, puedo ayudar.", speaker="Tom (caseworker)",
         language="es", translated=True)
    result = blocks(page)
    assert [(b["speaker"], b["shown"]) for b in result] == [
        ("Amira (resident)", True), ("Tom (caseworker)", True), ("Tom (caseworker)", False)
    ]
    assert [b["translated"] for b in result] == [False, False, True]
    notice = page.locator(".captions-translation-notice")
    assert notice.count() == 1 and notice.is_visible()
    assert notice.inner_text() == "Machine translation, may contain mistakes"
    assert page.locator("[role=log] .caption-text").nth(0).get_attribute("lang") == "es"


def test_a_corrected_final_replaces_the_earlier_one(page: Any) -> None:
    push(page, seq=1, text="First sentence.")
    push(page, seq=2, text="Second sentense.")
    push(page, seq=2, text="Second sentence.", translated=True)
    assert [b["text"] for b in blocks(page)] == ["First sentence.", "Second sentence."]


def test_pause_keeps_the_place_and_jump_to_latest_returns(page: Any) -> None:
    for seq in range(1, 25):
        push(page, seq=seq, text=f"Sentence number {seq} of the meeting.")
    log = page.locator("[role=log]")
    at_bottom = "el => el.scrollHeight - el.scrollTop - el.clientHeight < 4"
    assert log.evaluate(at_bottom)  # following the newest caption

    pause = page.get_by_role("button", name="Pause captions")
    pause.click()
    resume = page.get_by_role("button", name="Resume captions")
    assert resume.get_attribute("aria-pressed") == "true"
    assert log.get_attribute("aria-live") == "off"
    log.evaluate("el => { el.scrollTop = 0; }")
    push(page, seq=99, text="A caption that arrives while paused.")
    assert log.evaluate("el => el.scrollTop") == 0  # the reader's place is kept
    assert blocks(page)[-1]["text"] == "A caption that arrives while paused."  # nothing lost
    jump = page.get_by_role("button", name="Jump to latest captions")
    assert jump.is_visible()
    jump.click()
    assert log.evaluate(at_bottom)
    pause = page.get_by_role("button", name="Pause captions")
    assert pause.get_attribute("aria-pressed") == "false"
    assert log.get_attribute("aria-live") == "polite"


def test_caption_size_is_remembered(browser: Any) -> None:
    page = open_harness(browser)
    font = "() => parseFloat(getComputedStyle(document.querySelector('[role=log]')).fontSize)"
    before = page.evaluate(font)
    page.get_by_role("button", name="Larger text").click()
    assert page.evaluate(font) > before
    page.reload()
    page.wait_for_function("() => window.display !== undefined")
    assert page.evaluate(font) > before
    page.context.close()


def test_arabic_caption_area_is_right_to_left_and_accessible(browser: Any) -> None:
    page = open_harness(browser, locale="ar")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.locator("[role=log]").get_attribute("aria-label") == "ترجمة نصية مباشرة"
    push(page, text="مرحبا، أحتاج إلى مساعدة في ملء هذا النموذج من فضلك.", language="ar",
         translated=True)
    push(page, seq=2, text="Tentative words", final=False)
    violations = axe_violations(page)
    assert not violations, describe(violations)
    page.context.close()


def test_english_caption_area_is_accessible(page: Any) -> None:
    push(page, text="A final caption.")
    push(page, seq=2, text="Tentative words", final=False)
    page.get_by_role("button", name="Pause captions").click()
    violations = axe_violations(page)
    assert not violations, describe(violations)


@pytest.mark.parametrize("width", [360, 1280])
@pytest.mark.parametrize("locale", ["en", "ar"])
def test_captions_in_a_call_never_cover_the_videos(browser: Any, width: int, locale: str) -> None:
    page = open_harness(browser, locale, width=width, path="/call-harness")
    push(page, text=LONG_TEXT)
    push(page, seq=2, text="Tentative words", final=False)
    boxes = page.evaluate("""() => {
        const box = el => { const r = el.getBoundingClientRect();
                            return {x: r.x, y: r.y, right: r.right, bottom: r.bottom}; };
        return {videos: [...document.querySelectorAll('.video-tile')].map(box),
                captions: box(document.querySelector('.call-captions'))};
    }""")
    captions = boxes["captions"]
    for video in boxes["videos"]:
        overlap_x = min(video["right"], captions["right"]) - max(video["x"], captions["x"])
        overlap_y = min(video["bottom"], captions["bottom"]) - max(video["y"], captions["y"])
        assert overlap_x <= 0 or overlap_y <= 0, (video, captions)
    main_video = boxes["videos"][0]
    if width >= 1280:  # beside the video on a wide screen, on the reading side
        beside = captions["x"] >= main_video["right"] if locale == "en" else (
            captions["right"] <= main_video["x"])
        assert beside, (main_video, captions)
    else:  # below the video on a phone
        assert captions["y"] >= main_video["bottom"]
    page.context.close()


def test_face_to_face_view_turns_one_half_to_the_person_opposite(browser: Any) -> None:
    page = open_harness(browser, "en", width=360, path="/face-to-face")
    page.evaluate("""() => {
        window.staff.push({stream: "r", seq: 0, text: "I need help with my rent.", final: true,
                           speaker: "Resident", language: "en", translated: true});
        window.display.push({stream: "s", seq: 0, text: "Necesito ayuda con el alquiler.",
                             final: true, speaker: "Staff", language: "es", translated: true});
    }""")
    halves = page.evaluate("""() => [...document.querySelectorAll('.face-to-face > *')].map(h => ({
        transform: getComputedStyle(h).transform,
        text: h.querySelector('[role=log]').textContent,
        top: h.getBoundingClientRect().top,
    }))""")
    assert len(halves) == 2 and halves[0]["top"] < halves[1]["top"]
    assert halves[0]["transform"] == "matrix(-1, 0, 0, -1, 0, 0)"  # turned 180 degrees
    assert halves[1]["transform"] == "none"
    assert "I need help with my rent." in halves[0]["text"]
    assert "Necesito ayuda con el alquiler." in halves[1]["text"]
    assert page.locator("[role=log]").count() == 2
    violations = axe_violations(page)
    assert not violations, describe(violations)
    page.context.close()
