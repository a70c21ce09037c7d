"""Cleaner captions, in real Chromium: the speaker's name where the speaker changes, one
machine-translation notice per panel, "You" for your own words, and the no-model notice
said once.

The caption display (web/static/js/ui/captions.js) and the call page's caption logic
(web/static/js/call-captions.js) run on harness pages made of the real templates and
static files (tests/browser/harness.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser import harness
from tests.browser.axe import axe_violations, describe

pytestmark = pytest.mark.browser

DISPLAY = """{% extends "base.html" %}
{% block title %}Captions{% endblock %}
{% block content %}<h1>Captions</h1>{% include "ui/captions.html" %}{% endblock %}
{% block scripts %}<script type="module">
import { CaptionDisplay } from "/static/js/ui/captions.js";
window.display = new CaptionDisplay(document.getElementById("captions"));
</script>{% endblock %}"""
# The call page's captions: a toggle, one caption area and its no-model notice, as in
# web/templates/resident/call.html; what the page would send goes to window.sent.
CALL = """{% extends "base.html" %}
{% block title %}Call{% endblock %}
{% block content %}<h1>Call</h1>
<button type="button" id="captions-toggle" aria-pressed="false">Captions</button>
{% include "ui/captions.html" %}
<div class="caption-model-notice" id="captions-model-notice" role="status"></div>
{% endblock %}
{% block scripts %}<script type="module">
import { CallCaptions } from "/static/js/call-captions.js";
const strings = {
  you: "You", resident: "Resident", interpreter: "Interpreter", caseworker: "Caseworker",
  speaker: "Speaker in the room",
  noModel: "No translation model for {language}: showing what was said.",
};
window.sent = [];
window.calls = new CallCaptions({
  send: (message) => window.sent.push(message),
  strings,
  views: [{
    container: document.getElementById("captions"),
    modelNotice: document.getElementById("captions-model-notice"),
    language: "", side: null, strings, nameOf: (code) => ({ so: "Somali" })[code] || code,
  }],
  microphone: () => null,
  locale: "en",
});
window.display = window.calls.views[0].display;
</script>{% endblock %}"""
PAGES = {"/display": DISPLAY, "/call": CALL}
MACHINE_TRANSLATION = "Machine translation, may contain mistakes"

# Each final block: the name it carries (null where an utterance continues), whether that
# name shows (else it is there for screen readers only), the typed marker if it shows.
BLOCKS = """() => [...document.querySelectorAll("[role=log] .caption-block")].map((block) => {
  const name = block.querySelector(".caption-speaker .caption-name");
  const typed = block.querySelector(".caption-typed");
  return {
    speaker: name ? name.textContent : null,
    shown: Boolean(name) && !name.closest(".visually-hidden, [hidden]"),
    typed: typed && !typed.closest(".visually-hidden") ? typed.textContent : null,
    text: block.querySelector(".caption-text").textContent,
  };
})"""


@pytest.fixture()
def page(browser: Any) -> Iterator[Any]:
    page = harness.open_harness(browser, PAGES, "/display")
    yield page
    page.context.close()


@pytest.fixture()
def call(browser: Any) -> Iterator[Any]:
    page = harness.open_harness(browser, PAGES, "/call")
    yield page
    page.context.close()


def push(page: Any, **event: Any) -> None:
    base = {"stream": "amira", "seq": 1, "start_s": 0.0, "end_s": 1.0, "language": "en",
            "speaker": "Amira (Resident)", "translated": False, "final": True}
    page.evaluate("event => window.display.push(event)", {**base, **event})


def blocks(page: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = page.evaluate(BLOCKS)
    return found


def labels(page: Any) -> list[tuple[str | None, bool]]:
    return [(b["speaker"], b["shown"]) for b in blocks(page)]


TOM = {"stream": "tom", "speaker": "Tom (Caseworker)"}


def test_the_speakers_name_shows_only_where_the_speaker_changes(page: Any) -> None:
    push(page, seq=1, text="I need help with my rent.")
    push(page, seq=2, text="It went up last month.")
    push(page, **TOM, seq=1, text="Of course.")
    push(page, **TOM, seq=2, text="Let us look at the letter.")
    push(page, seq=3, text="Thank you.")
    assert labels(page) == [
        ("Amira (Resident)", True), ("Amira (Resident)", False),
        ("Tom (Caseworker)", True), ("Tom (Caseworker)", False),
        ("Amira (Resident)", True),
    ]


def test_a_screen_reader_still_hears_who_speaks_each_utterance(page: Any) -> None:
    push(page, seq=1, text="I need help with my rent.")
    push(page, seq=2, text="It went up last month.")
    log = page.locator("[role=log]").aria_snapshot()
    # The hidden name is in the accessibility tree, read with its utterance.
    assert log.count("Amira (Resident)") == 2, log
    violations = axe_violations(page)
    assert not violations, describe(violations)


def test_a_typed_line_keeps_its_small_marker_without_repeating_the_name(page: Any) -> None:
    push(page, seq=1, text="Can you hear me?")
    # The same person's typed line: their stream followed by /chat, the same voice.
    push(page, stream="amira/chat", voice="amira", seq=1700000000000, text="My microphone is off",
         typed=True)
    push(page, **{**TOM, "stream": "tom/chat"}, voice="tom", seq=1700000000001,
         text="I read you", typed=True)
    assert [(b["speaker"], b["shown"], b["typed"]) for b in blocks(page)] == [
        ("Amira (Resident)", True, None),
        ("Amira (Resident)", False, "typed"),
        ("Tom (Caseworker)", True, "typed"),
    ]
    marker = page.locator(".caption-typed").first
    name = page.locator(".caption-speaker").first
    size = "el => parseFloat(getComputedStyle(el).fontSize)"
    assert marker.evaluate(size) < name.evaluate(size)  # smaller than the name beside it


def test_one_stream_with_two_people_names_each_where_it_changes(page: Any) -> None:
    # A shared device (or a host naming who speaks into a room microphone): one stream.
    push(page, stream="desk", seq=1, text="Good morning.", speaker="Resident")
    push(page, stream="desk", seq=2, text="Good morning, how can I help?", speaker="Staff member")
    push(page, stream="desk", seq=3, text="About my letter.", speaker="Resident")
    assert labels(page) == [("Resident", True), ("Staff member", True), ("Resident", True)]


def test_a_notice_in_the_log_names_the_next_speaker_again_and_survives_a_new_layout(
    page: Any,
) -> None:
    push(page, seq=1, text="First.")
    page.evaluate("() => window.display.notice('Captions now show what was said.')")
    push(page, seq=2, text="Second.")
    expected = [("Amira (Resident)", True), ("Amira (Resident)", True)]
    assert labels(page) == expected
    page.get_by_role("button", name="Larger text").click()  # the blocks are laid out again
    assert labels(page) == expected
    assert page.locator("[role=log] .caption-notice").inner_text() == (
        "Captions now show what was said.")


def test_tentative_text_is_named_only_when_someone_else_speaks(page: Any) -> None:
    push(page, seq=1, text="I need help.")
    push(page, seq=2, text="With my", final=False)
    tentative = page.locator(".captions-tentative-area .caption-speaker")
    assert not tentative.is_visible()  # Amira goes on
    push(page, **TOM, seq=1, text="Of", final=False)
    assert tentative.count() == 2 and all(t.is_visible() for t in tentative.all())


def test_one_machine_translation_notice_per_panel_once_a_translation_arrives(page: Any) -> None:
    notice = page.locator(".captions-translation-notice")
    push(page, seq=1, text="Hello.")
    assert notice.count() == 1 and not notice.is_visible()
    assert page.locator("[role=log]").get_attribute("aria-describedby") is None

    push(page, **TOM, seq=1, text="Hola, ¿en qué puedo", language="es", translated=True,
         final=False)
    for seq in (1, 2, 3):
        push(page, **TOM, seq=seq, text=f"Frase traducida número {seq}.", language="es",
             translated=True)
    assert notice.count() == 1 and notice.is_visible()
    assert notice.inner_text() == MACHINE_TRANSLATION
    # Said to screen readers as the log's description, not on every block.
    log = page.locator("[role=log]")
    assert log.get_attribute("aria-describedby") == notice.get_attribute("id")
    assert MACHINE_TRANSLATION not in log.inner_text()
    # Above the captions, smaller than they are.
    above = notice.evaluate(
        "el => el.getBoundingClientRect().bottom <= "
        "document.querySelector('[role=log]').getBoundingClientRect().top")
    assert above
    size = "el => parseFloat(getComputedStyle(el).fontSize)"
    assert notice.evaluate(size) < log.locator(".caption-text").first.evaluate(size)
    violations = axe_violations(page)
    assert not violations, describe(violations)


def joined(call: Any, reading: str = "en") -> None:
    call.evaluate("""reading => window.calls.onJoined({type: "joined",
      you: {id: "p-vera", name: "Vera", role: "interpreter", language: "es"},
      captions: {available: true, reason: null, reading: [reading]}, ice_servers: []})""",
                  reading)


def caption(call: Any, **message: Any) -> None:
    base = {"type": "caption", "kind": "speech", "stream": "p-vera", "seq": 1, "start_s": 0.0,
            "end_s": 1.0, "final": True, "source_language": "en", "reading": "en",
            "language": "en", "translated": False, "available": True, "lag_s": 0.2,
            "stable": "", "speaker": {"name": "Vera", "role": "interpreter"}}
    call.evaluate("message => window.calls.onMessage(message)", {**base, **message})


def test_your_own_words_spoken_or_typed_are_labelled_you(call: Any) -> None:
    joined(call)
    caption(call, seq=1, text="Good morning, I am your interpreter.")
    caption(call, kind="chat", stream="p-vera/chat", seq=1700000000000,
            text="Can you hear me?", start_s=0.0, end_s=0.0)
    caption(call, stream="p-amira", seq=1, text="Yes, thank you.",
            speaker={"name": "Amira", "role": "resident"})
    # The host of a room meeting names who speaks into their microphone: not "you".
    caption(call, seq=2, text="I have a question.", speaker={"name": "Maria", "role": "speaker"})
    assert [(b["speaker"], b["shown"], b["typed"]) for b in blocks(call)] == [
        ("You", True, None),
        ("You", False, "typed"),
        ("Amira (Resident)", True, None),
        ("Maria (Speaker in the room)", True, None),
    ]


def test_no_translation_model_is_said_once_per_language(call: Any) -> None:
    joined(call, reading="so")
    for seq in (1, 2, 3):
        caption(call, seq=seq, text=f"Sentence {seq}.", reading="so", available=False)
    notices = call.locator("#captions-model-notice").inner_text().strip().splitlines()
    assert notices == ["No translation model for Somali: showing what was said."]
    assert len(blocks(call)) == 3
