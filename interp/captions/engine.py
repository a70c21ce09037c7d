"""The caption engine: one model per process, shared by every stream.

A scheduler thread levels and segments pushed audio and picks the next recognition
pass; a bounded pool of worker threads runs the passes, so no inference happens on
the caller's thread or event loop. Finals come first; a partial is only started when
a worker would otherwise sit idle, and one worker is kept free of partials so that a
final never waits behind one. Under overload partials therefore slow down and
then stop, finals queue up in order and are never dropped, and every event carries
how far behind the audio it is (``lag_s``).
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
from dataclasses import replace
from pathlib import Path

from interp.captions.events import StreamOptions
from interp.captions.memory import limit_malloc_arenas
from interp.captions.recognizer import Hypothesis, Recognizer
from interp.captions.stream import CaptionStream, EventHandler, Job

log = logging.getLogger(__name__)

# The scheduler looks at its streams at least this often (seconds) even without pushes.
TICK_S = 0.05
FINAL, PARTIAL = 0, 1


def hint_text(terms: tuple[str, ...]) -> str:
    """Terms as the decoder's prompt: a list, as faster-whisper's ``hotwords`` take them,
    ended like a sentence. Whisper copies the prompt's style: after a list without the
    full stop it too left sentences unfinished ("… in the Plaza de San Pedro")."""
    listed = ", ".join(term.strip() for term in terms if term.strip())
    return f"{listed}." if listed else ""


class CaptionEngine:
    """Owns the model, the scheduler and the workers; use one per process."""

    def __init__(self, model_path: Path, workers: int = 2, threads_per_worker: int = 1):
        if workers < 1:
            raise ValueError("an engine needs at least one worker")
        limit_malloc_arenas()
        self.recognizer = Recognizer(model_path, workers, threads_per_worker)
        self.workers = workers
        self._streams: dict[str, CaptionStream] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._jobs: queue.PriorityQueue[tuple[int, int, Job | None]] = queue.PriorityQueue()
        self._order = itertools.count()
        self._idle_workers = workers
        # Workers kept free of partials, so that a final never waits behind one.
        self._reserved = 1 if workers > 1 else 0
        # Hints for every stream that brings none of its own (``StreamOptions.hotwords``);
        # replaced as a whole, so a running stream picks up the new ones at its next pass.
        self.hints: tuple[str, ...] = ()
        self._stopping = False
        self._threads = [threading.Thread(target=self._schedule, name="captions-scheduler",
                                          daemon=True)]
        self._threads += [
            threading.Thread(target=self._work, name=f"captions-worker-{i}", daemon=True)
            for i in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    @property
    def multilingual(self) -> bool:
        return self.recognizer.multilingual

    def open_stream(
        self,
        stream_id: str,
        language: str | None = None,
        *,
        task: str = "transcribe",
        on_event: EventHandler | None = None,
        options: StreamOptions | None = None,
    ) -> CaptionStream:
        """Start a stream. Without ``on_event``, call this on the event loop that will
        read the events (``async for event in stream``)."""
        opts = replace(options or StreamOptions(), language=language, task=task)
        if task not in {"transcribe", "translate"}:
            raise ValueError(f"unknown task {task!r}")
        if not self.multilingual and (task == "translate" or language not in {None, "en"}):
            raise ValueError("this model only transcribes English")
        with self._lock:
            if self._stopping:
                raise RuntimeError("the caption engine is closed")
            if stream_id in self._streams:
                raise ValueError(f"stream {stream_id!r} is already open")
            stream = CaptionStream(stream_id, opts, self._wake.set, on_event)
            self._streams[stream_id] = stream
        return stream

    @property
    def streams(self) -> int:
        return len(self._streams)

    def close(self) -> None:
        """Stop the threads; open streams end without their last utterance."""
        self._stopping = True
        self._wake.set()
        for _ in range(self.workers):
            self._jobs.put((FINAL, -1, None))
        for thread in self._threads:
            thread.join(timeout=30)

    def __enter__(self) -> CaptionEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- scheduler ----------------------------------------------------------------

    def _schedule(self) -> None:
        while not self._stopping:
            self._wake.wait(TICK_S)
            self._wake.clear()
            try:
                self._dispatch()
            except Exception:  # a bug in one stream must not stop captions for all
                log.exception("caption scheduler failed; continuing")

    def _dispatch(self) -> None:
        with self._lock:
            streams = list(self._streams.values())
        for stream in streams:
            stream.advance()
        # Finals of every stream first, then partials while workers are free.
        for stream in streams:
            while self._submit(stream, allow_partial=False):
                pass
        for stream in streams:
            self._submit(stream, allow_partial=True)
        for stream in streams:
            if stream.finished:
                with self._lock:
                    self._streams.pop(stream.id, None)
                stream.end()

    def _submit(self, stream: CaptionStream, allow_partial: bool) -> bool:
        with self._lock:
            job = stream.next_job(allow_partial and self._idle_workers > self._reserved)
            if job is None:
                return False
            stream.in_flight += 1
            stream.finals_in_flight += job.final and not job.early
            self._idle_workers -= 1
        priority = FINAL if job.final and not job.early else PARTIAL
        self._jobs.put((priority, next(self._order), job))
        return True

    # -- workers ------------------------------------------------------------------

    def _work(self) -> None:
        while True:
            _, _, job = self._jobs.get()
            if job is None:
                return
            stream = job.stream
            try:
                hypothesis, english = self._run(job)
            except Exception:
                log.exception("recognition failed on stream %s", stream.id)
                hypothesis, english = None, None
            try:
                stream.deliver_result(job, hypothesis, english)
            except Exception:
                log.exception("caption delivery failed on stream %s", stream.id)
            finally:
                with self._lock:
                    stream.in_flight -= 1
                    stream.finals_in_flight -= job.final and not job.early
                    self._idle_workers += 1
                self._wake.set()

    def _run(self, job: Job) -> tuple[Hypothesis | None, str | None]:
        stream = job.stream
        opts = stream.options
        if not stream.is_current(job):
            return None, None  # the utterance ended (or went on) meanwhile: nothing to do
        language = job.language or stream.language
        hints = hint_text(self.hints if opts.hotwords is None else opts.hotwords)
        hypothesis = self.recognizer.recognize(
            job.audio, language=language, task=opts.task,
            beam_size=opts.final_beam_size if job.final else opts.partial_beam_size,
            padding_s=opts.padding_s if job.final else opts.partial_padding_s,
            candidates=opts.candidate_languages,
            # English-only tiny.en repeats the context back ("X. X"): 6.6 % -> 12.0 % WER
            # on the long-form stream's utterances, where base gains (docs/captions.md).
            previous_text=job.previous_text if self.multilingual else "",
            hints=hints,
        )
        english = None
        if job.final and opts.translate_finals and opts.task == "transcribe":
            if hypothesis.language == "en":
                english = hypothesis.text
            elif hypothesis.text:
                english = self.recognizer.recognize(
                    job.audio, language=hypothesis.language, task="translate",
                    beam_size=opts.final_beam_size, padding_s=opts.padding_s, hints=hints,
                ).text
        return hypothesis, english
