"""While someone speaks, readers of other languages get translated partials; finals first.

With the real speech model and the test Argos packages (word for word, so every
translation can be checked exactly).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from interp.captions.engine import CaptionEngine
from interp.domain.speakers import Speaker
from interp.hub import Hub
from interp.hub.channels import captions_channel
from interp.live.partials import PartialTranslations
from interp.live.relay import RoomCaptions
from interp.media.audio import SAMPLE_RATE
from interp.translation.packages import install_package_file
from interp.translation.service import TranslationService
from interp.translation.translator import Translation, Translator
from tests.helpers.speech import DATA, model_path, read_pcm

pytestmark = [pytest.mark.usefixtures("argos_home")]

# One long sentence, spoken without a pause (11.7 s).
LONG_SPEECH = DATA / "en_librispeech_2412-153948-0000.flac"
CHUNK_S = 0.25


@pytest.fixture(scope="module")
def engine() -> Iterator[CaptionEngine]:
    with CaptionEngine(model_path("whisper-base"), workers=2) as engine:
        yield engine


class CountingTranslator(Translator):
    """The real translator, noting each text it is asked to translate and into what."""

    def __init__(self, models_dir: Path) -> None:
        super().__init__(models_dir, compute_type="float32")
        self.asked: list[tuple[str, str]] = []

    def translate(self, text: str, source: str, target: str) -> Translation:
        self.asked.append((text, target))
        return super().translate(text, source, target)


@pytest.fixture
def translator(tmp_path: Path, argos_archives: dict[tuple[str, str], Path]) -> CountingTranslator:
    for archive in argos_archives.values():
        install_package_file(tmp_path / "models", archive)
    return CountingTranslator(tmp_path / "models")


async def speak_in_real_time(
    engine: CaptionEngine, hub: Hub, service: TranslationService, readers: list[str]
) -> dict[str, list[dict[str, Any]]]:
    """The long sentence into a room, at the pace of a microphone; every caption message
    published for each language read, in order."""

    async def wanted() -> set[str]:
        return set(readers)

    room = RoomCaptions("room-1", engine, hub, wanted, service)
    channels = {captions_channel("room-1", lang): lang for lang in set(readers)}
    got: dict[str, list[dict[str, Any]]] = {lang: [] for lang in set(readers)}
    async with hub.subscribe(*channels) as sub:
        push = room.start(Speaker("ana", "Ana", "resident", "en"))
        samples = read_pcm(LONG_SPEECH)
        step = int(CHUNK_S * SAMPLE_RATE)
        for start in range(0, samples.size, step):
            push(samples[start : start + step])
            await asyncio.sleep(CHUNK_S)
        push(samples[:SAMPLE_RATE] * 0)  # a second of silence ends the utterance
        await room.stop("ana")
        while True:
            try:
                message = await asyncio.wait_for(sub.__anext__(), 0.5)
            except TimeoutError:
                break
            got[channels[message.channel]].append(message.data)
    return got


@pytest.mark.slow
async def test_a_reader_of_another_language_follows_a_long_utterance_before_its_final(
    engine: CaptionEngine, hub: Hub, translator: CountingTranslator
) -> None:
    service = TranslationService(translator)
    try:
        # Two readers of Spanish, one of English (the speaker's own language).
        got = await speak_in_real_time(engine, hub, service, ["en", "es", "es"])
    finally:
        service.close()
    asked = list(translator.asked)  # by the relay (the checks below ask again)
    english, spanish = got["en"], got["es"]
    english_partials = {(m["seq"], m["text"]) for m in english if not m["final"]}
    english_finals = [m for m in english if m["final"] and m["text"]]
    assert english_finals, "no final caption in the speaker's language"

    # Translated partials, each before the final of its utterance.
    partials = [m for m in spanish if not m["final"]]
    assert partials, f"no translated partial while the speaker spoke: {spanish}"
    for partial in partials:
        assert partial["translated"] and partial["language"] == "es"
        assert partial["reading"] == "es" and partial["stable"] == ""
        later = spanish[spanish.index(partial) + 1 :]
        assert any(m["final"] and m["seq"] == partial["seq"] for m in later), partial
        # The translation of a partial the speaker's own readers saw in that utterance.
        assert any(
            seq == partial["seq"] and translator.translate(text, "en", "es").text == partial["text"]
            for seq, text in english_partials
        ), partial
    # Only when the words grew: never the same length twice in one utterance.
    for seq in {m["seq"] for m in partials}:
        lengths = [len(m["text"].split()) for m in partials if m["seq"] == seq]
        assert len(set(lengths)) == len(lengths), lengths

    # Finals as before: every one translated, word for word.
    spanish_finals = [m for m in spanish if m["final"] and m["text"]]
    assert [m["seq"] for m in spanish_finals] == [m["seq"] for m in english_finals]
    for original, translated in zip(english_finals, spanish_finals, strict=True):
        assert translated["text"] == translator.translate(original["text"], "en", "es").text
        assert translated["translated"] and translated["available"]

    # Once per language, not per reader: one translation into Spanish for each message the
    # two readers share, and at most one more per utterance (a partial whose final came
    # out while it was being translated is dropped).
    utterances = {m["seq"] for m in english_finals}
    into_spanish = [text for text, target in asked if target == "es"]
    published = [m for m in spanish if m["text"]]
    assert len(published) <= len(into_spanish) <= len(published) + len(utterances)


def message(seq: int) -> dict[str, Any]:
    return {"type": "caption", "stream": "ana", "seq": seq, "final": False}


@contextlib.asynccontextmanager
async def into_spanish(
    translator: Translator, interval_s: float
) -> AsyncIterator[tuple[PartialTranslations, asyncio.Queue[tuple[int, str]]]]:
    """Partial translations into Spanish, and what they publish: (block, text)."""
    service = TranslationService(translator)
    published: asyncio.Queue[tuple[int, str]] = asyncio.Queue()

    async def publish(base: dict[str, Any], text: str, source: str,
                      translations: dict[str, Translation]) -> None:
        published.put_nowait((base["seq"], translations["es"].text))

    partials = PartialTranslations(service, publish, interval_s=interval_s)
    try:
        yield partials, published
    finally:
        await partials.close()
        service.close()


async def test_partials_are_translated_only_when_their_words_grew(
    translator: CountingTranslator,
) -> None:
    async with into_spanish(translator, 0.0) as (partials, published):
        partials.offer(message(1), "hello", "en", {"es"})
        assert await asyncio.wait_for(published.get(), 30) == (1, "hola")
        partials.offer(message(1), "good", "en", {"es"})  # no more words: left
        partials.offer(message(1), "hello world", "en", {"es"})
        assert await asyncio.wait_for(published.get(), 30) == (1, "hola mundo")
    assert ("good", "es") not in translator.asked


async def test_a_new_utterances_first_words_do_not_wait_for_the_interval(
    translator: CountingTranslator,
) -> None:
    # An hour between two translations of one utterance: the next one's first words still
    # go as soon as they come.
    async with into_spanish(translator, 3600.0) as (partials, published):
        partials.offer(message(1), "hello", "en", {"es"})
        assert await asyncio.wait_for(published.get(), 30) == (1, "hola")
        partials.finished(1)
        partials.offer(message(2), "good morning", "en", {"es"})
        assert await asyncio.wait_for(published.get(), 30) == (2, "buenos días")


async def test_a_partial_never_waits_in_a_finals_way_and_is_dropped_once_its_final_is_out(
    translator: CountingTranslator,
) -> None:
    service = TranslationService(translator)
    published: list[tuple[int, str]] = []

    async def publish(base: dict[str, Any], text: str, source: str,
                      translations: dict[str, Translation]) -> None:
        published.append((base["seq"], text))

    partials = PartialTranslations(service, publish, interval_s=0.0)
    try:
        final = asyncio.create_task(service.translate("good morning", "en", "es"))
        await asyncio.sleep(0)  # the final is with the worker
        assert service.busy
        partials.offer(message(1), "good", "en", {"es"})
        partials.finished(1)  # its final went out before the worker was free
        assert (await final).text == "buenos días"
        partials.offer(message(1), "good morning to", "en", {"es"})  # late: stale
    finally:
        await partials.close()
        service.close()
    assert published == []
    assert translator.asked == [("good morning", "es")]
