"""A meeting's caption view in real Chromium: captions that reach the server's caption
channels show in the page (speaker, machine-translation label, the reader's language), the
text size control has five steps and is remembered, full screen shows the projector view
and Escape leaves it, the meeting's end is said, everything works by keyboard, axe is clean.

The captions are published on the running server's hub, where the relay puts them: the
speech path up to there is covered by tests/live/test_caption_viewer.py, and this test is
about the page, which then reads them through the server's real /ws/captions.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

import pytest

from interp.hub.channels import captions_channel
from tests.browser.axe import axe_violations, describe, require_axe
from tests.browser.captions import MACHINE_TRANSLATION
from tests.browser.pages import FOCUSED, choose_with_arrows, tab_to
from tests.browser.site import DESKTOP, PHONE
from tests.helpers.meetings import MadeMeeting, create_meeting, end_as_host
from tests.live_server import LiveServer, run_sync

pytestmark = pytest.mark.browser
T = TypeVar("T")


def on_server(server: LiveServer, coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine in the server's own event loop (its hub and database live there)."""
    loop = server.server.servers[0].get_loop()
    return asyncio.run_coroutine_threadsafe(coroutine, loop).result(timeout=30)


def caption(room_id: str, reading: str, text: str, seq: int, final: bool = True) -> dict[str, Any]:
    """A caption as the relay publishes it: the caseworker's words translated into ``reading``."""
    return {
        "type": "caption", "room": room_id, "stream": "p1", "seq": seq,
        "speaker": {"name": "Kasia", "role": "caseworker"},
        "start_s": 1.0 * seq, "end_s": 1.0 * seq + 0.8, "final": final,
        "source_language": "en", "language": reading, "reading": reading, "text": text,
        "stable": "", "translated": reading != "en", "available": True, "lag_s": 0.4,
    }


def publish(server: LiveServer, channel: str, message: dict[str, Any]) -> None:
    """Publish on the server's own hub, as the relay does with what a speaker said."""
    on_server(server, server.services.hub.publish(channel, message))


def wait_for_reader(server: LiveServer, page: Any, room_id: str, language: str) -> None:
    """Until the page's connection listens on the language's caption channel (the server
    tells no client when it has subscribed, so a caption published earlier would be lost)."""
    channel = captions_channel(room_id, language)
    page.wait_for_function("() => document.getElementById('caption-view').dataset.state")
    for _ in range(200):
        if server.services.hub.subscriber_count(channel):
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"nobody listens on {channel}")


def shown_captions(page: Any) -> list[dict[str, str]]:
    found: list[dict[str, str]] = page.evaluate("""() =>
      [...document.querySelectorAll("#captions [role=log] .caption-block")].map((block) => ({
        speaker: block.querySelector(".caption-name").textContent,
        // The panel says once that its captions are machine-translated.
        notice: block.classList.contains("caption-translated")
          ? document.querySelector("#captions .captions-translation-notice:not([hidden])")
            .textContent
          : "",
        text: block.querySelector(".caption-text").textContent,
        lang: block.querySelector(".caption-text").lang,
      }))""")
    return found


def status(page: Any) -> str:
    text: str = page.locator("#view-status").inner_text()
    return text


@pytest.fixture
def meeting(live_server: LiveServer) -> MadeMeeting:
    return run_sync(create_meeting(live_server, languages=("es", "ar")))


def open_view(browser: Any, server: LiveServer, meeting: MadeMeeting, **context: Any) -> Any:
    """The caption view, its interface in English (whatever the browser's languages)."""
    browser_context = browser.new_context(viewport=PHONE, **context)
    browser_context.add_cookies([{"name": "interp_lang", "value": "en", "url": server.url}])
    page = browser_context.new_page()
    page.goto(f"{server.url}/v/{meeting.view_token}")
    page.wait_for_function(
        "() => document.getElementById('view-status').textContent.includes('Waiting')"
    )
    return page


