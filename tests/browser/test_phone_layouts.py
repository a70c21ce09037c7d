"""The call page, the face-to-face view and the caption view are one screen each, as in a
video-call app: on a phone (360 × 740, upright and on its side) and on a desktop, in English
and in Arabic (right to left), at the standard and at the largest text size, nothing needs
scrolling; the video (or the interpreter's), a caption area showing at least four lines at
the usual caption size, and the bar of controls are all on screen, and the captions never
cover the video. Each state is photographed into test-artifacts/screenshots/.

One call (and one face-to-face page, one caption view) per language serves every size: the
viewport and the text size change on the open page, since calls are slow to start.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.pages import STEP_MS, call_state, remote_media_playing
from tests.browser.site import SCREENSHOT_DIR, both_sides_of_a_call
from tests.helpers.meetings import create_meeting
from tests.live_server import LiveServer, run_sync, start_live_server

pytestmark = pytest.mark.browser

PORTRAIT = {"width": 360, "height": 740}
LANDSCAPE = {"width": 740, "height": 360}
DESKTOP = {"width": 1280, "height": 800}
VIEWPORTS = {"phone": PORTRAIT, "phone-landscape": LANDSCAPE, "desktop": DESKTOP}
LOCALES = ["en", "ar"]
# The page's text size (preferences.js): "1" standard, "4" the largest.
TEXT_SIZES = {"standard": "1", "largest": "4"}
LARGEST_CAPTIONS = "4"
SLACK = 0.5  # CSS pixels of rounding

# Boxes and figures of the open page: each selector's first element's box (null when the
# element is missing or not shown); how many lines of its own line height each caption log
# shows; whether the page scrolls.
MEASURE = """selectors => {
  const box = (el) => {
    if (!el || !el.getClientRects().length) return null;
    const r = el.getBoundingClientRect();
    return { left: r.left, top: r.top, right: r.right, bottom: r.bottom,
             width: r.width, height: r.height };
  };
  const lines = (log) => {
    const style = getComputedStyle(log);
    const inner = log.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
    return inner / parseFloat(style.lineHeight);
  };
  const boxes = {};
  for (const [name, selector] of Object.entries(selectors)) {
    boxes[name] = box(document.querySelector(selector));
  }
  const bar = document.querySelector('.call-bar');
  return {
    boxes,
    lines: [...document.querySelectorAll('.captions-log')].map(lines),
    buttons: bar ? [...bar.querySelectorAll('button')].filter((b) => b.getClientRects().length)
      .map((b) => ({ id: b.id, box: box(b), label: box(b.querySelector('.bar-label') || b) })) : [],
    scrollHeight: document.scrollingElement.scrollHeight,
    scrollWidth: document.scrollingElement.scrollWidth,
    width: innerWidth,
    height: innerHeight,
  };
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # Automatic interpretation is offered after a second's wait; every page comes from one
    # address, so its limits on requests and machine rooms are raised.
    running = start_live_server(
        tmp_path_factory.mktemp("layouts") / "data", fallback_wait_s=1,
        limit_requests_per_address="100/600", limit_machine_rooms_per_address="100/600",
    )
    try:
        yield running
    finally:
        running.stop()


def open_as(
    browser: Any, server: LiveServer, where: tuple[str, dict[str, str]], locale: str
) -> Any:
    path, session = where
    context = browser.new_context(viewport=PORTRAIT)
    context.add_cookies([{"name": name, "value": value, "url": server.url}
                         for name, value in {"interp_lang": locale, **session}.items()])
    page = context.new_page()
    page.goto(server.url + path)
    return page


@pytest.fixture(scope="module", params=LOCALES)
def call_page(request: pytest.FixtureRequest, server: LiveServer, browser: Any) -> Iterator[Any]:
    """The resident's page of a connected video call, in the parameter's language."""
    sides = run_sync(both_sides_of_a_call(server))
    interpreter = open_as(browser, server, sides["interpreter"], "en")
    resident = open_as(browser, server, sides["resident"], request.param)
    try:
        call_state(resident, "connected")
        remote_media_playing(resident, video=True)
        yield resident
    finally:
        resident.context.close()
        interpreter.context.close()


def choose_automatic_interpretation(browser: Any, server: LiveServer, locale: str) -> Any:
    """A resident asks for an interpreter, nobody is free, and they choose automatic
    interpretation: their face-to-face page, joined."""
    page = open_as(browser, server, ("/request", {}), locale)
    page.locator("select[name=language]").select_option("es")
    page.locator("input[name=media][value=audio]").check()
    page.locator("form.request-form button[type=submit]").click()
    page.locator("#long-wait").wait_for(state="visible", timeout=STEP_MS)
    page.locator("#machine-button").click()
    page.wait_for_url("**/call/**", timeout=STEP_MS)
    page.wait_for_load_state("load")
    return page


@pytest.fixture(scope="module", params=LOCALES)
def face_to_face_page(
    request: pytest.FixtureRequest, server: LiveServer, browser: Any
) -> Iterator[Any]:
    """The resident's face-to-face page, listening (its explanation gone)."""
    page = choose_automatic_interpretation(browser, server, request.param)
    try:
        call_state(page, "machineOn")
        # Before anything listens: what this is, and Start listening, in view.
        start = page.locator("#start-listening")
        screenshot(page, f"layout-face-to-face-{request.param}-phone-before-start")
        figures = measure(page, {"start": "#start-listening"})
        assert inside(figures["boxes"]["start"], figures), "Start listening is not on the screen"
        no_page_scroll(figures, "face to face, before start")
        start.click()
        page.locator("#machine-banner").wait_for(state="hidden", timeout=STEP_MS)
        yield page
    finally:
        page.context.close()


@pytest.fixture(scope="module", params=LOCALES)
def caption_view_page(
    request: pytest.FixtureRequest, server: LiveServer, browser: Any
) -> Iterator[Any]:
    made = run_sync(create_meeting(server, "Housing advice", ("es", "ar")))
    page = open_as(browser, server, (f"/v/{made.view_token}", {}), request.param)
    try:
        page.wait_for_function(
            "() => document.getElementById('caption-view').dataset.state === 'open'")
        yield page
    finally:
        page.context.close()


def show(page: Any, viewport: dict[str, int], text_size: str, caption_size: str = "1") -> None:
    """The open page at this size, page text size and caption size (as the preferences and
    the caption display set them), once its layout has settled."""
    page.set_viewport_size(viewport)
    page.evaluate(
        """([text, captions]) => {
          document.documentElement.dataset.textSize = text;
          for (const area of document.querySelectorAll('.captions')) {
            area.dataset.captionSize = captions;
          }
        }""",
        [text_size, caption_size],
    )
    page.evaluate(
        "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")


def measure(page: Any, selectors: dict[str, str]) -> dict[str, Any]:
    figures: dict[str, Any] = page.evaluate(MEASURE, selectors)
    return figures


def screenshot(page: Any, name: str) -> None:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path))
    assert Path(path).stat().st_size > 0


def inside(box: dict[str, float] | None, figures: dict[str, Any]) -> bool:
    return bool(box) and box is not None and (
        box["left"] >= -SLACK and box["top"] >= -SLACK
        and box["right"] <= figures["width"] + SLACK and box["bottom"] <= figures["height"] + SLACK
    )


def overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (min(a["right"], b["right"]) - max(a["left"], b["left"]) > SLACK
            and min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) > SLACK)


def no_page_scroll(figures: dict[str, Any], what: str) -> None:
    assert figures["scrollHeight"] <= figures["height"], f"{what}: the page scrolls down"
    assert figures["scrollWidth"] <= figures["width"], f"{what}: the page scrolls sideways"


def all_on_screen(figures: dict[str, Any], what: str) -> None:
    for name, box in figures["boxes"].items():
        assert inside(box, figures), f"{what}: the {name} is not all on screen"


def four_lines(figures: dict[str, Any], what: str) -> None:
    shown = min(figures["lines"])
    assert shown >= 4 - 0.05, f"{what}: the captions show {shown:.1f} lines"


def bar_is_usable(figures: dict[str, Any], what: str) -> None:
    assert figures["buttons"], f"{what}: no control bar"
    for button in figures["buttons"]:
        box, label = button["box"], button["label"]
        assert inside(box, figures), f"{what}: {button['id']} is off the screen"
        assert box["width"] >= 44 - SLACK and box["height"] >= 44 - SLACK, (
            f"{what}: {button['id']} is smaller than 44 × 44 px")
        assert label and label["height"] > 0 and inside(label, figures), (
            f"{what}: {button['id']} has no visible label")


