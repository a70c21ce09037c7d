"""The streaming engine on real speech: live output, silence, noise, overload, bad input."""

from __future__ import annotations

import asyncio
import threading

import numpy as np
import pytest

from interp.captions import SAMPLE_RATE, CaptionEvent, StreamOptions
from interp.captions.level import level_audio
from interp.captions.scoring import word_error_rate
from tests.captions.streaming import CHUNK, run_stream, with_pauses
from tests.helpers.speech import transcripts

pytestmark = pytest.mark.slow


def finals_text(events: list[CaptionEvent]) -> str:
    return " ".join(e.text for e in events if e.final)


def test_streamed_text_matches_offline(base_engine):
    names = ["en_librispeech_1272-128104-0000.wav", "en_jfk_inaugural.flac",
             "en_fleurs_006.ogg"]
    audio = with_pauses(*names)
    events = run_stream(base_engine, audio, pace=2.0)
    streamed = finals_text(events)
    offline_segments, _ = base_engine.recognizer._whisper.transcribe(
        level_audio(audio), language="en", beam_size=5
    )
    offline = " ".join(s.text for s in offline_segments)
    reference = " ".join(transcripts()[n] for n in names)
    assert word_error_rate(offline, streamed) < 0.15, (streamed, offline)
    assert word_error_rate(reference, streamed) < 0.15, streamed


def test_events_are_ordered_and_partials_precede_finals(base_engine):
    audio = with_pauses("en_librispeech_2412-153948-0000.flac", "en_jfk_inaugural.flac")
    events = run_stream(base_engine, audio, pace=1.5)
    assert [e.seq for e in events] == list(range(len(events)))
    finals = [e for e in events if e.final]
    assert len(finals) >= 2
    assert all(a.end_s <= b.start_s for a, b in zip(finals, finals[1:], strict=False))
    assert all(0 <= e.start_s < e.end_s <= len(audio) / SAMPLE_RATE for e in events)
    assert all(e.lag_s >= 0 for e in events)
    partials = [e for e in events if not e.final]
    assert partials, "a paced stream shows partial captions while someone speaks"
    for p in partials:
        # A partial's stable text is a prefix of its text, and a final follows it.
        assert p.text.startswith(p.stable)
        assert any(f.final and f.start_s == p.start_s and f.seq > p.seq for f in events)


def test_stable_text_only_grows_within_an_utterance(base_engine):
    events = run_stream(base_engine, with_pauses("en_librispeech_2412-153948-0000.flac"),
                        pace=1.5)
    by_utterance: dict[float, list[str]] = {}
    for e in events:
        if not e.final:
            by_utterance.setdefault(e.start_s, []).append(e.stable)
    for stables in by_utterance.values():
        for earlier, later in zip(stables, stables[1:], strict=False):
            assert later.startswith(earlier)


def test_language_is_detected_and_pinned(base_engine):
    events = run_stream(base_engine, with_pauses("es_fleurs_000.ogg", "es_fleurs_002.ogg"),
                        language=None, stream_id="es")
    finals = [e for e in events if e.final]
    assert finals and all(e.language == "es" for e in finals)
    reference = " ".join(transcripts()[n] for n in ["es_fleurs_000.ogg", "es_fleurs_002.ogg"])
    assert word_error_rate(reference, finals_text(events)) < 0.3


def test_finals_can_carry_english(base_engine):
    options = StreamOptions(translate_finals=True, partials=False)
    events = run_stream(base_engine, with_pauses("es_fleurs_000.ogg"), language="es",
                        options=options)
    finals = [e for e in events if e.final]
    assert finals and all(e.english for e in finals)
    assert "the" in " ".join(e.english or "" for e in finals).lower().split()


