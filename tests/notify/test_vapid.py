"""The VAPID key is made once, whole, however many senders ask for it first at once."""

from __future__ import annotations

import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from interp.notify.vapid import KEY_FILE, VapidKeys


def test_senders_starting_together_share_one_whole_key(tmp_path: Path) -> None:
    # Separate instances, as separate processes would be, all asking at the same moment.
    senders = [VapidKeys(tmp_path) for _ in range(16)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        public_keys = set(pool.map(lambda keys: keys.public_key, senders))

    assert len(public_keys) == 1
    assert [p.name for p in tmp_path.iterdir()] == [KEY_FILE]  # nothing left aside
    assert stat.S_IMODE((tmp_path / KEY_FILE).stat().st_mode) == 0o600
    assert VapidKeys(tmp_path).public_key in public_keys  # and the next start reads it
