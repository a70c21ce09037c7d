"""Streams that hear more than one language (an interpreter, a device shared across a desk):
each utterance's language is detected among the candidates, never pinned; and English for
finals can be switched on while a stream runs."""

from __future__ import annotations

import itertools
import threading

import numpy as np
import pytest

from interp.captions import CaptionEngine, CaptionEvent, StreamOptions
from interp.captions.level import level_audio
from interp.captions.scoring import word_error_rate
from tests.captions.streaming import CHUNK, run_stream, with_pauses
from tests.helpers.speech import speech, transcripts

pytestmark = pytest.mark.slow

SPANISH = "es_fleurs_002.ogg"
ENGLISH = "en_librispeech_1272-128104-0000.wav"
RUNS = itertools.count()


def spoken(events: list[CaptionEvent]) -> list[CaptionEvent]:
    return [e for e in events if e.final and e.text]


def languages_in_turn(events: list[CaptionEvent]) -> list[str]:
    """The language of each run of finals: ["es", "en"] for Spanish, then English."""
    return [language for language, _ in itertools.groupby(e.language for e in spoken(events))]


def test_each_utterance_is_detected_among_the_candidates(base_engine: CaptionEngine) -> None:
    options = StreamOptions(candidate_languages=("es", "en"))
    events = run_stream(base_engine, with_pauses(SPANISH, ENGLISH), language=None, options=options)
    assert languages_in_turn(events) == ["es", "en"]
    said = transcripts()
    for language, name in (("es", SPANISH), ("en", ENGLISH)):
        text = " ".join(e.text for e in spoken(events) if e.language == language)
        assert word_error_rate(said[name], text) < 0.3, text


def test_without_candidates_the_first_language_sticks(base_engine: CaptionEngine) -> None:
    events = run_stream(base_engine, with_pauses(SPANISH, ENGLISH), language=None)
    assert spoken(events) and all(e.language == "es" for e in events if e.final)


def test_english_can_be_switched_on_mid_stream(base_engine: CaptionEngine) -> None:
    events: list[CaptionEvent] = []
    first_final = threading.Event()
    lock = threading.Lock()

    def collect(event: CaptionEvent) -> None:
        with lock:
            events.append(event)
        if event.final and event.text:
            first_final.set()

    options = StreamOptions(candidate_languages=("es", "en"), partials=False)
    stream = base_engine.open_stream(
        f"english-{next(RUNS)}", None, on_event=collect, options=options
    )

    def push(audio: np.ndarray) -> None:
        for offset in range(0, len(audio), CHUNK):
            stream.push(audio[offset : offset + CHUNK])

    push(with_pauses(SPANISH))
    assert first_final.wait(120), "the first utterance was never finalised"
    with lock:
        before = spoken(events)
    switched_at = stream.audio_s
    stream.want_english(True)
    push(with_pauses(SPANISH, ENGLISH))
    stream.close()
    assert stream.done.wait(300), "stream did not finish"

    after = [e for e in spoken(events) if e.start_s >= switched_at]
    assert before and all(e.english is None for e in before)
    assert languages_in_turn(after) == ["es", "en"]
    assert all(e.english for e in after)
    spanish = " ".join(e.english or "" for e in after if e.language == "es").lower()
    assert "people" in spanish or "funeral" in spanish, spanish  # Whisper's English
    assert all(e.english == e.text for e in after if e.language == "en")


def test_the_recognizer_chooses_among_the_candidates(base_engine: CaptionEngine) -> None:
    audio = level_audio(speech(SPANISH))
    recognizer = base_engine.recognizer
    assert recognizer.recognize(audio, candidates=("en", "es")).language == "es"
    # Spanish heard by a device expecting French or English: one of those, never Spanish.
    assert recognizer.recognize(audio, candidates=("fr", "en")).language in {"fr", "en"}
    # Candidates the model does not know leave detection free.
    assert recognizer.recognize(audio, candidates=("xx",)).language == "es"
