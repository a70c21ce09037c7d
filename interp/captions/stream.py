"""One speaker's audio stream: levelling, utterance segmentation and caption state.

The engine's scheduler thread moves pushed audio through the leveller and the VAD and
asks the stream for recognition jobs; worker threads hand results back. The stream
turns results into events in order and delivers them to its consumer.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace

import numpy as np

from interp.captions.agreement import LocalAgreement
from interp.captions.audio import SAMPLE_RATE
from interp.captions.events import CaptionEvent, StreamOptions
from interp.captions.level import Leveller
from interp.captions.quality import accept
from interp.captions.recognizer import Hypothesis
from interp.captions.vad import SpeechSegmenter, Utterance

# Partial passes start once the utterance holds this much audio.
MIN_PARTIAL_S = 1.0
# Language detection pins the stream's language after this much speech.
PIN_LANGUAGE_AFTER_S = 2.0

EventHandler = Callable[[CaptionEvent], None]


@dataclass
class Job:
    stream: CaptionStream
    final: bool
    index: int  # utterance number within the stream
    start: int  # samples from the stream start
    end: int
    audio: np.ndarray
    language: str | None
    # A final started during a pause, before the VAD has decided the utterance is over.
    early: bool = False
    # The stream's last final caption, context for the decoder (finals only).
    previous_text: str = ""
    # Silero's mean speech probability over the audio (see vad.Utterance).
    speech_probability: float = 1.0


class CaptionStream:
    """Push 16 kHz mono float32 audio; receive caption events.

    Events go to ``on_event`` (called from an engine thread) when given, otherwise to
    an asyncio queue read with ``async for event in stream``. ``close()`` finalises the
    last utterance; iteration ends once every final has been delivered.
    """

    def __init__(
        self,
        stream_id: str,
        options: StreamOptions,
        wake: Callable[[], None],
        on_event: EventHandler | None = None,
    ) -> None:
        self.id = stream_id
        self.options = options
        self.language = options.language
        self._wake = wake
        self._on_event = on_event
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue[CaptionEvent | None] | None = None
        if on_event is None:
            self._loop = asyncio.get_running_loop()
            self._queue = asyncio.Queue()
        self._lock = threading.Lock()
        self._inbox: list[np.ndarray] = []
        self._pushed = 0
        self._closing = False
        self.done = threading.Event()
        self._seq = itertools.count()
        # Scheduler-thread state.
        self._leveller = Leveller()
        self._segmenter = SpeechSegmenter(options.vad)
        self._levelled = np.zeros(0, dtype=np.float32)
        self._levelled_origin = 0  # sample index of _levelled[0]
        self._utterance_index = 0
        self._finals: deque[Job] = deque()
        self._last_partial_end = 0
        self._flushed = False
        # Counted by the engine, under its lock.
        self.in_flight = 0
        self.finals_in_flight = 0
        # Shared with worker threads, under self._lock.
        self._agreement = LocalAgreement()
        self._shown_partial: set[int] = set()
        self._next_final = 0
        self._ready_finals: dict[int, CaptionEvent | None] = {}
        # The early final of the utterance in progress: its bounds and, once done, its result.
        self._early: tuple[int, int] | None = None
        self._early_result: tuple[Hypothesis | None, str | None] | None = None
        # Early finals still running whose utterance has closed: bounds -> utterance index.
        self._claimed: dict[tuple[int, int], int] = {}
        self._last_final_text = ""

    # -- consumer side ------------------------------------------------------------

    def push(self, samples: np.ndarray) -> None:
        """Queue audio (16 kHz mono float32); cheap, never blocks on recognition."""
        chunk = np.asarray(samples, dtype=np.float32)
        if chunk.ndim != 1:
            raise ValueError(f"expected mono samples (1-D), got shape {chunk.shape}")
        if self._closing:
            raise RuntimeError(f"stream {self.id!r} is closed")
        chunk = np.nan_to_num(chunk, nan=0.0, posinf=1.0, neginf=-1.0)
        with self._lock:
            self._inbox.append(chunk)
            self._pushed += len(chunk)
        self._wake()

    def close(self) -> None:
        """No more audio: the utterance in progress is finalised, then the stream ends."""
        self._closing = True
        self._wake()

    @property
    def audio_s(self) -> float:
        """Seconds of audio pushed so far: the stream's clock."""
        return self._pushed / SAMPLE_RATE

    def __aiter__(self) -> AsyncIterator[CaptionEvent]:
        return self._events()

    async def _events(self) -> AsyncIterator[CaptionEvent]:
        if self._queue is None:
            raise RuntimeError("this stream delivers its events to on_event")
        while (event := await self._queue.get()) is not None:
            yield event

    async def aclose(self) -> None:
        """Close and wait until every final has been delivered."""
        self.close()
        await asyncio.get_running_loop().run_in_executor(None, self.done.wait)

    # -- scheduler side -----------------------------------------------------------

    def advance(self) -> None:
        """Level and segment the audio pushed since the last call."""
        with self._lock:
            chunks, self._inbox = self._inbox, []
        if chunks:
            levelled, raw = self._leveller.level(np.concatenate(chunks))
            self._levelled = np.concatenate([self._levelled, levelled])
            for utterance in self._segmenter.feed(levelled, raw):
                self._queue_final(utterance)
        if self._closing and not self._inbox and not self._flushed:
            self._flushed = True
            for utterance in self._segmenter.flush():
                self._queue_final(utterance)
        self._trim()

    def _audio(self, start: int, end: int) -> np.ndarray:
        first = max(0, start - self._levelled_origin)
        return self._levelled[first : end - self._levelled_origin].copy()

    def _queue_final(self, utterance: Utterance) -> None:
        start, end = utterance.start, utterance.end
        index = self._utterance_index
        self._utterance_index += 1
        self._last_partial_end = 0
        with self._lock:
            self._agreement = LocalAgreement()
            early, self._early, result = self._early, None, self._early_result
            if early == (start, end):
                # The pause was the end: the early final already ran (or is running) on
                # exactly this audio.
                if result is not None:
                    job = self._final_job(index, start, end, utterance.speech_probability)
                    self._finish_final(job, *result)
                else:
                    self._claimed[early] = index
                return
        self._finals.append(Job(self, True, index, start, end, self._audio(start, end),
                                self.language, previous_text=self._last_final_text,
                                speech_probability=utterance.speech_probability))

    def _final_job(self, index: int, start: int, end: int, speech_probability: float) -> Job:
        return Job(self, True, index, start, end, np.zeros(0, dtype=np.float32), self.language,
                   speech_probability=speech_probability)

    def _trim(self) -> None:
        """Drop levelled audio before the utterance in progress (or all but a little)."""
        start = self._segmenter.speech_start
        if start is None:
            start = self._segmenter.keep_from
        drop = start - self._levelled_origin
        if drop > 0:
            self._levelled = self._levelled[drop:]
            self._levelled_origin += drop

    def next_job(self, allow_partial: bool) -> Job | None:
        """The next recognition pass this stream wants, if any."""
        if self._finals and self.finals_in_flight < self.options.max_in_flight:
            return self._finals.popleft()
        start = self._segmenter.speech_start
        if not (allow_partial and start is not None) or self.in_flight or self._finals:
            return None
        early_after = self.options.early_final_after_s
        if early_after is not None and self._segmenter.pause >= early_after * SAMPLE_RATE:
            # A pause: start the final now. If the pause turns out to end the utterance, the
            # final is ready that much sooner; if speech goes on, the pass is wasted.
            pause_end = self._segmenter.end_if_over
            if self._early == (start, pause_end):
                return None
            with self._lock:
                self._early, self._early_result = (start, pause_end), None
            return Job(self, True, -1, start, pause_end, self._audio(start, pause_end),
                       self.language, early=True, previous_text=self._last_final_text,
                       speech_probability=self._segmenter.speech_probability)
        if not self.options.partials:
            return None
        end = self._levelled_origin + len(self._levelled)
        if end - start < MIN_PARTIAL_S * SAMPLE_RATE:
            return None
        interval = max(self.options.partial_interval_s * SAMPLE_RATE,
                       self.options.partial_growth * (self._last_partial_end - start))
        if end - self._last_partial_end < interval:
            return None
        self._last_partial_end = end
        return Job(self, False, self._utterance_index, start, end, self._audio(start, end),
                   self.language, speech_probability=self._segmenter.speech_probability)

    @property
    def backlog(self) -> int:
        """Utterances waiting for a recognition pass."""
        return len(self._finals)

    @property
    def unheard_s(self) -> float:
        """Seconds of pushed audio the scheduler has not yet levelled and segmented."""
        with self._lock:
            return sum(len(chunk) for chunk in self._inbox) / SAMPLE_RATE

    @property
    def finished(self) -> bool:
        """Closed, flushed, and every final delivered."""
        return (
            self._flushed and not self._finals and self.in_flight == 0
            and self._next_final >= self._utterance_index
        )

    def is_current(self, job: Job) -> bool:
        """Whether a partial or early job still describes the utterance in progress."""
        if job.early:
            bounds = (job.start, job.end)
            return self._early == bounds or bounds in self._claimed
        return job.final or job.index == self._utterance_index

    def want_english(self, wanted: bool) -> None:
        """Start or stop giving finals an English translation (who reads English changes)."""
        if wanted != self.options.translate_finals:
            self.options = replace(self.options, translate_finals=wanted)

    # -- worker side --------------------------------------------------------------

    def deliver_result(self, job: Job, hypothesis: Hypothesis | None,
                       english: str | None = None) -> None:
        """Turn a finished pass into events (``hypothesis`` None: the pass was dropped)."""
        pinning = self.language is None and not self.options.candidate_languages
        if hypothesis is not None and pinning and (
            job.final or (job.end - job.start) >= PIN_LANGUAGE_AFTER_S * SAMPLE_RATE
        ):
            self.language = hypothesis.language
        with self._lock:
            if job.early:
                bounds = (job.start, job.end)
                if bounds in self._claimed:
                    index = self._claimed.pop(bounds)
                    job = self._final_job(index, *bounds, job.speech_probability)
                    self._finish_final(job, hypothesis, english)
                elif self._early == bounds:
                    self._early_result = (hypothesis, english)
                # Otherwise speech went on after the pause: this was not the end.
                return
            if job.final:
                self._finish_final(job, hypothesis, english)
                return
            text = accept(hypothesis, job.speech_probability) if hypothesis is not None else ""
            if text and job.index == self._utterance_index and job.index >= self._next_final:
                language = hypothesis.language if hypothesis is not None else ""
                stable, tentative = self._agreement.update(text)
                self._shown_partial.add(job.index)
                full = f"{stable} {tentative}".strip()
                self._emit(job, full, stable, language, final=False)

    def _finish_final(self, job: Job, hypothesis: Hypothesis | None,
                      english: str | None) -> None:
        text = accept(hypothesis, job.speech_probability) if hypothesis is not None else ""
        language = hypothesis.language if hypothesis is not None else (self.language or "")
        if text:
            self._last_final_text = text
        if text or job.index in self._shown_partial:
            self._ready_finals[job.index] = self._make(job, text, text, language, True, english)
        else:
            self._ready_finals[job.index] = None
        self._shown_partial.discard(job.index)
        while self._next_final in self._ready_finals:
            event = self._ready_finals.pop(self._next_final)
            self._next_final += 1
            if event is not None:
                self._send(event)

    def _make(self, job: Job, text: str, stable: str, language: str, final: bool,
              english: str | None = None) -> CaptionEvent:
        end_s = job.end / SAMPLE_RATE
        return CaptionEvent(
            stream=self.id, seq=-1, start_s=round(job.start / SAMPLE_RATE, 3),
            end_s=round(end_s, 3), text=text, stable=stable, language=language, final=final,
            lag_s=round(max(0.0, self.audio_s - end_s), 3), english=english,
        )

    def _emit(self, job: Job, text: str, stable: str, language: str, final: bool) -> None:
        self._send(self._make(job, text, stable, language, final))

    def _send(self, event: CaptionEvent | None) -> None:
        # Numbered as sent: finals finish out of order when several run at once.
        if event is not None:
            event = replace(event, seq=next(self._seq))
        if self._on_event is not None:
            if event is not None:
                self._on_event(event)
        elif self._loop is not None and self._queue is not None:
            # RuntimeError: the consumer's loop has closed; nobody is listening any more.
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._queue.put_nowait, event)

    def end(self) -> None:
        """Called once by the scheduler after the last final: ends iteration."""
        with self._lock:
            self._send(None)
        self.done.set()