def test_captions_show_in_the_readers_language_large_and_full_screen(
    live_server: LiveServer, meeting: MadeMeeting, browser: Any
) -> None:
    require_axe()
    # The reader's browser prefers Arabic, which the meeting offers: the page starts there.
    page = open_view(browser, live_server, meeting, locale="ar", bypass_csp=True)
    room_id = meeting.info.room_id
    assert page.locator("#view-language").input_value() == "ar"
    assert page.locator("#captions [role=log]").count() == 1
    wait_for_reader(live_server, page, room_id, "ar")

    publish(live_server, captions_channel(room_id, "ar"), caption(room_id, "ar", "مرحبا", 0, False))
    page.wait_for_function("() => document.querySelector('.caption-tentative')")
    publish(live_server, captions_channel(room_id, "ar"), caption(room_id, "ar", "مرحبا بكم", 0))
    page.wait_for_function("() => document.querySelector('#captions [role=log] .caption-block')")
    assert shown_captions(page) == [
        {"speaker": "Kasia (Caseworker)", "notice": MACHINE_TRANSLATION, "text": "مرحبا بكم",
         "lang": "ar"}
    ]
    assert page.locator(".caption-tentative").count() == 0  # the final replaced it

    # White on black, or black on white on request.
    colours = "() => getComputedStyle(document.querySelector('#captions [role=log]')).color"
    assert page.evaluate(colours) == "rgb(255, 255, 255)"
    page.get_by_role("button", name="Settings").click()  # the theme is in the settings sheet
    light = page.get_by_role("button", name="Light background")
    light.click()
    assert page.evaluate(colours) == "rgb(0, 0, 0)"
    assert light.get_attribute("aria-pressed") == "true"
    page.keyboard.press("Escape")

    # Five text sizes, remembered on this device.
    smaller = page.get_by_role("button", name="Smaller text")
    larger = page.get_by_role("button", name="Larger text")
    while smaller.is_enabled():
        smaller.click()
    sizes = [page.locator("#captions").get_attribute("data-caption-size")]
    while larger.is_enabled():
        larger.click()
        sizes.append(page.locator("#captions").get_attribute("data-caption-size"))
    assert sizes == ["0", "1", "2", "3", "4"]
    smaller.click()
    page.reload()
    page.wait_for_function("() => document.getElementById('caption-view').dataset.state === 'open'")
    assert page.locator("#captions").get_attribute("data-caption-size") == "3"
    assert page.locator("#caption-view").get_attribute("data-theme") == "light"

    violations = axe_violations(page)
    assert not violations, f"caption view:\n{describe(violations)}"

    # Full screen: the captions alone, very large, and the language they are in.
    page.set_viewport_size(DESKTOP)
    font = "() => parseFloat(getComputedStyle(document.querySelector('.caption-text')).fontSize)"
    wait_for_reader(live_server, page, room_id, "ar")
    publish(live_server, captions_channel(room_id, "ar"), caption(room_id, "ar", "أهلا", 1))
    page.wait_for_function("() => document.querySelector('#captions [role=log] .caption-block')")
    on_a_page = page.evaluate(font)
    page.get_by_role("button", name="Full screen").click()
    view = page.locator("#caption-view")
    assert "projector" in (view.get_attribute("class") or "")
    assert not page.locator("#view-language").is_visible()
    assert not page.get_by_role("button", name="Larger text").is_visible()
    assert page.locator("#projector-language").inner_text() == "Arabic"
    assert page.evaluate(font) > on_a_page
    violations = axe_violations(page)
    assert not violations, f"projector view:\n{describe(violations)}"
    page.keyboard.press("Escape")
    page.wait_for_function(
        "() => !document.getElementById('caption-view').classList.contains('projector')"
    )
    assert page.evaluate(FOCUSED)["name"] == "Full screen"
    assert page.locator("#view-language").is_visible()
    page.context.close()


def test_the_caption_view_works_by_keyboard_and_says_when_the_meeting_ends(
    live_server: LiveServer, meeting: MadeMeeting, browser: Any
) -> None:
    # German is not among the meeting's languages: the page starts in the meeting's first.
    page = open_view(browser, live_server, meeting, locale="de-DE")
    room_id = meeting.info.room_id
    assert page.locator("#view-language").input_value() == "es"
    assert status(page) == "Waiting for the meeting to start."

    # Another language, chosen with the keyboard: the captions now come in it.
    tab_to(page, "Read captions in", "select")
    choose_with_arrows(page, "en")
    page.wait_for_function(
        "() => document.querySelector('#captions [role=log]').textContent.includes('English')"
    )
    wait_for_reader(live_server, page, room_id, "en")
    assert page.evaluate("localStorage.getItem('interp.viewLanguage')") == "en"
    publish(live_server, captions_channel(room_id, "en"), caption(room_id, "en", "Welcome all", 0))
    page.wait_for_function("() => document.querySelector('#captions [role=log] .caption-block')")
    assert shown_captions(page)[-1] == {
        "speaker": "Kasia (Caseworker)", "notice": "", "text": "Welcome all", "lang": "en",
    }

    tab_to(page, "Settings", "button")
    page.keyboard.press("Enter")
    tab_to(page, "Light background", "button")
    page.keyboard.press("Space")
    assert page.locator("#caption-view").get_attribute("data-theme") == "light"
    page.keyboard.press("Escape")
    assert page.evaluate(FOCUSED)["name"] == "Settings"
    tab_to(page, "Larger text", "button")
    size = page.locator("#captions").get_attribute("data-caption-size")
    page.keyboard.press("Enter")
    assert page.locator("#captions").get_attribute("data-caption-size") == str(int(size or 0) + 1)
    tab_to(page, "Full screen", "button", backwards=True)
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.getElementById('caption-view').classList.contains('projector')"
    )
    assert page.evaluate(FOCUSED)["name"] == "Leave full screen"
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => !document.getElementById('caption-view').classList.contains('projector')"
    )

    # The host closes the meeting: the reader is told, here and in the captions.
    run_sync(end_as_host(live_server, meeting))
    page.wait_for_function(
        "() => document.getElementById('view-status').textContent === 'The meeting has ended.'"
    )
    assert "The meeting has ended." in page.locator("#captions [role=log]").inner_text()
    page.context.close()
