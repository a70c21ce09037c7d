"""Language, text size and contrast: chosen on any page, remembered, with or without JS."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.site import PHONE
from tests.live_server import LiveServer

pytestmark = pytest.mark.browser

ROOT_STATE = """() => [document.documentElement.lang, document.documentElement.dir,
  document.documentElement.dataset.textSize, document.documentElement.dataset.contrast,
  getComputedStyle(document.body).backgroundColor]"""


def test_display_settings_apply_at_once_and_are_remembered(
    live_server: LiveServer, browser: Any
) -> None:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(live_server.url + "/request")
    page.get_by_text("Text size and contrast").click()
    page.get_by_label("Contrast").select_option("high")
    page.get_by_label("Text size").select_option("3")
    # Applied without submitting the form: no reload, the page keeps what was typed.
    assert page.evaluate(ROOT_STATE)[2:] == ["3", "high", "rgb(0, 0, 0)"]
    assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "24px"
    page.goto(live_server.url + "/")
    assert page.evaluate(ROOT_STATE)[2:] == ["3", "high", "rgb(0, 0, 0)"]
    context.close()


def test_everything_works_without_javascript(live_server: LiveServer, browser: Any) -> None:
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/request")
    page.get_by_label("Language", exact=True).select_option("ur")
    page.get_by_role("button", name="Change").click()
    page.wait_for_load_state("load")
    assert page.evaluate(ROOT_STATE)[:2] == ["ur", "rtl"]
    assert page.locator("h1").inner_text() == "ترجمان مانگیں"

    page.locator("summary").click()
    page.locator("#contrast-select").select_option("high")
    page.locator("#text-size-select").select_option("2")
    page.locator(".display-form button").click()
    page.wait_for_load_state("load")
    assert page.evaluate(ROOT_STATE) == ["ur", "rtl", "2", "high", "rgb(0, 0, 0)"]
    # Remembered for the next page too.
    page.goto(live_server.url + "/")
    assert page.evaluate(ROOT_STATE) == ["ur", "rtl", "2", "high", "rgb(0, 0, 0)"]
    context.close()


def test_browser_language_is_used_until_the_person_chooses(
    live_server: LiveServer, browser: Any
) -> None:
    context = browser.new_context(viewport=PHONE, locale="uk-UA")
    page = context.new_page()
    page.goto(live_server.url + "/request")
    assert page.evaluate(ROOT_STATE)[0] == "uk"
    assert page.locator("h1").inner_text() == "Попросити перекладача"
    page.get_by_label("Мова", exact=True).select_option("es")
    page.get_by_role("button", name="Змінити").click()
    page.wait_for_function("() => document.documentElement.lang === 'es'")
    page.goto(live_server.url + "/")
    assert page.evaluate(ROOT_STATE)[0] == "es"
    context.close()
