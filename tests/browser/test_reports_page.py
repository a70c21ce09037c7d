"""The coordinator's reports page in Chromium, on a known month: axe-core's WCAG 2.2 AA
rules in English and Arabic, every chart with its table, no sideways scrolling on a phone,
and screenshots at phone and desktop size (test-artifacts/screenshots/)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from interp.store.database import Database
from tests.browser.axe import axe_violations, describe, require_axe
from tests.browser.site import (
    DESKTOP,
    PHONE,
    SCREENSHOT_DIR,
    open_with_cookies,
    session_of_new,
)
from tests.helpers.report_history import write_history
from tests.live_server import LiveServer, run_sync, start_live_server

pytestmark = pytest.mark.browser

MARCH = "/coordinator/reports?start=2026-03-01&end=2026-03-31"
BOSS = "boss@example.org"


async def _prepare(server: LiveServer) -> dict[str, str]:
    db = Database(server.settings.effective_database_url)
    try:
        await write_history(db, offered=())
    finally:
        await db.close()
    return await session_of_new(server, BOSS, "coordinator", "Carmen Coordinator")


@pytest.fixture(scope="module")
def signed_in(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[LiveServer, dict[str, str]]]:
    server = start_live_server(tmp_path_factory.mktemp("reports") / "data")
    try:
        yield server, run_sync(_prepare(server))
    finally:
        server.stop()


def _open(browser: Any, server: LiveServer, cookies: dict[str, str], locale: str,
          contrast: str = "standard") -> Any:
    values = {**cookies, "interp_lang": locale, "interp_contrast": contrast}
    return open_with_cookies(browser, server, MARCH, values, viewport=PHONE, bypass_csp=True)


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_reports_page_is_accessible_and_each_chart_has_its_table(
    signed_in: tuple[LiveServer, dict[str, str]], browser: Any, locale: str
) -> None:
    require_axe()
    server, cookies = signed_in
    page = _open(browser, server, cookies, locale)
    try:
        assert page.evaluate("document.documentElement.dir") == ("rtl" if locale == "ar" else "ltr")
        charts = page.locator("svg[role=img]")
        assert charts.count() == 2
        for index in range(charts.count()):
            chart = charts.nth(index)
            name = chart.evaluate(
                "svg => document.getElementById(svg.getAttribute('aria-labelledby')).textContent"
            )
            assert name.strip()
            # The same figures as a table, in the chart's own figure.
            table = chart.locator("xpath=ancestor::figure[1]//table")
            assert table.count() == 1
            assert table.locator("tbody tr").count() >= 2
        # Bars are drawn: Spanish's line has a segment per outcome it had (five).
        assert page.locator("#chart-outcomes rect.chart-edge").count() >= 5
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        for size_name, size in (("phone", PHONE), ("desktop", DESKTOP)):
            page.set_viewport_size(size)
            path = SCREENSHOT_DIR / f"coordinator-reports-march-{locale}-{size_name}.png"
            page.screenshot(path=str(path), full_page=True)
            assert Path(path).stat().st_size > 0
        page.set_viewport_size(PHONE)
        for section in ("outcomes", "waits"):
            page.locator(f"section[aria-labelledby={section}-heading]").screenshot(
                path=str(SCREENSHOT_DIR / f"coordinator-reports-{section}-{locale}-phone.png")
            )
        violations = axe_violations(page)
        assert not violations, f"reports ({locale}):\n{describe(violations)}"
    finally:
        page.context.close()


def test_reports_page_in_high_contrast_is_accessible(
    signed_in: tuple[LiveServer, dict[str, str]], browser: Any
) -> None:
    require_axe()
    server, cookies = signed_in
    page = _open(browser, server, cookies, "en", contrast="high")
    try:
        page.screenshot(
            path=str(SCREENSHOT_DIR / "coordinator-reports-march-en-phone-high-contrast.png"),
            full_page=True,
        )
        violations = axe_violations(page)
        assert not violations, f"reports (high contrast):\n{describe(violations)}"
    finally:
        page.context.close()


def test_the_live_panel_shows_a_new_request_without_a_reload(
    signed_in: tuple[LiveServer, dict[str, str]], browser: Any
) -> None:
    server, cookies = signed_in
    page = _open(browser, server, cookies, "en")
    try:
        assert "Ukrainian" not in page.locator("#live-panel").inner_text()
        made = run_sync(_ask_for_an_interpreter(server, "uk"))
        assert made == 201
        # What the page does every half minute, and at once when it comes back into view.
        page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
        page.locator("#live-panel", has_text="Ukrainian").wait_for(timeout=10_000)
        assert page.locator("#live-heading").count() == 1  # swapped, not nested
    finally:
        page.context.close()


async def _ask_for_an_interpreter(server: LiveServer, language: str) -> int:
    async with httpx.AsyncClient(base_url=server.url) as resident:
        made = await resident.post("/api/requests", json={"language": language, "media": "audio"})
        return made.status_code