def with_largest_captions(page: Any, viewport: str, text: str, selectors: dict[str, str],
                          what: str) -> dict[str, Any]:
    """The largest caption size fits too: fewer lines, the log scrolls inside, the page
    never does. Returns the figures; the page is back at the usual caption size after."""
    show(page, VIEWPORTS[viewport], TEXT_SIZES[text], LARGEST_CAPTIONS)
    try:
        figures = measure(page, selectors)
        no_page_scroll(figures, f"{what}, largest captions")
        all_on_screen(figures, f"{what}, largest captions")
        return figures
    finally:
        show(page, VIEWPORTS[viewport], TEXT_SIZES[text])


def described(page: Any, what: str, viewport: str, text: str) -> tuple[str, str]:
    """(a description for messages, a screenshot name) of this case."""
    locale = page.evaluate("document.documentElement.lang")
    return (f"{what}, {viewport}, {locale}, {text} text",
            f"layout-{what.replace(' ', '-')}-{locale}-{viewport}-{text}-text")


CASES = [
    pytest.param(viewport, text, id=f"{viewport}-{text}")
    for viewport in VIEWPORTS for text in TEXT_SIZES
]
CALL = {"videos": "#call-videos", "video": "#remote-video", "band": "#call-captions",
        "log": "#captions .captions-log", "bar": ".call-bar", "chat": "#chat-text"}


@pytest.mark.parametrize(("viewport", "text"), CASES)
def test_the_call_is_one_screen(call_page: Any, viewport: str, text: str) -> None:
    what, name = described(call_page, "call", viewport, text)
    show(call_page, VIEWPORTS[viewport], TEXT_SIZES[text])
    screenshot(call_page, name)
    figures = measure(call_page, CALL)
    boxes = figures["boxes"]
    no_page_scroll(figures, what)
    all_on_screen(figures, what)
    four_lines(figures, what)
    assert not overlap(boxes["band"], boxes["videos"]), f"{what}: the captions cover the video"
    # The other person's video is the largest thing on the screen.
    assert boxes["video"]["height"] >= 0.25 * figures["height"], f"{what}: the video is too small"
    bar_is_usable(figures, what)
    largest = with_largest_captions(call_page, viewport, text, CALL, what)
    assert not overlap(largest["boxes"]["band"], largest["boxes"]["videos"])


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_captions_first_makes_the_band_the_larger_part(call_page: Any, viewport: str) -> None:
    what, name = described(call_page, "call captions first", viewport, "standard")
    show(call_page, VIEWPORTS[viewport], TEXT_SIZES["standard"])
    call_page.evaluate("document.getElementById('call').classList.add('captions-first')")
    try:
        screenshot(call_page, name)
        figures = measure(call_page, CALL)
        no_page_scroll(figures, what)
        all_on_screen(figures, what)
        band, videos = figures["boxes"]["band"], figures["boxes"]["videos"]
        assert band["width"] * band["height"] > videos["width"] * videos["height"], (
            f"{what}: the captions are not the larger part")
        assert videos["height"] >= 60, f"{what}: the video is gone"
        assert not overlap(band, videos)
        four_lines(figures, what)
        bar_is_usable(figures, what)
    finally:
        call_page.evaluate("document.getElementById('call').classList.remove('captions-first')")


