"""Captioning a recorded file with the same levelling, VAD and recognition as live."""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np

from interp.captions.audio import SAMPLE_RATE
from interp.captions.engine import CaptionEngine
from interp.captions.events import CaptionEvent, StreamOptions
from interp.captions.layout import Segment

# Audio is handed over in pieces this long, so that a long file is never levelled and
# held in memory all at once.
PIECE_S = 30.0


def transcribe_audio(
    engine: CaptionEngine,
    audio: np.ndarray,
    language: str | None = None,
    task: str = "transcribe",
    on_progress: Callable[[float], None] | None = None,
    speaker: str = "",
    passes: int | None = None,
    stop: threading.Event | None = None,
) -> list[Segment]:
    """Final segments of a whole recording (16 kHz mono float32), in order.

    ``on_progress`` receives the seconds of audio finished so far. ``passes`` caps the
    recognition passes running at once (default: every worker; a background job takes
    one, so live captions never wait behind more than one of its passes). Setting
    ``stop`` ends the work early, with what was finished so far.
    """
    segments: list[Segment] = []
    finished = threading.Condition()

    def collect(event: CaptionEvent) -> None:
        if event.text:
            segments.append(Segment(event.start_s, event.end_s, event.text, event.language,
                                    speaker))
        if on_progress is not None:
            on_progress(event.end_s)
        with finished:
            finished.notify_all()

    options = StreamOptions(partials=False, max_in_flight=passes or engine.workers)
    stream = engine.open_stream(f"file-{id(audio)}", language, task=task, on_event=collect,
                                options=options)
    piece = int(PIECE_S * SAMPLE_RATE)
    for offset in range(0, len(audio), piece):
        if stop is not None and stop.is_set():
            break
        stream.push(audio[offset : offset + piece])
        with finished:
            # Keep at most a few utterances waiting for a worker.
            finished.wait_for(lambda: stream.backlog <= 2 * engine.workers, timeout=5)
    stream.close()
    stream.done.wait()
    if on_progress is not None:
        on_progress(len(audio) / SAMPLE_RATE)
    return segments
