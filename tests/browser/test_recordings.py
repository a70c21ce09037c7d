"""Captioning a recording from the page: upload with a progress bar, the job's progress
followed live and again after a reload, the captions downloaded; no WCAG violations."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from interp.modelstore import resolve_speech_model
from tests.browser.axe import axe_violations, describe, require_axe
from tests.browser.site import PHONE
from tests.caption_sender import INSTALLED_MODELS
from tests.helpers.speech import DATA
from tests.live_server import PASSWORD, LiveServer, run_sync

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CASEWORKER = "kasia@example.org"
SHORT = DATA / "en_speechbrain_spk1_snt1.wav"
LONGER = DATA / "en_jfk_inaugural.flac"
# Long enough for recognition of a short file on a busy machine, and for a page reload.
JOB_MS = 300_000
# Every text the status lines of the page take, in order (the page's own script writes them).
RECORD_STATES = """() => {
  window.__states = [];
  const record = () => {
    for (const el of document.querySelectorAll("#upload-state, .job-state")) {
      const text = el.textContent.trim();
      if (text && window.__states[window.__states.length - 1] !== text) window.__states.push(text);
    }
  };
  new MutationObserver(record).observe(document.body,
    {subtree: true, childList: true, characterData: true, attributes: true});
}"""


@pytest.fixture
def captioning(live_server: LiveServer) -> LiveServer:
    try:
        resolve_speech_model(INSTALLED_MODELS, "whisper-base")
    except Exception as exc:  # the model store says what to install
        pytest.skip(str(exc))
    run_sync(live_server.create_account(CASEWORKER, "caseworker", name="Kasia"))
    return live_server


@pytest.fixture
def page(browser: Any, captioning: LiveServer) -> Iterator[Any]:
    # bypass_csp: lets axe's injected script run (pages allow no inline scripts).
    context = browser.new_context(viewport=PHONE, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{captioning.url}/login")
    page.get_by_label("Email address").fill(CASEWORKER)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/caseworker")
    page.get_by_role("link", name="Recordings").click()
    page.wait_for_url("**/recordings")
    yield page
    context.close()


def upload(page: Any, recording: Path) -> Any:
    """Choose the file, send the form by keyboard; the new recording's list item."""
    page.get_by_label("Audio or video file").set_input_files(str(recording))
    page.get_by_label("Language spoken").select_option("en")
    page.get_by_role("button", name="Upload and caption").focus()
    page.keyboard.press("Enter")
    item = page.locator("#job-list li.job", has_text=recording.name)
    item.wait_for()
    return item


def test_a_recording_is_uploaded_followed_and_its_captions_downloaded(page: Any) -> None:
    require_axe()
    assert page.locator("#no-recordings").is_visible()
    page.evaluate(RECORD_STATES)
    item = upload(page, SHORT)
    download = item.get_by_role("button", name="Download WebVTT")
    download.wait_for(timeout=JOB_MS)
    states = page.evaluate("window.__states")
    assert states[0].startswith("Uploading")
    assert "Upload complete. Checking the file…" in states
    assert "Captions ready" in states
    job_states = states[states.index("Upload complete. Checking the file…") + 1:]
    assert job_states.index("Captions ready") > 0  # waiting or progress came first
    assert page.locator("#upload-bar").get_attribute("value") == "100"
    assert page.locator("#announcer").get_attribute("aria-live") == "polite"

    with page.expect_download() as started:
        download.click()
    saved = started.value
    assert saved.suggested_filename == "en_speechbrain_spk1_snt1.en.vtt"
    vtt = Path(saved.path()).read_text(encoding="utf-8")
    assert vtt.startswith("WEBVTT") and "dog" in vtt.lower()

    violations = axe_violations(page)
    assert not violations, describe(violations)


def test_progress_is_followed_again_after_a_reload(page: Any) -> None:
    item = upload(page, LONGER)
    page.reload()
    item = page.locator("#job-list li.job", has_text=LONGER.name)
    state = item.locator(".job-state")
    assert state.inner_text() in ("Waiting to start", "Captions ready") or state.inner_text(
    ).startswith("Captioning: ")
    item.get_by_role("button", name="Download SRT").wait_for(timeout=JOB_MS)
    assert state.inner_text() == "Captions ready"
    page.reload()
    assert page.locator("#job-list li.job .job-state").inner_text() == "Captions ready"


@pytest.mark.server_settings(upload_max_mb=1)
def test_a_file_over_the_limit_is_refused_before_it_is_sent(
    page: Any, captioning: LiveServer, tmp_path: Path
) -> None:
    big = tmp_path / "long meeting.wav"
    big.write_bytes(b"\0" * (1024 * 1024 + 1))
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.method))
    page.get_by_label("Audio or video file").set_input_files(str(big))
    page.get_by_role("button", name="Upload and caption").click()
    error = page.locator("#upload-error")
    error.wait_for()
    assert error.get_attribute("role") == "alert"
    assert "larger than 1 MB" in error.inner_text()
    assert "POST" not in requests
    assert page.locator("#job-list li.job").count() == 0
