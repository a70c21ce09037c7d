"""Recordings uploaded to a live server by signed-in staff, and their captioning jobs
followed through the recordings API."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx

from tests.live_server import LiveServer, csrf_from, sign_in

JSON = {"accept": "application/json"}


@contextlib.asynccontextmanager
async def staff(
    server: LiveServer, name: str, role: str = "caseworker"
) -> AsyncIterator[httpx.AsyncClient]:
    """A new account of ``role``, signed in."""
    email = f"{name}@example.org"
    await server.create_account(email, role, name=name.title())
    async with httpx.AsyncClient(base_url=server.url, timeout=120) as client:
        assert (await sign_in(client, email)).status_code == 303
        yield client


async def upload(
    client: httpx.AsyncClient, name: str, content: bytes, headers: dict[str, str] = JSON,
    **fields: str,
) -> httpx.Response:
    """Post ``content`` as a recording from the recordings page's form."""
    csrf = csrf_from((await client.get("/recordings")).text)
    return await client.post(
        "/recordings", data={"csrf_token": csrf, **fields},
        files={"recording": (name, content)}, headers=headers,
    )


async def upload_file(client: httpx.AsyncClient, path: Path, **fields: str) -> dict[str, Any]:
    """Upload a file that must be accepted; the job made for it."""
    made = await upload(client, path.name, await asyncio.to_thread(path.read_bytes), **fields)
    assert made.status_code == 201, made.text
    job: dict[str, Any] = made.json()["job"]
    return job


async def status(client: httpx.AsyncClient, job_id: str) -> dict[str, Any]:
    """The job as the recordings API shows it now."""
    answer = await client.get(f"/api/recordings/{job_id}")
    assert answer.status_code == 200, answer.text
    job: dict[str, Any] = answer.json()["job"]
    return job


async def finished(
    client: httpx.AsyncClient, job_id: str, within: float = 600
) -> tuple[dict[str, Any], list[float]]:
    """The job once done or failed, and the progress seen on the way (polled as the page does)."""
    seen = []
    async with asyncio.timeout(within):
        while True:
            job = await status(client, job_id)
            seen.append(job["progress"])
            if job["status"] in ("done", "failed"):
                return job, seen
            await asyncio.sleep(0.5)


def stored_files(server: LiveServer) -> list[Path]:
    """The uploaded files the server still keeps on its disk."""
    folder = server.settings.data_dir / "uploads"
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []
