"""Caption jobs for uploaded recordings: who sees them, the queue a worker takes them from,
their progress and end, and the transcript (with translations) a finished one keeps."""

from __future__ import annotations

import asyncio

import pytest

from interp.captions.layout import Segment
from interp.domain.accounts import Account
from interp.domain.caption_jobs import (
    MAX_FILENAME,
    MAX_UNFINISHED_PER_OWNER,
    CaptionJobs,
    Transcript,
    clean_filename,
)
from interp.domain.errors import Conflict, InvalidInput, NotAllowed, NotFound
from tests.domain.services import PASSWORD, Services

SPOKEN = Transcript(
    (Segment(0.5, 2.0, "Hello world.", "en"), Segment(2.5, 4.0, "Where is the doctor?", "en")),
    duration_s=4.5,
)


@pytest.fixture
def jobs(services: Services) -> CaptionJobs:
    return CaptionJobs(services.accounts.db)


async def account(services: Services, name: str, role: str = "caseworker") -> Account:
    return await services.accounts.create(f"{name}@example.org", name.title(), role, PASSWORD)


async def test_a_job_is_seen_only_by_its_owner_and_coordinators(
    services: Services, jobs: CaptionJobs
) -> None:
    owner = await account(services, "kasia")
    other = await account(services, "omar")
    coordinator = await account(services, "carmen", "coordinator")
    job = await jobs.create(owner, "interview.mp3", 1234, "es", "en")
    assert (job.status, job.progress, job.language, job.translate_to) == ("queued", 0, "es", "en")
    assert (await jobs.owned(job.id, owner)).id == job.id
    assert (await jobs.owned(job.id, coordinator)).id == job.id
    with pytest.raises(NotAllowed):
        await jobs.owned(job.id, other)
    with pytest.raises(NotAllowed):
        await jobs.delete(job.id, other)
    assert [j.id for j in await jobs.for_owner(owner.id)] == [job.id]
    assert await jobs.for_owner(other.id) == []
    with pytest.raises(NotFound):
        await jobs.owned("0" * 32, owner)


@pytest.mark.parametrize(
    ("role", "size", "language", "translate_to", "error"),
    [
        ("volunteer", 10, None, None, NotAllowed),
        ("caseworker", 0, None, None, InvalidInput),
        ("caseworker", 10, "xx", None, InvalidInput),
        ("caseworker", 10, "bfi", None, InvalidInput),  # a sign language is not heard
        ("caseworker", 10, None, "zz", InvalidInput),
    ],
)
async def test_bad_jobs_are_refused_and_change_nothing(
    services: Services, jobs: CaptionJobs, role: str, size: int, language: str | None,
    translate_to: str | None, error: type[Exception],
) -> None:
    someone = await account(services, "someone", role)
    with pytest.raises(error):
        await jobs.create(someone, "a.wav", size, language, translate_to)
    assert await jobs.unfinished() == []


def test_filenames_lose_folders_and_fit_the_column() -> None:
    assert clean_filename("C:\\Users\\ana\\interview.m4a") == "interview.m4a"
    assert clean_filename("../../etc/passwd") == "passwd"
    assert clean_filename("  \x00 ") == "recording"
    long = clean_filename("x" * 400 + ".webm")
    assert len(long) == MAX_FILENAME and long.endswith(".webm")


async def test_one_person_cannot_fill_the_queue(services: Services, jobs: CaptionJobs) -> None:
    owner = await account(services, "kasia")
    for n in range(MAX_UNFINISHED_PER_OWNER):
        await jobs.create(owner, f"{n}.wav", 10)
    assert not await jobs.room_for(owner.id)
    with pytest.raises(Conflict):
        await jobs.create(owner, "one more.wav", 10)
    other = await account(services, "omar")
    assert await jobs.room_for(other.id)
    first = (await jobs.unfinished())[0]
    await jobs.fail(first.id, "broken")
    assert await jobs.room_for(owner.id)


async def test_the_worker_takes_the_oldest_job_it_has_the_file_of(
    services: Services, jobs: CaptionJobs
) -> None:
    owner = await account(services, "kasia")
    first = await jobs.create(owner, "first.wav", 10)
    second = await jobs.create(owner, "second.wav", 10)
    third = await jobs.create(owner, "third.wav", 10)
    # The first job's upload is on another node's disk.
    claimed = await jobs.claim_next([third.id, second.id])
    assert claimed is not None and claimed.id == second.id and claimed.status == "running"
    assert claimed.started_at is not None
    assert (await jobs.claim_next([second.id])) is None  # running already
    assert (await jobs.claim_next([])) is None
    assert [j.id for j in await jobs.unfinished()] == [first.id, second.id, third.id]


