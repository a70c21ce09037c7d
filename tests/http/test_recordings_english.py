"""A recording in a language no installed model translates from still gets English: the
speech model's own (Whisper's translate task), made with the captions, and from it the
languages the installed models translate English into. Sizes are written in kB or MB,
as the reader's language writes them."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from interp.http.recording_pages import file_size
from tests.caption_sender import translating_server
from tests.helpers.recordings import finished, staff, upload_file
from tests.helpers.speech import DATA
from tests.live_server import LiveServer

SPANISH = DATA / "es_fleurs_000.ogg"
# "Travelers are strongly advised to be aware of any risk of extreme weather in the area
# they are visiting, as it may affect their travel plans": words any fair English has.
ENGLISH_WORDS = {"travelers", "travellers", "travel", "weather", "extreme", "risk", "area",
                 "plans", "advised", "recommended", "visit", "visiting"}
SPANISH_WORDS = {"se", "los", "que", "sobre", "viajeros", "clima", "puede", "sus"}


def words(text: str) -> set[str]:
    return set(re.findall(r"[^\W\d_]+", re.sub(r"\[[\d:]+\]", " ", text).lower()))


@pytest.fixture
def without_spanish_to_english(
    tmp_path: Path, argos_home: None, argos_archives: Mapping[tuple[str, str], Path]
) -> Iterator[LiveServer]:
    """The speech model, and the test packages en→es and en→fr but not es→en."""
    archives = {pair: path for pair, path in argos_archives.items() if pair != ("es", "en")}
    with translating_server(tmp_path, archives) as server:
        yield server


@pytest.mark.slow
async def test_spanish_gets_english_from_the_speech_model_and_french_from_that(
    without_spanish_to_english: LiveServer,
) -> None:
    server = without_spanish_to_english
    async with staff(server, "kasia") as kasia:
        page = (await kasia.get("/recordings")).text
        assert 'value="en"' in page  # English is offered at upload without an es→en model
        job = await upload_file(kasia, SPANISH, translate_to="en")
        done, _ = await finished(kasia, job["id"])
        assert (done["status"], done["language"]) == ("done", "es"), done
        # Offered: English (kept with the captions) and French (from that English); not
        # German, which no installed model reaches.
        assert [t["code"] for t in done["translations"]] == ["en", "fr"]

        english = (await kasia.get(done["downloads"]["txt"], params={"language": "en"}))
        assert english.status_code == 200
        assert "Machine translation, may contain mistakes" in english.text
        heard = words(english.text)
        assert len(heard & ENGLISH_WORDS) >= 3, english.text
        assert len(heard & SPANISH_WORDS) <= 1, english.text

        # English → French with the test package: "the" becomes "le".
        french = await kasia.get(done["downloads"]["txt"], params={"language": "fr"})
        assert french.status_code == 200, french.text
        assert "le" in words(french.text) and "the" not in words(french.text)
        missing = await kasia.get(done["downloads"]["vtt"], params={"language": "de"})
        assert missing.status_code == 404


@pytest.mark.parametrize(
    ("size", "locale", "shown"),
    [
        (340_123, "en", "340 kB"),
        (400, "en", "1 kB"),
        (2_450_000, "en", "2.5 MB"),
        (2_450_000, "es", "2,5 MB"),
        (12_000_000, "uk", "12 МБ"),
    ],
)
def test_sizes_are_written_in_the_readers_units(size: int, locale: str, shown: str) -> None:
    assert file_size(size, locale).replace("\xa0", " ") == shown
