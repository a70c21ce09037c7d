"""Browser fixtures: Debian's Chromium driven by Playwright's synchronous API.

Module-scoped: Playwright's synchronous API runs an event loop of its own, which must be
closed before the async tests of other modules run theirs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.site import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium with a fake camera and microphone (permission granted)."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
