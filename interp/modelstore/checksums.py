"""Streaming sha256 with a progress bar for big files."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from tqdm import tqdm

CHUNK = 1 << 20
# Files smaller than this hash in well under a second: no progress bar for them.
PROGRESS_MIN_BYTES = 16 << 20


def progress(total: int, label: str) -> tqdm:
    """A byte progress bar on stderr, shown only for big files on a terminal."""
    return tqdm(
        total=total, desc=label, unit="B", unit_scale=True, unit_divisor=1024, leave=False,
        disable=None if total >= PROGRESS_MIN_BYTES else True,
    )


def sha256_file(path: Path, label: str | None = None) -> str:
    digest = hashlib.sha256()
    size = path.stat().st_size
    with open(path, "rb") as fh, progress(size, label or f"checking {path.name}") as bar:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            bar.update(len(chunk))
    return digest.hexdigest()


def copy_hashing(sources: Iterable[IO[bytes]], dest: Path, total: int, label: str) -> str:
    """Concatenate ``sources`` into ``dest`` and return the sha256 of what was written."""
    digest = hashlib.sha256()
    with open(dest, "wb") as out, progress(total, label) as bar:
        for src in sources:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
                bar.update(len(chunk))
    return digest.hexdigest()
