"""Captioning uploaded recordings: the jobs a background worker runs, one at a time.

A job goes queued -> running -> done (its transcript kept) or failed (an error a person
can act on). Only the caseworker who uploaded the recording, or a coordinator, sees it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import PurePath
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from interp.captions.layout import Segment
from interp.domain.accounts import is_staff, may_manage
from interp.domain.errors import Conflict, InvalidInput, NotAllowed, NotFound
from interp.domain.kinds import JobStatus
from interp.domain.tokens import new_id, utcnow
from interp.languages import get_language
from interp.store.database import Database, rowcount
from interp.store.models import CaptionJob

UNFINISHED = (JobStatus.QUEUED, JobStatus.RUNNING)
MAX_FILENAME = 255
# Recordings one person may have waiting or running at once: one upload cannot be
# followed by a hundred that hold everyone else's up.
MAX_UNFINISHED_PER_OWNER = 10


@dataclass(frozen=True)
class Transcript:
    """A captioned recording: final segments in the spoken language, and translations of
    them (one text per segment, same order) made so far."""

    segments: tuple[Segment, ...]
    duration_s: float
    translations: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def language(self) -> str:
        """The language most of the recording is in ("" when nothing was said)."""
        spoken = [s.language for s in self.segments if s.language]
        # The first one heard wins a tie.
        return max(dict.fromkeys(spoken), key=spoken.count) if spoken else ""

    def languages(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.language for s in self.segments if s.language))

    def in_language(self, language: str) -> list[Segment] | None:
        """The segments in ``language`` ("": as spoken): the original when all of it was
        spoken in that language, else a translation made before; None if there is none."""
        if not language or all(s.language == language for s in self.segments):
            return list(self.segments)
        texts = self.translations.get(language)
        if texts is None:
            return None
        return [
            Segment(s.start_s, s.end_s, text, language, s.speaker)
            for s, text in zip(self.segments, texts, strict=True)
        ]

    def with_translation(self, language: str, texts: list[str]) -> Transcript:
        if len(texts) != len(self.segments):
            raise ValueError("a translation needs one text per segment")
        return replace(self, translations={**self.translations, language: tuple(texts)})

    def to_json(self) -> str:
        return json.dumps(
            {
                "duration_s": self.duration_s,
                "segments": [asdict(s) for s in self.segments],
                "translations": {k: list(v) for k, v in self.translations.items()},
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> Transcript:
        data = json.loads(text)
        return cls(
            segments=tuple(Segment(**s) for s in data["segments"]),
            duration_s=float(data["duration_s"]),
            translations={k: tuple(v) for k, v in data.get("translations", {}).items()},
        )


@dataclass(frozen=True)
class CaptionJobInfo:
    id: str
    owner_id: str
    filename: str
    size_bytes: int
    # The spoken language: chosen at upload, or once done the one detected (None until then).
    language: str | None
    # A language to translate the captions into as part of the job.
    translate_to: str | None
    status: str  # a JobStatus
    progress: float
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    # The languages a translation of the transcript is kept in (made with it, or since).
    translated_into: tuple[str, ...] = ()

    @property
    def finished(self) -> bool:
        return self.status not in UNFINISHED

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "filename": self.filename,
            "size_bytes": self.size_bytes,
            "language": self.language,
            "translate_to": self.translate_to,
            "status": self.status,
            "progress": round(self.progress, 3),
            "error": self.error,
            "created_at": self.created_at.isoformat(),
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
        }


def view(row: CaptionJob) -> CaptionJobInfo:
    return CaptionJobInfo(
        id=row.id,
        owner_id=row.owner_id,
        filename=row.filename,
        size_bytes=row.size_bytes,
        language=row.language,
        translate_to=row.translate_to,
        status=row.status,
        progress=row.progress,
        error=row.error,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        translated_into=tuple(json.loads(row.result).get("translations", ())) if row.result else (),
    )


def clean_filename(name: str) -> str:
    """The name a browser gave the file, without any folders and within the column."""
    # Browsers on Windows may send a whole path; neither separator may survive.
    base = PurePath(name.replace("\\", "/")).name.strip()
    base = "".join(ch for ch in base if ch.isprintable())
    if len(base) > MAX_FILENAME:
        stem, dot, suffix = base.rpartition(".")
        keep = MAX_FILENAME - len(suffix) - 1
        base = f"{stem[:keep]}.{suffix}" if dot and 0 < len(suffix) < 16 else base[:MAX_FILENAME]
    return base or "recording"


def check_spoken_language(code: str | None, what: str) -> str | None:
    if not code:
        return None
    language = get_language(code)
    if language is None or language.signed:
        raise InvalidInput(f"Unknown {what} {code!r}.")
    return code


async def _unfinished_of(session: AsyncSession, owner_id: str) -> int:
    waiting = await session.scalar(
        select(func.count()).select_from(CaptionJob).where(
            CaptionJob.owner_id == owner_id, CaptionJob.status.in_(UNFINISHED)
        )
    )
    return int(waiting or 0)


class CaptionJobs:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(
        self,
        owner: Any,
        filename: str,
        size_bytes: int,
        language: str | None = None,
        translate_to: str | None = None,
    ) -> CaptionJobInfo:
        """A queued job for a recording the owner uploaded."""
        if not is_staff(owner):
            raise NotAllowed("Only caseworkers caption recordings.")
        if size_bytes <= 0:
            raise InvalidInput("The file is empty.")
        row = CaptionJob(
            id=new_id(),
            owner_id=owner.id,
            filename=clean_filename(filename),
            size_bytes=size_bytes,
            language=check_spoken_language(language, "spoken language"),
            translate_to=check_spoken_language(translate_to, "translation language"),
            status=JobStatus.QUEUED,
            progress=0.0,
            created_at=utcnow(),
        )
        async with self.db.session() as session:
            if await _unfinished_of(session, owner.id) >= MAX_UNFINISHED_PER_OWNER:
                raise Conflict(
                    f"You have {MAX_UNFINISHED_PER_OWNER} recordings waiting: "
                    "upload more when one has finished."
                )
            session.add(row)
        return view(row)

    async def room_for(self, owner_id: str) -> bool:
        """Whether the owner may queue another recording now (checked before an upload)."""
        async with self.db.session() as session:
            return await _unfinished_of(session, owner_id) < MAX_UNFINISHED_PER_OWNER

    async def get(self, job_id: str) -> CaptionJobInfo:
        async with self.db.session() as session:
            row = await session.get(CaptionJob, job_id)
        if row is None:
            raise NotFound("No such recording.")
        return view(row)

    async def owned(self, job_id: str, user: Any) -> CaptionJobInfo:
        """The job, if this account may see it: whoever uploaded it, or a coordinator."""
        job = await self.get(job_id)
        if not may_manage(user, job.owner_id):
            raise NotAllowed("This is another caseworker's recording.")
        return job

    async def for_owner(self, owner_id: str) -> list[CaptionJobInfo]:
        """The owner's jobs, newest first."""
        async with self.db.session() as session:
            rows = await session.scalars(
                select(CaptionJob)
                .where(CaptionJob.owner_id == owner_id)
                .order_by(CaptionJob.created_at.desc(), CaptionJob.id)
            )
            return [view(row) for row in rows]

    async def unfinished(self) -> list[CaptionJobInfo]:
        """Queued and running jobs, oldest first."""
        async with self.db.session() as session:
            rows = await session.scalars(
                select(CaptionJob)
                .where(CaptionJob.status.in_(UNFINISHED))
                .order_by(CaptionJob.created_at, CaptionJob.id)
            )
            return [view(row) for row in rows]

    async def claim_next(self, among: Iterable[str]) -> CaptionJobInfo | None:
        """Mark the oldest queued job of ``among`` running and return it; None if none.

        ``among`` names the jobs this worker can run (their uploads are on its disk). The
        claim is a conditional update, so two workers never run the same job.
        """
        ids = list(among)
        while ids:
            async with self.db.session() as session:
                job_id = await session.scalar(
                    select(CaptionJob.id)
                    .where(CaptionJob.id.in_(ids), CaptionJob.status == JobStatus.QUEUED)
                    .order_by(CaptionJob.created_at, CaptionJob.id)
                    .limit(1)
                )
                if job_id is None:
                    return None
                claimed = await session.execute(
                    update(CaptionJob)
                    .where(CaptionJob.id == job_id, CaptionJob.status == JobStatus.QUEUED)
                    .values(status=JobStatus.RUNNING, progress=0.0, started_at=utcnow())
                )
            if rowcount(claimed) == 1:
                return await self.get(job_id)
            ids.remove(job_id)  # another worker took it meanwhile
        return None

    async def set_progress(self, job_id: str, progress: float) -> None:
        async with self.db.session() as session:
            await session.execute(
                update(CaptionJob)
                .where(CaptionJob.id == job_id, CaptionJob.status == JobStatus.RUNNING)
                .values(progress=min(1.0, max(0.0, progress)))
            )

    async def finish(self, job_id: str, transcript: Transcript) -> None:
        async with self.db.session() as session:
            await session.execute(
                update(CaptionJob)
                .where(CaptionJob.id == job_id, CaptionJob.status == JobStatus.RUNNING)
                .values(status=JobStatus.DONE, progress=1.0, result=transcript.to_json(),
                        language=func.coalesce(CaptionJob.language, transcript.language or None),
                        finished_at=utcnow())
            )

    async def fail(self, job_id: str, error: str) -> None:
        """The job cannot finish; ``error`` tells its owner why, in a sentence."""
        async with self.db.session() as session:
            await session.execute(
                update(CaptionJob)
                .where(CaptionJob.id == job_id, CaptionJob.status.in_(UNFINISHED))
                .values(status=JobStatus.FAILED, error=error, finished_at=utcnow())
            )

    async def requeue(self, job_ids: Iterable[str]) -> int:
        """Put jobs left running (by a process that stopped) back in the queue."""
        ids = list(job_ids)
        if not ids:
            return 0
        async with self.db.session() as session:
            done = await session.execute(
                update(CaptionJob)
                .where(CaptionJob.id.in_(ids), CaptionJob.status == JobStatus.RUNNING)
                .values(status=JobStatus.QUEUED, progress=0.0, started_at=None)
            )
        return rowcount(done)

    async def transcript(self, job_id: str) -> Transcript:
        async with self.db.session() as session:
            row = await session.get(CaptionJob, job_id)
        if row is None:
            raise NotFound("No such recording.")
        if row.status != JobStatus.DONE or row.result is None:
            raise Conflict("The captions are not ready yet.")
        return Transcript.from_json(row.result)

    async def add_translation(self, job_id: str, language: str, texts: list[str]) -> None:
        """Keep a translation of the transcript, so the next download needs no model run."""
        async with self.db.session() as session:
            row = await session.get(CaptionJob, job_id, with_for_update=True)
            if row is None or row.result is None:
                return
            transcript = Transcript.from_json(row.result).with_translation(language, texts)
            row.result = transcript.to_json()

    async def delete(self, job_id: str, user: Any) -> CaptionJobInfo:
        """Remove a job and its transcript (its owner or a coordinator)."""
        job = await self.owned(job_id, user)
        async with self.db.session() as session:
            await session.execute(delete(CaptionJob).where(CaptionJob.id == job_id))
        return job
