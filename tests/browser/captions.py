"""What a call page's caption areas show, read from real Chromium, and waiting for it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.caption_sender import joined_speech
from tests.helpers.speech import DATA

PlaywrightTimeout = pytest.importorskip("playwright.sync_api").TimeoutError

ENGLISH = DATA / "en_librispeech_1272-128104-0000.wav"
ENGLISH_REFERENCE = (
    "mr quilter is the apostle of the middle classes and we are glad to welcome his gospel"
)
# Silence after each pass of a recording (Chromium plays the file over and over), long
# enough for the captioner to end the sentence there.
PAUSE_S = 3.0
# Generous: the speech model's first load and recognition on a busy, shared machine.
CAPTION_MS = 120_000
MACHINE_TRANSLATION = "Machine translation, may contain mistakes"

# Each final caption shown in a caption area, in order: its blocks (at most two lines
# each) joined again. `speaker`: the name its first block carries (shown where the speaker
# changed, else for screen readers only); `notice`: the panel's machine-translation notice
# when the caption is machine-translated and the notice shows, else "".
SEGMENTS = """id => {
  const segments = new Map();
  const notice = document.querySelector(`#${id} .captions-translation-notice`);
  for (const block of document.querySelectorAll(`#${id} [role=log] .caption-block`)) {
    const name = block.querySelector(".caption-speaker .caption-name");
    const body = block.querySelector(".caption-text");
    const translated = block.classList.contains("caption-translated") && notice && !notice.hidden;
    const segment = segments.get(block.dataset.key) || {
      key: block.dataset.key,
      speaker: name ? name.textContent.trim() : "",
      notice: translated ? notice.textContent : "",
      lang: body.lang,
      parts: [],
    };
    segment.parts.push(body.textContent);
    segments.set(block.dataset.key, segment);
  }
  return [...segments.values()].map(({ parts, ...s }) => ({ ...s, text: parts.join(" ") }));
}"""


# Uncaught script errors of each watched page, by id(page).
_SCRIPT_ERRORS: dict[int, list[str]] = {}


def watched(page: Any) -> Any:
    """The page, its uncaught script errors kept for ``no_script_errors`` and failure messages."""
    errors: list[str] = []
    _SCRIPT_ERRORS[id(page)] = errors
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page


def no_script_errors(*pages: Any) -> None:
    for page in pages:
        errors = _SCRIPT_ERRORS.get(id(page), [])
        assert not errors, f"{page.url} raised: {errors}"


def shown(page: Any, area: str) -> dict[str, Any]:
    """What a caption area and the page's caption notices show (for failure messages)."""
    return {
        "finals": segments(page, area),
        "tentative": page.locator(f"#{area} .captions-tentative-area").all_inner_texts(),
        "notices": page.locator(".caption-controls, [id$=model-notice]").all_inner_texts(),
        "state": page.locator("#connection-state").inner_text(),
        "script errors": _SCRIPT_ERRORS.get(id(page), []),
    }


def until(page: Any, predicate: str, arg: Any = None, *, what: str, area: str = "captions") -> None:
    """Waits for a script predicate to hold; if it never does, says what the page showed."""
    try:
        page.wait_for_function(predicate, arg=arg, timeout=CAPTION_MS)
    except PlaywrightTimeout:
        raise AssertionError(f"{what}; the page shows {shown(page, area)}") from None


def segments(page: Any, area: str) -> list[dict[str, str]]:
    found: list[dict[str, str]] = page.evaluate(SEGMENTS, area)
    return found


def wait_for_segment(
    page: Any,
    area: str,
    speaker: str,
    translated: bool,
    exclude: frozenset[str] = frozenset(),
    containing: str = "",
) -> dict[str, str]:
    """The first final caption in ``area`` from ``speaker`` (a label), translated or not,
    whose key is not in ``exclude`` and whose text has ``containing`` (any case); waits for
    one to arrive."""
    until(
        page,
        f"""([area, speaker, translated, exclude, containing]) =>
          ({SEGMENTS})(area).some((s) => s.speaker === speaker
            && Boolean(s.notice) === translated && s.text.trim() && !exclude.includes(s.key)
            && s.text.toLowerCase().includes(containing))""",
        [area, speaker, translated, sorted(exclude), containing.lower()],
        what=f"no caption from {speaker!r} (translated: {translated}) in #{area}",
        area=area,
    )
    return next(
        s for s in segments(page, area)
        if s["speaker"] == speaker and bool(s["notice"]) == translated and s["text"].strip()
        and s["key"] not in exclude and containing.lower() in s["text"].lower()
    )


def wait_for_key(page: Any, area: str, key: str) -> dict[str, str]:
    """The caption with ``key`` (speaker stream and utterance) in ``area``, once it arrived."""
    until(
        page, f"([area, key]) => ({SEGMENTS})(area).some((s) => s.key === key)", [area, key],
        what=f"no caption {key} in #{area}", area=area,
    )
    return next(s for s in segments(page, area) if s["key"] == key)


def wait_for_words(page: Any, area: str, speaker: str, reference: str, share: float) -> None:
    """Waits until ``speaker``'s captions in ``area`` have shown at least ``share`` of the
    reference's words (in any of the passes of the looping recording)."""
    until(
        page,
        "([area, speaker, expected, share]) => {"
        "  const heard = new Set((" + SEGMENTS + ")(area)"
        "    .filter((s) => s.speaker === speaker)"
        "    .flatMap((s) => s.text.toLowerCase().replace(/[^\\p{L}\\p{N}\\s']/gu, ' ')"
        "      .split(/\\s+/)));"
        "  return expected.filter((word) => heard.has(word)).length >= share * expected.length;"
        "}",
        [area, speaker, words(reference), share],
        what=f"{speaker!r} in #{area} never showed {share:.0%} of {reference!r}",
        area=area,
    )


def captions_toggle_pressed(page: Any, pressed: bool) -> None:
    until(
        page,
        "pressed => document.getElementById('captions-toggle').getAttribute('aria-pressed')"
        " === String(pressed)",
        pressed, what=f"the captions toggle is not pressed={pressed}",
    )


def words(text: str) -> list[str]:
    return re.sub(r"[^\w\s']", " ", text.lower()).split()


def share_of_words(reference: str, heard: str) -> float:
    """How many of the reference's words are among the words heard (order aside)."""
    expected, got = words(reference), set(words(heard))
    return sum(word in got for word in expected) / len(expected)


def speech_wav(recordings: list[Path], dest: Path) -> Path:
    """A WAV for Chromium's fake microphone: the recordings in turn, each followed by a pause."""
    return joined_speech(recordings, dest, pause_s=PAUSE_S)
