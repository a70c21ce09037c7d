"""Under overload a speaker's audio is skipped, and the room told, until recognition catches up."""

from __future__ import annotations

import numpy as np

from interp.live.service import SKIP_FROM_BACKLOG, _Speaking


def test_audio_is_skipped_from_a_backlog_until_it_has_drained() -> None:
    pushed: list[int] = []
    told: list[bool] = []
    backlog = [0]
    speaking = _Speaking(
        lambda samples: pushed.append(samples.size), lambda: backlog[0], told.append, "page-1"
    )
    chunk = np.zeros(320, dtype=np.float32)

    speaking(chunk)
    backlog[0] = SKIP_FROM_BACKLOG - 1
    speaking(chunk)
    assert pushed == [320, 320] and told == []

    backlog[0] = SKIP_FROM_BACKLOG
    speaking(chunk)
    speaking(chunk)
    assert pushed == [320, 320] and told == [True]

    backlog[0] = 1  # draining, but not caught up yet
    speaking(chunk)
    assert pushed == [320, 320] and told == [True]

    backlog[0] = 0
    speaking(chunk)
    assert pushed == [320, 320, 320] and told == [True, False]


def test_a_replaced_connection_feeds_nothing() -> None:
    pushed: list[int] = []
    speaking = _Speaking(lambda s: pushed.append(s.size), lambda: 0, lambda b: None, "page-1")
    speaking.current = False
    speaking(np.zeros(320, dtype=np.float32))
    assert pushed == []
