"""Uploaded recordings on disk until their job is done.

Files arrive in ``incoming/`` under a random name; once their job exists they are
renamed after it (``<job id><suffix>``), which is how the worker knows what it can
run. Each node keeps its own folder: a job runs on the node that received its file.
"""

from __future__ import annotations

import contextlib
import re
import secrets
from pathlib import Path

from interp.i18n import N_

NOT_MEDIA = N_("This file is not an audio or video recording that can be read.")
NO_SOUND = N_("This file has no sound to caption.")
# Shown with the limit (the upload_max_minutes setting) filled in.
TOO_LONG = N_("This recording is longer than %(duration)s, the most this server accepts.")
# Suffixes kept on stored files: they help the decoder recognise raw formats.
_SUFFIX = re.compile(r"^\.[a-z0-9]{1,8}$")


class NotMedia(ValueError):
    """A file that is not audio or video PyAV can decode; ``message`` says which case."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def probe_media(path: Path) -> float:
    """The recording's length in seconds (0 when the container does not say), after
    decoding its first piece of sound; raises ``NotMedia``."""
    import av

    try:
        container = av.open(str(path))
    except (av.FFmpegError, ValueError, UnicodeDecodeError) as exc:
        raise NotMedia(NOT_MEDIA) from exc
    with container:
        if not container.streams.audio:
            raise NotMedia(NO_SOUND)
        try:
            first = next(container.decode(container.streams.audio[0]), None)
        except av.FFmpegError as exc:
            raise NotMedia(NOT_MEDIA) from exc
        if first is None:
            raise NotMedia(NO_SOUND)
        return container.duration / av.time_base if container.duration else 0.0


def _suffix(filename: str) -> str:
    suffix = Path(filename.replace("\\", "/")).suffix.lower()
    return suffix if _SUFFIX.match(suffix) else ""


class Uploads:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.incoming = folder / "incoming"

    def new_incoming(self, filename: str) -> Path:
        """A fresh path for a file being received."""
        self.incoming.mkdir(parents=True, exist_ok=True)
        return self.incoming / f"{secrets.token_hex(16)}{_suffix(filename)}"

    def keep(self, received: Path, job_id: str) -> Path:
        """Hand a received file to its job."""
        stored = self.folder / f"{job_id}{received.suffix}"
        received.replace(stored)
        return stored

    def path_of(self, job_id: str) -> Path | None:
        return next((p for p in self._stored() if p.name.split(".", 1)[0] == job_id), None)

    def job_ids(self) -> set[str]:
        """The jobs whose recordings are here."""
        return {p.name.split(".", 1)[0] for p in self._stored()}

    def remove(self, job_id: str) -> None:
        path = self.path_of(job_id)
        if path is not None:
            path.unlink(missing_ok=True)

    @staticmethod
    def discard(received: Path) -> None:
        received.unlink(missing_ok=True)

    def clear_incoming(self) -> None:
        """Forget files whose upload never finished (the process stopped meanwhile)."""
        if self.incoming.is_dir():
            for path in self.incoming.iterdir():
                with contextlib.suppress(OSError):
                    path.unlink()

    def _stored(self) -> list[Path]:
        if not self.folder.is_dir():
            return []
        return [p for p in self.folder.iterdir() if p.is_file()]
