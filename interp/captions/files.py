"""Captioning a recorded file with the same levelling, VAD and recognition as live."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator

import numpy as np

from interp.captions.audio import SAMPLE_RATE
from interp.captions.engine import CaptionEngine
from interp.captions.events import CaptionEvent, StreamOptions
from interp.captions.layout import Segment

# Audio is handed over in pieces this long, so that a long file is never levelled and
# held in memory all at once.
PIECE_S = 30.0
# How often a caller held back by the engine looks again (the engine's own tick).
RECHECK_S = 0.05


def _pieces(audio: np.ndarray | Iterable[np.ndarray]) -> Iterator[np.ndarray]:
    size = int(PIECE_S * SAMPLE_RATE)
    for chunk in [audio] if isinstance(audio, np.ndarray) else audio:
        for offset in range(0, len(chunk), size):
            yield chunk[offset : offset + size]


def transcribe_audio(
    engine: CaptionEngine,
    audio: np.ndarray | Iterable[np.ndarray],
    language: str | None = None,
    task: str = "transcribe",
    on_progress: Callable[[float], None] | None = None,
    speaker: str = "",
    passes: int | None = None,
    stop: threading.Event | None = None,
    english: list[str] | None = None,
) -> list[Segment]:
    """Final segments of a whole recording (16 kHz mono float32), in order.

    ``audio`` is the recording, or its consecutive pieces (an ``AudioReader``): they
    are read only as fast as recognition goes, so memory stays bounded however long the
    recording, and an error raised while reading them ends the work and is raised here.
    ``on_progress`` receives the seconds of audio finished so far. ``passes`` caps the
    recognition passes running at once (default: every worker; a background job takes
    one, so live captions never wait behind more than one of its passes). Setting
    ``stop`` ends the work early, with what was finished so far. Given a list, ``english``
    receives each segment's English (Whisper's own translation, one more pass per segment
    not spoken in English), in the segments' order.
    """
    segments: list[Segment] = []
    finished = threading.Condition()

    def collect(event: CaptionEvent) -> None:
        if event.text:
            segments.append(Segment(event.start_s, event.end_s, event.text, event.language,
                                    speaker))
            if english is not None:
                english.append(event.english or "")
        if on_progress is not None:
            on_progress(event.end_s)
        with finished:
            finished.notify_all()

    def caught_up() -> bool:
        # At most one piece not yet segmented, and a few utterances waiting for a worker.
        return stream.unheard_s <= PIECE_S and stream.backlog <= 2 * engine.workers

    def stopped() -> bool:
        return stop is not None and stop.is_set()

    options = StreamOptions(
        partials=False,
        max_in_flight=passes or engine.workers,
        translate_finals=english is not None and engine.multilingual,
    )
    stream = engine.open_stream(f"file-{id(audio)}", language, task=task, on_event=collect,
                                options=options)
    try:
        for piece in _pieces(audio):
            if stopped():
                break
            stream.push(piece)
            with finished:
                while not (caught_up() or stopped()):
                    finished.wait(RECHECK_S)
    finally:
        stream.close()
        stream.done.wait()
    if on_progress is not None:
        on_progress(stream.audio_s)
    return segments
