"""The recordings worker without a speech model: what it does after a restart, and how a
job that cannot run ends (its reason kept, its upload deleted)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from interp.config import load_settings
from interp.domain.accounts import Account, Accounts
from interp.domain.caption_jobs import CaptionJobInfo, CaptionJobs
from interp.jobs.uploads import Uploads
from interp.jobs.worker import UNAVAILABLE, UPLOAD_LOST, CaptionWorker, in_daemon_thread
from interp.language_tools import LanguageTools, Unavailable
from interp.store.database import Database, upgrade_schema


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'interp.db'}"
    await upgrade_schema(url)
    database = Database(url)
    yield database
    await database.close()


@pytest.fixture
async def owner(db: Database) -> Account:
    accounts = Accounts(db, invite_ttl=timedelta(hours=1))
    return await accounts.create("kasia@example.org", "Kasia", "caseworker",
                                 "correct horse battery")


def worker(db: Database, uploads: Uploads, tmp_path: Path, **settings: object) -> CaptionWorker:
    config = load_settings(None, data_dir=tmp_path, **settings)
    return CaptionWorker(CaptionJobs(db), uploads, LanguageTools(config),
                         max_minutes=config.upload_max_minutes)


def stored(uploads: Uploads, job: CaptionJobInfo) -> Path:
    received = uploads.new_incoming("talk.wav")
    received.write_bytes(b"audio")
    return uploads.keep(received, job.id)


async def test_after_a_restart_work_is_queued_again_and_leftovers_cleared(
    db: Database, owner: Account, tmp_path: Path
) -> None:
    jobs = CaptionJobs(db)
    uploads = Uploads(tmp_path / "uploads")
    interrupted = await jobs.create(owner, "interrupted.wav", 5)
    waiting = await jobs.create(owner, "waiting.wav", 5)
    lost = await jobs.create(owner, "lost.wav", 5)
    finished = await jobs.create(owner, "finished.wav", 5)
    for job in (interrupted, waiting, finished):
        stored(uploads, job)
    await jobs.claim_next([interrupted.id])
    await jobs.claim_next([finished.id])
    await jobs.fail(finished.id, "broken")  # its upload stayed behind (a crash in between)
    half_received = uploads.new_incoming("half.mp3")
    half_received.write_bytes(b"half")

    await worker(db, uploads, tmp_path).recover()

    assert (await jobs.get(interrupted.id)).status == "queued"
    assert (await jobs.get(waiting.id)).status == "queued"
    gone = await jobs.get(lost.id)
    assert (gone.status, gone.error) == ("failed", UPLOAD_LOST)
    assert uploads.job_ids() == {interrupted.id, waiting.id}
    assert not half_received.exists()


async def test_a_job_that_cannot_run_says_why_and_its_upload_is_deleted(
    db: Database, owner: Account, tmp_path: Path
) -> None:
    jobs = CaptionJobs(db)
    uploads = Uploads(tmp_path / "uploads")
    off = worker(db, uploads, tmp_path, captions=False)
    await off.start()
    try:
        job = await jobs.create(owner, "talk.wav", 5)
        stored(uploads, job)
        off.wake()
        async with asyncio.timeout(30):
            while True:
                if (await jobs.get(job.id)).status == "failed":
                    break
                await asyncio.sleep(0.05)
    finally:
        await off.stop()
    assert (await jobs.get(job.id)).error == UNAVAILABLE[Unavailable.OFF]
    assert uploads.job_ids() == set()


async def test_work_in_a_thread_hands_back_its_result_or_its_error() -> None:
    assert await in_daemon_thread(lambda: 6 * 7) == 42

    def broken() -> None:
        raise ValueError("no audio")

    with pytest.raises(ValueError, match="no audio"):
        await in_daemon_thread(broken)
