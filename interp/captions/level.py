"""Levelling: bring quiet and loud speakers to one level before VAD and recognition.

Real recordings sit 40-50 dB apart; the VAD and Whisper silently drop speech far
below the level they were trained on. A follower tracks the short-term level (fast
attack, slow release) and the gain brings it to a fixed target. The gain is capped so
that the noise floor of a silent line is not lifted into "speech", and a soft limiter
keeps peaks below full scale.
"""

from __future__ import annotations

import numpy as np

from interp.captions.audio import SAMPLE_RATE

BLOCK = SAMPLE_RATE // 100  # 10 ms
# Short-term peak level the follower aims for (speech then averages about -25 dBFS).
TARGET_DBFS = -15.0
MAX_GAIN_DB = 45.0
# The follower falls by this much per second in pauses, so a long pause does not
# suddenly amplify the next breath.
RELEASE_DB_PER_S = 12.0


def _db_to_amp(db: float) -> float:
    return float(10 ** (db / 20))


class Leveller:
    """Streaming automatic gain; feed it consecutive chunks of one stream."""

    def __init__(self) -> None:
        self._level = _db_to_amp(TARGET_DBFS - MAX_GAIN_DB)
        self._gain = 1.0
        self._release = _db_to_amp(-RELEASE_DB_PER_S / 100)
        self._floor = _db_to_amp(TARGET_DBFS - MAX_GAIN_DB)
        self._carry = np.zeros(0, dtype=np.float32)

    def process(self, chunk: np.ndarray) -> np.ndarray:
        """Level ``chunk``; returns whole 10 ms blocks (a remainder waits for the next chunk)."""
        return self.level(chunk)[0]

    def level(self, chunk: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Like ``process``, and also the input those levelled samples came from."""
        audio = np.concatenate([self._carry, np.asarray(chunk, dtype=np.float32)])
        whole = len(audio) - len(audio) % BLOCK
        self._carry = audio[whole:]
        blocks = audio[:whole].reshape(-1, BLOCK)
        if not len(blocks):
            return np.zeros(0, dtype=np.float32), audio[:0]
        rms = np.sqrt(np.mean(blocks.astype(np.float64) ** 2, axis=1))
        target = _db_to_amp(TARGET_DBFS)
        gains = np.empty(len(blocks))
        for i, level in enumerate(rms):
            self._level = max(level, self._level * self._release, self._floor)
            gains[i] = target / self._level
        # Ramp the gain across each block so that it never jumps audibly.
        starts = np.concatenate([[self._gain], gains[:-1]])
        ramp = np.linspace(0.0, 1.0, BLOCK, endpoint=False)
        per_sample = starts[:, None] + (gains - starts)[:, None] * ramp[None, :]
        self._gain = float(gains[-1])
        out = (blocks * per_sample).ravel()
        return np.tanh(out).astype(np.float32), audio[:whole]


def level_audio(audio: np.ndarray) -> np.ndarray:
    """Level a whole recording the way a live stream would be levelled."""
    leveller = Leveller()
    padded = np.concatenate([audio, np.zeros(-len(audio) % BLOCK, dtype=np.float32)])
    return leveller.process(padded)[: len(audio)]
