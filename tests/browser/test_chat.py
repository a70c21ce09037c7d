"""Text chat in a call, in real Chromium: the interpreter types a line by keyboard, and the
resident's caption log shows it machine-translated into Spanish (the test Argos package),
labelled with the sender and marked as typed; the sender's own log shows it as "You". The
chat box counts down near its limit, says when there is nothing to send, and passes axe."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.axe import axe_violations, describe
from tests.browser.captions import no_script_errors, until, watched
from tests.browser.pages import meet_in_a_call
from tests.live_server import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# The typed lines in the call page's caption log: their label, typed marker and text.
TYPED_LINES = """() => [...document.querySelectorAll('#captions [role=log] .caption-block')]
  .filter((block) => block.querySelector('.caption-typed'))
  .map((block) => ({
      speaker: block.querySelector('.caption-name').textContent,
      marker: block.querySelector('.caption-typed').textContent,
      translated: block.classList.contains('caption-translated'),
      text: block.querySelector('.caption-text').textContent,
    }))"""


def typed_lines(page: Any) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = page.evaluate(TYPED_LINES)
    return lines


def wait_for_typed(page: Any, text: str) -> None:
    until(
        page, f"text => ({TYPED_LINES})().some((line) => line.text === text)", text,
        what=f"no typed line {text!r}",
    )


def test_a_line_typed_in_a_call_reaches_the_other_page_in_its_language(
    translating: LiveServer, browser: Any
) -> None:
    # bypass_csp: axe is added to the page as a script of its own.
    resident = watched(browser.new_context(bypass_csp=True).new_page())
    interpreter = watched(browser.new_context(bypass_csp=True).new_page())
    meet_in_a_call(translating, resident, interpreter, "audio")
    box = interpreter.get_by_label("Type a message for everyone in the call")
    until(interpreter, "() => !document.getElementById('chat-text').disabled",
          what="the chat box stays disabled")

    # Nothing to send: said at the box, and nothing goes out.
    box.focus()
    interpreter.keyboard.press("Enter")
    error = interpreter.locator("#chat-error")
    assert error.inner_text() == "Type a message first."
    assert box.get_attribute("aria-invalid") == "true"

    # Near the limit the box counts down.
    box.fill("x" * 460)
    assert interpreter.locator("#chat-count").inner_text() == "Characters left: 40"
    box.fill("")
    interpreter.keyboard.type("Hello world")
    interpreter.keyboard.press("Enter")
    wait_for_typed(resident, "hola mundo")
    wait_for_typed(interpreter, "Hello world")
    no_script_errors(resident, interpreter)

    assert box.input_value() == "" and error.inner_text() == ""
    assert typed_lines(resident) == [
        {"speaker": "Vera (Interpreter)", "marker": "typed", "translated": True,
         "text": "hola mundo"},
    ]
    assert typed_lines(interpreter) == [
        {"speaker": "You", "marker": "typed", "translated": False, "text": "Hello world"},
    ]
    for page in (resident, interpreter):
        violations = axe_violations(page)
        assert not violations, describe(violations)
