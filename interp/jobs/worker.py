"""The background worker that captions uploaded recordings, one at a time.

It shares the process's one speech model and translation worker with live captions
(``interp.language_tools``). Recognition runs in a thread of its own; the event loop
only writes the job's progress, at most once a second. A job interrupted by a stop
keeps its upload and is queued again when the process starts; a finished or failed
job's upload is deleted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from interp.captions.audio import AudioError, AudioReader, AudioTooLong
from interp.captions.files import transcribe_audio
from interp.captions.layout import Segment
from interp.domain.caption_jobs import CaptionJobInfo, CaptionJobs, Transcript
from interp.i18n import N_
from interp.jobs.translation import MissingTranslation, translate_transcript
from interp.jobs.uploads import NO_SOUND, TOO_LONG, Uploads
from interp.language_tools import LanguageTools, SpeechUnavailable, Unavailable
from interp.translation.translator import PIVOT

log = logging.getLogger(__name__)
T = TypeVar("T")

PROGRESS_EVERY_S = 1.0
# With a translation to make, recognition fills this much of the progress bar.
RECOGNITION_SHARE = 0.9
# After an unexpected error (the database gone away), wait this long before trying again.
RETRY_S = 5.0

# Why a job failed, for the person who uploaded the recording.
UPLOAD_LOST = N_("The uploaded file was lost. Upload the recording again.")
ENGLISH_ONLY = N_("This server's speech model understands only English.")
FAILED = N_("Captioning failed. Try again, or ask the administrator to look at the server log.")
UNAVAILABLE = {
    Unavailable.OFF: N_("Captioning is switched off on this server."),
    Unavailable.NO_MODEL: N_("Captioning is not set up on this server yet (no speech model)."),
}


class JobFailed(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Progress:
    """Seconds of a recording recognised so far; written by the engine's threads."""

    def __init__(self) -> None:
        self.total_s = 0.0
        self.done_s = 0.0

    def update(self, done_s: float) -> None:
        self.done_s = max(self.done_s, done_s)

    @property
    def fraction(self) -> float:
        return min(1.0, self.done_s / self.total_s) if self.total_s > 0 else 0.0