@pytest.mark.parametrize(
    "make",
    [
        lambda rng: np.zeros(10 * SAMPLE_RATE, dtype=np.float32),
        lambda rng: (0.1 * rng.standard_normal(10 * SAMPLE_RATE)).astype(np.float32),
        lambda rng: (0.001 * rng.standard_normal(10 * SAMPLE_RATE)).astype(np.float32),
        # A tune: one-second notes of a pure tone with harmonics.
        lambda rng: np.concatenate([
            (0.2 * np.sin(2 * np.pi * f * np.arange(SAMPLE_RATE) / SAMPLE_RATE)
             + 0.1 * np.sin(4 * np.pi * f * np.arange(SAMPLE_RATE) / SAMPLE_RATE))
            for f in [262, 330, 392, 523, 392, 330, 262, 294, 349, 440]
        ]).astype(np.float32),
    ],
    ids=["silence", "white-noise", "quiet-noise", "tones"],
)
def test_no_captions_without_speech(base_engine, make):
    events = run_stream(base_engine, make(np.random.default_rng(1)), language=None)
    assert [e.text for e in events if e.text] == []


def test_async_consumer_reads_events_until_close(base_engine):
    async def main() -> list[CaptionEvent]:
        stream = base_engine.open_stream("async", "en")
        audio = with_pauses("en_librispeech_1272-128104-0000.wav")
        for offset in range(0, len(audio), CHUNK):
            stream.push(audio[offset : offset + CHUNK])
        stream.close()
        return [event async for event in stream]

    events = asyncio.run(asyncio.wait_for(main(), 120))
    assert word_error_rate(transcripts()["en_librispeech_1272-128104-0000.wav"],
                           finals_text(events)) < 0.15


def test_overload_never_drops_finals(base_engine):
    """Four streams pushed at once: partials give way, every stream gets all its finals."""
    audio = with_pauses("en_jfk_inaugural.flac", "en_librispeech_1272-128104-0000.wav")
    results: dict[int, list[CaptionEvent]] = {}
    threads = [
        threading.Thread(target=lambda i=i: results.__setitem__(
            i, run_stream(base_engine, audio, stream_id=f"load-{i}")))
        for i in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    reference = " ".join(transcripts()[n] for n in
                         ["en_jfk_inaugural.flac", "en_librispeech_1272-128104-0000.wav"])
    assert len(results) == 4
    for events in results.values():
        assert word_error_rate(reference, finals_text(events)) < 0.2
        # Pushed faster than real time, the engine falls behind and says so.
        assert max(e.lag_s for e in events if e.final) > 0


def test_bad_input_is_refused(base_engine):
    stream = base_engine.open_stream("bad", "en", on_event=lambda e: None)
    with pytest.raises(ValueError):
        stream.push(np.zeros((2, 320), dtype=np.float32))
    with pytest.raises(ValueError):
        base_engine.open_stream("bad", "en", on_event=lambda e: None)
    stream.close()
    with pytest.raises(RuntimeError):
        stream.push(np.zeros(320, dtype=np.float32))
    assert stream.done.wait(30)
    with pytest.raises(ValueError):
        base_engine.open_stream("task", "en", task="summarise", on_event=lambda e: None)


def test_english_only_model_refuses_other_languages(tiny_en_engine):
    with pytest.raises(ValueError):
        tiny_en_engine.open_stream("es", "es", on_event=lambda e: None)
    with pytest.raises(ValueError):
        tiny_en_engine.open_stream("tr", None, task="translate", on_event=lambda e: None)
    events = run_stream(tiny_en_engine, with_pauses("en_librispeech_1272-128104-0000.wav"),
                        language=None, stream_id="tiny")
    assert word_error_rate(transcripts()["en_librispeech_1272-128104-0000.wav"],
                           finals_text(events)) < 0.2


def test_early_finals_give_the_same_captions(base_engine):
    """A final started early in a pause covers exactly the audio the VAD then closes."""
    audio = with_pauses("en_jfk_inaugural.flac", "en_librispeech_1272-128104-0000.wav")
    finals = {}
    for early in (None, 0.25):
        options = StreamOptions(partials=False, early_final_after_s=early)
        events = run_stream(base_engine, audio, pace=2.0, options=options,
                            stream_id=f"early-{early}")
        finals[early] = [(e.start_s, e.end_s, e.text) for e in events if e.final]
    assert finals[0.25] == finals[None]
    assert len(finals[None]) >= 2
