"""A room's captions reach each listener's language channel, translated once per language."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jiwer
import pytest

from interp.captions.engine import CaptionEngine
from interp.config import load_settings
from interp.domain.speakers import Speaker
from interp.hub import Hub
from interp.hub.channels import captions_channel
from interp.live.relay import RoomCaptions
from interp.media.audio import SAMPLE_RATE
from interp.modelstore import resolve_speech_model
from interp.translation.packages import install_package_file
from interp.translation.service import TranslationService
from interp.translation.translator import Translator
from tests.helpers.captions import words
from tests.helpers.speech import REFERENCE, SPEECH, read_pcm

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("argos_home")]



@pytest.fixture(scope="module")
def engine() -> Iterator[CaptionEngine]:
    settings = load_settings()
    try:
        path = resolve_speech_model(settings.models_dir, "whisper-base")
    except Exception as exc:  # the model store explains what to install
        pytest.skip(str(exc))
    with CaptionEngine(path, workers=2) as engine:
        yield engine


@pytest.fixture
def translator(tmp_path: Path, argos_archives: dict[tuple[str, str], Path]) -> Translator:
    for archive in argos_archives.values():
        install_package_file(tmp_path, archive)
    return Translator(tmp_path)


async def caption_room(
    engine: CaptionEngine,
    hub: Hub,
    translator: Translator | None,
    listeners: list[str],
    realtime: bool = False,
) -> dict[str, list[dict[str, Any]]]:
    """Speak the test file into a room whose listeners read ``listeners``; collect by channel."""
    service = TranslationService(translator) if translator else None

    async def wanted() -> set[str]:
        return set(listeners)

    room = RoomCaptions(
        "room-1", engine, hub, wanted, service,
        # Only finals are translated here, so model runs can be counted exactly.
        partial_translation_interval_s=float("inf"),
    )
    channels = {captions_channel("room-1", lang): lang for lang in set(listeners)}
    got: dict[str, list[dict[str, Any]]] = {lang: [] for lang in set(listeners)}
    async with hub.subscribe(*channels) as sub:
        push = room.start(Speaker("ana", "Ana", "resident", "en"))
        samples = read_pcm(SPEECH)
        for start in range(0, samples.size, SAMPLE_RATE // 2):
            push(samples[start : start + SAMPLE_RATE // 2])
            if realtime:  # as a microphone would: partials need time to happen
                await asyncio.sleep(0.5)
        push(samples[:SAMPLE_RATE] * 0)  # a second of silence ends the utterance
        await room.stop("ana")
        while True:
            try:
                message = await asyncio.wait_for(sub.__anext__(), 0.2)
            except TimeoutError:
                break
            got[channels[message.channel]].append(message.data)
    if service:
        service.close()
    return got


def finals(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for m in messages if m["final"] and m["text"]]


async def test_listeners_get_captions_in_their_language_translated_once_per_language(
    engine: CaptionEngine, hub: Hub, translator: Translator
) -> None:
    got = await caption_room(engine, hub, translator, ["en", "es", "es", "fr"])

    english = finals(got["en"])
    assert english, "no final caption in the speaker's language"
    heard = " ".join(m["text"] for m in english)
    assert jiwer.wer(words(REFERENCE), words(heard)) < 0.25
    first = english[0]
    assert first["speaker"] == {"name": "Ana", "role": "resident"}
    assert first["language"] == first["source_language"] == "en" and not first["translated"]

    for language in ("es", "fr"):
        translated = finals(got[language])
        assert [m["seq"] for m in translated] == [m["seq"] for m in english]
        for original, message in zip(english, translated, strict=True):
            expected = translator.translate(original["text"], "en", language).text
            assert message["text"] == expected
            assert message["translated"] and message["language"] == language
            assert message["source_language"] == "en"
    # Two target languages, one model run each per final: not one per listener.
    assert translator.model_runs == 2 * len(english)


async def test_partials_come_before_the_final_that_replaces_them(
    engine: CaptionEngine, hub: Hub
) -> None:
    got = await caption_room(engine, hub, None, ["en"], realtime=True)
    messages = got["en"]
    final_seqs = {m["seq"] for m in messages if m["final"]}
    partials = [m for m in messages if not m["final"]]
    assert partials, "no partial caption while speaking"
    for partial in partials:
        later = messages[messages.index(partial) + 1 :]
        assert any(m["final"] and m["seq"] == partial["seq"] for m in later)
    assert final_seqs


async def test_a_language_with_no_model_gets_the_speakers_text_marked_unavailable(
    engine: CaptionEngine, hub: Hub, translator: Translator
) -> None:
    got = await caption_room(engine, hub, translator, ["en", "so"])
    somali = finals(got["so"])
    assert [m["text"] for m in somali] == [m["text"] for m in finals(got["en"])]
    assert all(not m["available"] and not m["translated"] for m in somali)
    assert all(m["language"] == "en" for m in somali)
