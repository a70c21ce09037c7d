"""Audio input: decoding files to 16 kHz mono float32, the format the engine works in."""

from __future__ import annotations

from pathlib import Path

import numpy as np

SAMPLE_RATE = 16_000


class AudioError(ValueError):
    """A file could not be read as audio."""


def load_audio(path: str | Path) -> np.ndarray:
    """Decode any file PyAV can read (audio or video) to 16 kHz mono float32."""
    import av
    from faster_whisper.audio import decode_audio

    path = Path(path)
    if not path.is_file():
        raise AudioError(f"{path} does not exist or is not a file")
    try:
        audio = decode_audio(str(path), sampling_rate=SAMPLE_RATE)
    except (av.FFmpegError, IndexError, ValueError) as exc:
        # IndexError: a container with no audio stream.
        raise AudioError(f"cannot read audio from {path}: {exc}") from exc
    return np.asarray(audio, dtype=np.float32)
