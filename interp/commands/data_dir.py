"""The data directory must be writable before a command that stores anything starts."""

from __future__ import annotations

import tempfile
from pathlib import Path


def unwritable_reason(data_dir: Path) -> str | None:
    """One line saying why nothing can be written in ``data_dir`` and what to do; None if
    a file can be created there. Found by trying: permissions alone miss a read-only
    mount, a full disk, or a file where the directory should be."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=data_dir) as probe:
            probe.write(b"interp")
            probe.flush()
    except OSError as exc:
        return (
            f"interp: cannot write to the data directory {data_dir} ({exc.strerror}). "
            "Make it writable by the user running interp, or set INTERP_DATA_DIR to a "
            "directory that is."
        )
    return None