def test_settings_open_in_a_sheet(call_page: Any) -> None:
    """The caption switches and language, the caption text size, Save data and the page's
    preferences are in a modal sheet on the screen; Escape closes it."""
    show(call_page, PORTRAIT, TEXT_SIZES["standard"])
    sheet = call_page.locator("#call-settings")
    assert not sheet.is_visible()
    call_page.locator("#settings-button").click()
    assert call_page.evaluate("document.getElementById('call-settings').matches(':modal')")
    for control in ("#captions-toggle", "#caption-language", "#save-data-button",
                    "#caption-size-controls .captions-larger", "#text-size-select",
                    "#language-select"):
        assert sheet.locator(control).is_visible(), f"{control} is not in the settings sheet"
    locale = call_page.evaluate("document.documentElement.lang")
    screenshot(call_page, f"layout-call-settings-{locale}-phone")
    box = sheet.bounding_box()
    assert box and box["y"] >= 0 and box["y"] + box["height"] <= PORTRAIT["height"] + SLACK
    call_page.keyboard.press("Escape")
    assert not sheet.is_visible()
    assert call_page.evaluate("document.activeElement.id") == "settings-button"


FACE = {"desk": "#desk-half", "resident": "#resident-half", "bar": ".call-bar",
        "desk log": "#captions-desk .captions-log",
        "resident log": "#captions-resident .captions-log", "toggle": "#captions-toggle"}


@pytest.mark.parametrize(("viewport", "text"), CASES)
def test_face_to_face_is_two_halves_of_one_screen(
    face_to_face_page: Any, viewport: str, text: str
) -> None:
    page = face_to_face_page
    what, name = described(page, "face to face", viewport, text)
    show(page, VIEWPORTS[viewport], TEXT_SIZES[text])
    screenshot(page, name)
    figures = measure(page, FACE)
    no_page_scroll(figures, what)
    all_on_screen(figures, what)
    desk, resident = figures["boxes"]["desk"], figures["boxes"]["resident"]
    assert not overlap(desk, resident), f"{what}: the halves overlap"
    assert abs(desk["height"] - resident["height"]) <= 1, f"{what}: the halves differ"
    assert abs(desk["width"] - resident["width"]) <= 1, f"{what}: the halves differ"
    # The halves share the screen: only the listening switch (and any notice) lies between.
    if viewport == "phone":
        assert desk["height"] >= 0.35 * figures["height"], f"{what}: a half is too small"
    else:
        assert desk["width"] >= 0.35 * figures["width"], f"{what}: a half is too narrow"
    four_lines(figures, what)
    # The top (or first) half is turned round for the person opposite.
    assert "facing-away" in (page.locator("#desk-half").get_attribute("class") or "")
    bar_is_usable(figures, what)
    with_largest_captions(page, viewport, text, FACE, what)


def test_each_half_keeps_its_own_text_size(face_to_face_page: Any) -> None:
    page = face_to_face_page
    show(page, PORTRAIT, TEXT_SIZES["standard"])
    page.evaluate("() => localStorage.clear()")
    page.locator("#captions-resident .captions-larger").click()
    sizes = page.evaluate("() => ['captions-desk', 'captions-resident']"
                          ".map((id) => document.getElementById(id).dataset.captionSize)")
    assert sizes == ["1", "2"]
    stored = page.evaluate("() => ({ ...localStorage })")
    assert stored.get("interp.captionSize.resident") == "2"
    assert "interp.captionSize.desk" not in stored
    page.locator("#captions-resident .captions-smaller").click()


VIEW = {"header": ".caption-view-top", "log": "#captions .captions-log",
        "language": "#view-language", "settings": "#view-settings-button",
        "full screen": "#fullscreen-button"}


@pytest.mark.parametrize(("viewport", "text"), CASES)
def test_the_caption_view_is_one_screen(caption_view_page: Any, viewport: str, text: str) -> None:
    page = caption_view_page
    what, name = described(page, "caption view", viewport, text)
    show(page, VIEWPORTS[viewport], TEXT_SIZES[text])
    screenshot(page, name)
    figures = measure(page, VIEW)
    no_page_scroll(figures, what)
    all_on_screen(figures, what)
    four_lines(figures, what)
    with_largest_captions(page, viewport, text, VIEW, what)
