"""Turning received WebRTC audio frames into the 16 kHz mono float32 the caption engine reads."""

from __future__ import annotations

import av
import numpy as np

SAMPLE_RATE = 16_000


class PcmConverter:
    """Resamples frames of any rate and layout (Opus gives 48 kHz stereo) to 16 kHz mono."""

    def __init__(self) -> None:
        self._resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)

    def convert(self, frame: av.AudioFrame) -> np.ndarray:
        chunks = [out.to_ndarray().reshape(-1) for out in self._resampler.resample(frame)]
        if not chunks:
            return np.zeros(0, dtype=np.float32)
        return np.concatenate(chunks).astype(np.float32, copy=False)