async def test_two_workers_never_take_the_same_job(services: Services, jobs: CaptionJobs) -> None:
    owner = await account(services, "kasia")
    job = await jobs.create(owner, "only.wav", 10)
    claims = await asyncio.gather(*(jobs.claim_next([job.id]) for _ in range(4)))
    assert [c.id for c in claims if c is not None] == [job.id]


async def test_progress_then_the_transcript(services: Services, jobs: CaptionJobs) -> None:
    owner = await account(services, "kasia")
    job = await jobs.create(owner, "talk.wav", 10)
    await jobs.set_progress(job.id, 0.5)
    assert (await jobs.get(job.id)).progress == 0  # not running yet: nothing to report
    await jobs.claim_next([job.id])
    await jobs.set_progress(job.id, 0.25)
    assert (await jobs.get(job.id)).progress == 0.25
    with pytest.raises(Conflict):
        await jobs.transcript(job.id)
    await jobs.finish(job.id, SPOKEN)
    done = await jobs.get(job.id)
    assert (done.status, done.progress, done.finished) == ("done", 1.0, True)
    assert done.language == "en"  # detected, since none was chosen
    assert done.finished_at is not None
    assert await jobs.transcript(job.id) == SPOKEN
    assert await jobs.unfinished() == []


async def test_a_failed_job_says_why(services: Services, jobs: CaptionJobs) -> None:
    owner = await account(services, "kasia")
    job = await jobs.create(owner, "noise.wav", 10, "es")
    await jobs.claim_next([job.id])
    await jobs.fail(job.id, "This file has no sound to caption.")
    failed = await jobs.get(job.id)
    assert (failed.status, failed.error) == ("failed", "This file has no sound to caption.")
    await jobs.finish(job.id, SPOKEN)  # too late: a failed job stays failed
    assert (await jobs.get(job.id)).status == "failed"


async def test_jobs_left_running_are_queued_again(services: Services, jobs: CaptionJobs) -> None:
    owner = await account(services, "kasia")
    job = await jobs.create(owner, "long.wav", 10)
    await jobs.claim_next([job.id])
    await jobs.set_progress(job.id, 0.7)
    assert await jobs.requeue([job.id]) == 1
    again = await jobs.get(job.id)
    assert (again.status, again.progress, again.started_at) == ("queued", 0, None)
    assert await jobs.requeue([job.id]) == 0  # queued already
    assert (await jobs.claim_next([job.id])) is not None


async def test_translations_are_kept_with_the_transcript(
    services: Services, jobs: CaptionJobs
) -> None:
    owner = await account(services, "kasia")
    job = await jobs.create(owner, "talk.wav", 10)
    await jobs.claim_next([job.id])
    await jobs.finish(job.id, SPOKEN)
    await jobs.add_translation(job.id, "es", ["Hola mundo.", "¿Dónde está el médico?"])
    transcript = await jobs.transcript(job.id)
    spanish = transcript.in_language("es")
    assert spanish is not None and [s.text for s in spanish] == ["Hola mundo.",
                                                                 "¿Dónde está el médico?"]
    assert [(s.start_s, s.end_s, s.language) for s in spanish] == [(0.5, 2.0, "es"),
                                                                   (2.5, 4.0, "es")]
    assert transcript.in_language("en") == list(SPOKEN.segments)
    assert transcript.in_language("") == list(SPOKEN.segments)
    assert transcript.in_language("fr") is None
    with pytest.raises(ValueError):
        await jobs.add_translation(job.id, "fr", ["one text for two segments"])


def test_a_transcript_in_two_languages() -> None:
    mixed = Transcript(
        (Segment(0, 1, "Hola.", "es"), Segment(1, 2, "Hello.", "en"), Segment(2, 3, "Sí.", "es")),
        duration_s=3,
    )
    assert mixed.language == "es"
    assert mixed.languages() == ("es", "en")
    assert mixed.in_language("es") is None  # part of it must be translated first
    assert Transcript.from_json(mixed.to_json()) == mixed
    assert Transcript((), 0).language == ""


async def test_deleting_a_job_removes_it(services: Services, jobs: CaptionJobs) -> None:
    owner = await account(services, "kasia")
    coordinator = await account(services, "carmen", "coordinator")
    job = await jobs.create(owner, "talk.wav", 10)
    deleted = await jobs.delete(job.id, coordinator)
    assert deleted.id == job.id
    with pytest.raises(NotFound):
        await jobs.get(job.id)