async def in_daemon_thread(work: Callable[[], T]) -> T:
    """``work()`` in a daemon thread of its own.

    Not the loop's executor: a recognition cut short by a stop cannot be interrupted,
    and the executor's threads would hold the process open until it ends.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(outcome: Callable[[], None]) -> None:
        if not future.done():
            outcome()

    def run() -> None:
        try:
            result = work()
        except BaseException as exc:  # handed to the awaiting task, whatever it is
            error = exc
            with contextlib.suppress(RuntimeError):  # the loop has closed meanwhile
                loop.call_soon_threadsafe(settle, lambda: future.set_exception(error))
        else:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(settle, lambda: future.set_result(result))

    threading.Thread(target=run, name="caption-job", daemon=True).start()
    return await future


class CaptionWorker:
    def __init__(
        self,
        jobs: CaptionJobs,
        uploads: Uploads,
        language_tools: LanguageTools,
        max_minutes: int,
        single_node: bool = True,
    ) -> None:
        self.jobs = jobs
        self.uploads = uploads
        self.language_tools = language_tools
        # Decoding stops here, whatever length the file declared when it was uploaded.
        self.max_minutes = max_minutes
        # On one node every unfinished job's upload should be here; with several, a job
        # whose upload is elsewhere belongs to another node.
        self.single_node = single_node
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        # Tells a recognition thread to give up when the worker stops.
        self._stopping = threading.Event()

    async def start(self) -> None:
        """Recover from the last stop (before any upload can arrive), then start working."""
        try:
            await self.recover()
        except Exception:
            log.exception("recordings: recovery after start failed")
        self._task = asyncio.create_task(self._run(), name="caption-worker")

    def wake(self) -> None:
        """A job was queued: look for work now."""
        self._wake.set()

    async def stop(self) -> None:
        if self._task is None:
            return
        self._stopping.set()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def recover(self) -> None:
        """Queue again what a stopped process left running; clear up after it."""
        self.uploads.clear_incoming()
        here = self.uploads.job_ids()
        unfinished = await self.jobs.unfinished()
        requeued = await self.jobs.requeue(j.id for j in unfinished if j.id in here)
        if requeued:
            log.info("recordings: %d interrupted captioning jobs queued again", requeued)
        if self.single_node:
            for job in unfinished:
                if job.id not in here:
                    await self.jobs.fail(job.id, UPLOAD_LOST)
        # Uploads of jobs that finished or were deleted while their file stayed behind.
        for job_id in here - {j.id for j in unfinished}:
            self.uploads.remove(job_id)

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                job = await self.jobs.claim_next(self.uploads.job_ids())
            except Exception:
                log.exception("recordings: cannot read the job queue")
                await asyncio.sleep(RETRY_S)
                continue
            if job is None:
                await self._wake.wait()
                continue
            try:
                await self._process(job)
            except Exception:  # the worker must outlive any one job
                log.exception("recordings: job %s could not be recorded as ended", job.id)

    async def _process(self, job: CaptionJobInfo) -> None:
        path = self.uploads.path_of(job.id)
        if path is None:
            await self.jobs.fail(job.id, UPLOAD_LOST)
            return
        try:
            transcript = await self._caption(job, path)
        except JobFailed as exc:
            await self.jobs.fail(job.id, exc.reason)
        except AudioTooLong:
            await self.jobs.fail(job.id, TOO_LONG)
        except AudioError:
            await self.jobs.fail(job.id, NO_SOUND)
        except Exception:
            log.exception("recordings: captioning job %s failed", job.id)
            await self.jobs.fail(job.id, FAILED)
        else:
            await self.jobs.finish(job.id, transcript)
        # Not reached when the worker is stopped mid-job: the upload stays for the restart.
        self.uploads.remove(job.id)

    async def _caption(self, job: CaptionJobInfo, path: Path) -> Transcript:
        unavailable = self.language_tools.unavailable()
        if unavailable is not None:
            raise JobFailed(UNAVAILABLE[unavailable])
        try:
            engine = await self.language_tools.engine()
        except SpeechUnavailable as exc:
            raise JobFailed(FAILED) from exc
        if not engine.multilingual and job.language not in (None, "en"):
            raise JobFailed(ENGLISH_ONLY)
        share = RECOGNITION_SHARE if job.translate_to else 1.0
        progress = _Progress()
        # Asked for a translation: the speech model's own English costs a pass per segment
        # but needs no translation model, and leads on to the languages installed from it.
        english: list[str] | None = [] if job.translate_to and engine.multilingual else None

        def recognise() -> tuple[list[Segment], float]:
            # Decoded as recognition goes: a long recording is never in memory whole.
            with AudioReader(path, max_s=self.max_minutes * 60) as audio:
                progress.total_s = audio.declared_s
                # One pass at a time: live captions share the engine and go first.
                segments = transcribe_audio(
                    engine, audio, job.language, on_progress=progress.update,
                    passes=1, stop=self._stopping, english=english,
                )
                return segments, audio.decoded_s

        segments, duration = await self._reporting(
            job.id, in_daemon_thread(recognise), lambda: share * progress.fraction
        )
        transcript = Transcript(tuple(segments), duration)
        if english is not None and transcript.languages() not in ((), (PIVOT,)):
            transcript = transcript.with_translation(PIVOT, english)
        if job.translate_to is None:
            return transcript
        translated = _Progress()
        translated.total_s = 1.0
        try:
            texts = await self._reporting(
                job.id,
                translate_transcript(self.language_tools.translation, transcript,
                                     job.translate_to, translated.update),
                lambda: share + (1 - share) * translated.fraction,
            )
        except MissingTranslation as exc:
            # The captions are still worth having; asking for this language later says
            # which model to install.
            log.warning("recordings: job %s not translated: %s", job.id, exc)
            return transcript
        return transcript.with_translation(job.translate_to, texts)

    async def _reporting(
        self, job_id: str, work: Awaitable[T], fraction: Callable[[], float]
    ) -> T:
        """Await ``work``, writing the job's progress each second while it changes."""
        task = asyncio.ensure_future(work)
        written = -1.0
        try:
            while True:
                done, _ = await asyncio.wait({task}, timeout=PROGRESS_EVERY_S)
                if done:
                    return task.result()
                now = round(fraction(), 3)
                if now != written:
                    await self.jobs.set_progress(job_id, now)
                    written = now
        finally:
            task.cancel()
