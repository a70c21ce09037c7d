"""Every page of interp passes axe-core's WCAG 2.2 AA rules, in English and in Arabic.

The pages come from the app's own routes, so a new page fails
``test_every_page_is_checked`` until ``tests/browser/site.py`` says how to reach it.
Each page is also photographed at phone and desktop size into test-artifacts/screenshots/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.axe import axe_violations, describe, require_axe
from tests.browser.site import (
    DESKTOP,
    PHONE,
    SCREENSHOT_DIR,
    Site,
    open_page,
    running_site,
    slug,
)

pytestmark = pytest.mark.browser

LOCALES = ["en", "ar"]
NARROW = {"width": 320, "height": 640}
# Page names as site.py lists them; the test below makes sure none is missing.
PAGES = [
    "/", "/login", "/setup/{token}", "/invite/{token}", "/account", "/account/notifications",
    "/volunteer",
    "/volunteer/history", "/volunteer/history/summary",
    "/rooms/{room_id}", "/coordinator", "/coordinator/reports", "/coordinator/settings",
    "/coordinator/feedback", "/call/{token}/feedback", "/calls/{room_id}/feedback",
    "/calls/{room_id}/safeguarding",
    "/caseworker", "/request",
    "/r/{token}", "/q/{token}",
    "/call/{token}", "/v/{token}", "call in sign language", "call with automatic interpretation",
    "link not valid", "/recordings", "transcript needs a translation model",
    "/meetings", "/meetings/{id}", "/meetings/{id}/call", "meeting in a room, host's call page",
    "/bookings",
    "/j/{token}", "/m/{token}",
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with running_site(tmp_path_factory.mktemp("a11y") / "data") as site:
        yield site


def test_every_page_is_checked(site: Site) -> None:
    unchecked = site.page_routes() - set(PAGES)
    assert not unchecked, (
        "pages with no accessibility check (add them to tests/browser/site.py and PAGES): "
        f"{sorted(unchecked)}"
    )
    assert set(PAGES) == set(site.visits)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("name", PAGES)
def test_page_has_no_wcag_violations(site: Site, browser: Any, name: str, locale: str) -> None:
    require_axe()
    # Pages forbid inline scripts (CSP); the context lets axe's injected script run.
    page = open_page(browser, site, site.visits[name], locale, viewport=PHONE, bypass_csp=True)
    try:
        assert page.evaluate("document.documentElement.lang") == locale
        assert page.evaluate("document.documentElement.dir") == ("rtl" if locale == "ar" else "ltr")
        save_screenshots(page, name, locale)
        # WCAG 1.4.10 Reflow: at 320 CSS pixels wide nothing needs scrolling sideways.
        page.set_viewport_size(NARROW)
        assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"], (
            f"{name} ({locale}) scrolls sideways at {NARROW['width']} px"
        )
        page.set_viewport_size(PHONE)
        violations = axe_violations(page)
        assert not violations, f"{name} ({locale}):\n{describe(violations)}"
        page.set_viewport_size(DESKTOP)
        violations = axe_violations(page)
        assert not violations, f"{name} ({locale}, desktop):\n{describe(violations)}"
    finally:
        page.context.close()


FOCUS_WALK = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const r = el.getBoundingClientRect();
  return {
    what: el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' '
          + (el.textContent || '').trim().slice(0, 30),
    body: el === document.body,
    inline: style.display === 'inline',
    visible: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
    size: [r.width, r.height],
  };
}"""


@pytest.mark.parametrize("name", PAGES)
def test_tab_reaches_every_control_with_visible_focus(site: Site, browser: Any, name: str) -> None:
    page = open_page(browser, site, site.visits[name], "en", viewport=PHONE)
    try:
        seen: list[str] = []
        for _ in range(400):  # the coordinator's page lists every known language
            page.keyboard.press("Tab")
            focused = page.evaluate(FOCUS_WALK)
            if focused["body"] or (seen and focused["what"] == seen[0]):
                break  # focus went round the whole page
            assert focused["visible"], f"{name}: no visible focus on {focused['what']}"
            # WCAG 2.5.8 exempts links inside a sentence; every other control is >= 24 px.
            if not focused["inline"]:
                assert min(focused["size"]) >= 24, f"{name}: {focused['what']} is under 24 px"
            seen.append(focused["what"])
        else:
            raise AssertionError(f"{name}: Tab never leaves the page (a keyboard trap?)")
        assert seen and seen[0].startswith("a ") and "Skip to main content" in seen[0]
    finally:
        page.context.close()


RESIDENT_PAGES = [
    "/request", "/q/{token}", "/call/{token}", "call with automatic interpretation",
    "link not valid",
]


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("name", RESIDENT_PAGES)
def test_resident_page_in_high_contrast_and_largest_text(
    site: Site, browser: Any, name: str, locale: str
) -> None:
    require_axe()
    preferences = {"interp_contrast": "high", "interp_text_size": "4"}
    page = open_page(browser, site, site.visits[name], locale, preferences, viewport=PHONE,
                     bypass_csp=True)
    try:
        root = page.evaluate("[document.documentElement.dataset.contrast, "
                             "getComputedStyle(document.documentElement).fontSize]")
        assert root == ["high", "32px"]
        page.screenshot(path=str(SCREENSHOT_DIR / f"{slug(name)}-{locale}-phone-high-contrast.png"),
                        full_page=True)
        violations = axe_violations(page)
        assert not violations, f"{name} ({locale}, high contrast):\n{describe(violations)}"
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], (
            f"{name} ({locale}) scrolls sideways at the largest text size"
        )
    finally:
        page.context.close()


def save_screenshots(page: Any, name: str, locale: str) -> None:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    for size_name, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        path = SCREENSHOT_DIR / f"{slug(name)}-{locale}-{size_name}.png"
        page.screenshot(path=str(path), full_page=True)
        assert Path(path).stat().st_size > 0
    page.set_viewport_size(PHONE)


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_sign_language_call_puts_the_interpreter_first_and_large(
    site: Site, browser: Any, size: dict[str, int]
) -> None:
    page = open_page(browser, site, site.visits["call in sign language"], "en", viewport=size)
    try:
        assert "sign-language" in (page.locator("#call").get_attribute("class") or "")
        main = page.locator(".video-tile.main video").bounding_box()
        own = page.locator(".video-tile:not(.main) video").bounding_box()
        controls = page.locator(".call-controls").bounding_box()
        assert main and own and controls
        # The interpreter's video comes first, is the largest thing on screen, and is
        # tall enough to show hands and face together.
        assert main["y"] < own["y"] and main["y"] < controls["y"]
        assert main["height"] >= 0.5 * size["height"]
        assert main["height"] > main["width"] * 0.9 or main["height"] >= 0.75 * size["height"]
        assert main["width"] * main["height"] > 4 * own["width"] * own["height"]
    finally:
        page.context.close()
