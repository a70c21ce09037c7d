"""Audio input: decoding files to 16 kHz mono float32, the format the engine works in."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

SAMPLE_RATE = 16_000
# Decoded samples (at the file's own rate) resampled at a time: about 10 s of 48 kHz
# audio, so memory holds a few pieces of a file, never the whole of it. The same size
# as faster-whisper's decode_audio, whose output this matches sample for sample.
DECODE_GROUP = 500_000


class AudioError(ValueError):
    """A file could not be read as audio."""


class AudioTooLong(AudioError):
    """A file holds more audio than the caller accepts (``limit_s``), whatever its
    header said."""

    def __init__(self, path: Path, limit_s: float) -> None:
        super().__init__(f"{path} holds more than {limit_s:g} s of audio")
        self.limit_s = limit_s


class AudioReader:
    """A file's sound decoded piece by piece (any file PyAV can read, audio or video).

    ``declared_s`` is the length the container claims (0 when it does not say);
    iterating yields 16 kHz mono float32 pieces and raises ``AudioTooLong`` once the
    decoded audio passes ``max_s``. Use it as a context manager.
    """

    def __init__(self, path: str | Path, max_s: float | None = None) -> None:
        import av

        self.path = Path(path)
        self.max_s = max_s
        self.decoded_s = 0.0
        if not self.path.is_file():
            raise AudioError(f"{self.path} does not exist or is not a file")
        try:
            self._container: Any = av.open(str(self.path), metadata_errors="ignore")
        except (av.FFmpegError, ValueError, UnicodeDecodeError) as exc:
            raise AudioError(f"cannot read audio from {self.path}: {exc}") from exc
        if not self._container.streams.audio:
            self._container.close()
            raise AudioError(f"cannot read audio from {self.path}: it has no sound track")
        duration = self._container.duration
        self.declared_s = duration / av.time_base if duration else 0.0

    def __iter__(self) -> Iterator[np.ndarray]:
        import av

        limit = None if self.max_s is None else round(self.max_s * SAMPLE_RATE)
        decoded = 0
        try:
            for piece in self._resampled():
                decoded += len(piece)
                self.decoded_s = decoded / SAMPLE_RATE
                if limit is not None and decoded > limit:
                    raise AudioTooLong(self.path, self.max_s or 0.0)
                yield piece
        except av.FFmpegError as exc:
            raise AudioError(f"cannot read audio from {self.path}: {exc}") from exc

    def _resampled(self) -> Iterator[np.ndarray]:
        import av

        # s16, then float: the samples faster-whisper's own decoder gives.
        resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
        fifo = av.AudioFifo()
        try:
            for frame in self._frames():
                frame.pts = None  # the FIFO would refuse frames with gaps in their timestamps
                fifo.write(frame)
                if fifo.samples >= DECODE_GROUP:
                    yield from self._convert(resampler.resample(fifo.read()))
            if fifo.samples:
                yield from self._convert(resampler.resample(fifo.read()))
            yield from self._convert(resampler.resample(None))
        finally:
            # PyAV frees a resampler's buffers only when the garbage collector runs
            # (SYSTRAN/faster-whisper#390): collect now rather than hold them.
            del resampler, fifo
            gc.collect()

    def _frames(self) -> Iterator[Any]:
        import av

        frames = self._container.decode(self._container.streams.audio[0])
        while True:
            try:
                yield next(frames)
            except StopIteration:
                return
            except av.InvalidDataError:
                continue  # a damaged packet: skip it, as ffmpeg does

    @staticmethod
    def _convert(frames: list[Any]) -> Iterator[np.ndarray]:
        for frame in frames:
            yield frame.to_ndarray().reshape(-1).astype(np.float32) / 32768.0

    def close(self) -> None:
        self._container.close()

    def __enter__(self) -> AudioReader:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def load_audio(path: str | Path) -> np.ndarray:
    """Decode a whole file (audio or video) to 16 kHz mono float32."""
    with AudioReader(path) as reader:
        pieces = list(reader)
    return np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)
