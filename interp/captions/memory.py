"""Keep the engine's memory from growing with the number of threads that touched it.

glibc gives each thread that allocates its own malloc arena (up to 8 per core), and
CTranslate2's worker threads and the scheduler allocate buffers of ever-different sizes
(each utterance has its own length), so freed memory piles up in separate arenas.
docs/captions.md has the measurements.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

M_ARENA_MAX = -8  # from glibc's malloc.h
ARENAS = 2


def limit_malloc_arenas() -> None:
    """Cap glibc's malloc arenas for this process (no-op elsewhere or if set by the user)."""
    if "MALLOC_ARENA_MAX" in os.environ:
        return
    name = ctypes.util.find_library("c")
    if not name:
        return
    try:
        libc = ctypes.CDLL(name)
        libc.mallopt(M_ARENA_MAX, ARENAS)
    except (OSError, AttributeError):
        pass  # not glibc: its allocator has no arenas to cap
