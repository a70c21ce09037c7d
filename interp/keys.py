"""The server's secret key: it signs session cookies and derives the links shown more than once."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from interp.config import Settings


def secret_key(settings: Settings) -> str:
    """The configured key, or one generated on first start and kept in the data directory."""
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.data_dir) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # Created readable by the owner only; O_EXCL so two starting processes cannot both write.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key
