"""Browser fixtures: Debian's Chromium driven by Playwright's synchronous API.

Module-scoped: Playwright's synchronous API runs an event loop of its own, which must be
closed before the async tests of other modules run theirs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.site import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture(scope="module")
def playwright() -> Iterator[Any]:
    """One Playwright per module (its synchronous API allows no second one at a time)."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as running:
        yield running


@pytest.fixture(scope="module")
def browser(playwright: Any) -> Iterator[Any]:
    """Headless Chromium with a fake camera and microphone (permission granted)."""
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def browser_hearing(playwright: Any) -> Iterator[Callable[[Path], Any]]:
    """Launches a Chromium whose fake microphone plays a WAV file, over and over (the flag
    is per browser, so each speaker with a voice of their own needs a Chromium of their own).
    The browsers close when the test ends."""
    launched: list[Any] = []

    def launch(recording: Path) -> Any:
        args = [*CHROMIUM_ARGS, f"--use-file-for-fake-audio-capture={recording}"]
        launched.append(playwright.chromium.launch(executable_path=CHROMIUM, args=args))
        return launched[-1]

    yield launch
    for browser in launched:
        browser.close()
