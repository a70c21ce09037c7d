"""Streaming recordings through a caption engine the way a live microphone feeds it."""

from __future__ import annotations

import itertools
import threading
import time

import numpy as np

from interp.captions import SAMPLE_RATE, CaptionEngine, CaptionEvent, StreamOptions
from tests.helpers.speech import speech

CHUNK = 320  # 20 ms, a WebRTC audio frame
RUNS = itertools.count()


def run_stream(engine: CaptionEngine, audio: np.ndarray, language: str | None = "en",
               pace: float = 0.0, options: StreamOptions | None = None,
               stream_id: str = "") -> list[CaptionEvent]:
    """Push ``audio`` in 20 ms chunks (``pace`` x real time, 0: as fast as possible)."""
    events: list[CaptionEvent] = []
    lock = threading.Lock()

    def collect(event: CaptionEvent) -> None:
        with lock:
            events.append(event)

    # A fresh id per run: a stream that failed to finish must not block the next test.
    stream_id = stream_id or f"s-{next(RUNS)}"
    stream = engine.open_stream(stream_id, language, on_event=collect, options=options)
    start = time.monotonic()
    for offset in range(0, len(audio), CHUNK):
        stream.push(audio[offset : offset + CHUNK])
        if pace:
            delay = start + (offset + CHUNK) / SAMPLE_RATE / pace - time.monotonic()
            if delay > 0:
                time.sleep(delay)
    stream.close()
    assert stream.done.wait(300), "stream did not finish"
    return events


def with_pauses(*names: str, pause_s: float = 1.0) -> np.ndarray:
    """The recordings one after the other, with silence before, between and after."""
    gap = np.zeros(int(pause_s * SAMPLE_RATE), dtype=np.float32)
    return np.concatenate([part for n in names for part in (gap, speech(n))] + [gap])
