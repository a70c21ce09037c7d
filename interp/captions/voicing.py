"""A second opinion for the VAD: sustained, loud, voiced sound.

Silero scores some real speech, falsetto above all, close to zero. Voiced speech is
periodic (a strong autocorrelation peak at the pitch period) and, after a pause, far
louder than the line's noise floor; white noise is not periodic, and a steady tone or
hum is the noise floor itself. Windows that are both count as speech for the
segmenter; what is not speech after all is left to the recogniser's quality filter.
Works on the input before levelling, where the distance to the noise floor is real.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from interp.captions.audio import SAMPLE_RATE

# Pitch periods searched: 800 Hz (falsetto) down to 70 Hz.
MIN_LAG = SAMPLE_RATE // 800
MAX_LAG = SAMPLE_RATE // 70
# Normalised autocorrelation at the pitch period: vowels 0.8-0.95, white noise ~0.1.
VOICED = 0.7
# The noise floor is the quietest window of the last few seconds; below this it is
# treated as this (digital silence would make any sound "loud").
FLOOR_S = 3.0
MIN_FLOOR_DB = -80.0


class VoicingDetector:
    """Feed consecutive windows of one stream's raw audio; get which are loud and voiced."""

    def __init__(self, window: int, above_floor_db: float) -> None:
        self._window = window
        self._above_floor_db = above_floor_db
        self._levels: deque[float] = deque(maxlen=int(FLOOR_S * SAMPLE_RATE / window))

    def feed(self, windows: np.ndarray) -> np.ndarray:
        """``windows``: shape (n, window). Returns n booleans."""
        x = windows.astype(np.float64)
        levels = 10 * np.log10(np.mean(x**2, axis=1) + 1e-20)
        x -= x.mean(axis=1, keepdims=True)
        spectrum = np.fft.rfft(x, 2 * self._window, axis=1)
        autocorrelation = np.fft.irfft(np.abs(spectrum) ** 2, axis=1)
        peak = autocorrelation[:, MIN_LAG : MAX_LAG + 1].max(axis=1)
        voiced = peak >= VOICED * np.maximum(autocorrelation[:, 0], 1e-20)
        loud = np.zeros(len(windows), dtype=bool)
        for i, level in enumerate(levels):
            # Judged against the floor before this window, once a second of it is known.
            if len(self._levels) * self._window >= SAMPLE_RATE:
                floor = max(min(self._levels), MIN_FLOOR_DB)
                loud[i] = level >= floor + self._above_floor_db
            self._levels.append(float(level))
        return loud & voiced
