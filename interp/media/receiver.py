"""Reading a received audio track to its end and handing each piece of PCM to a sink."""

from __future__ import annotations

from collections.abc import Callable

import av
import numpy as np
from aiortc import MediaStreamTrack
from aiortc.mediastreams import MediaStreamError

from interp.media.audio import PcmConverter

AudioSink = Callable[[np.ndarray], None]


async def consume_audio(track: MediaStreamTrack, sink: AudioSink) -> int:
    """Read ``track`` until it ends, passing 16 kHz mono float32 samples to ``sink``.

    Every frame is read as it arrives: an unread aiortc track queues frames without
    bound. Opus decoding already runs in aiortc's decoder thread; resampling a
    20 ms frame is cheap enough for the event loop. Returns the samples delivered.
    """
    converter = PcmConverter()
    delivered = 0
    while True:
        try:
            frame = await track.recv()
        except MediaStreamError:
            return delivered
        if not isinstance(frame, av.AudioFrame):
            continue
        samples = converter.convert(frame)
        if samples.size:
            delivered += samples.size
            sink(samples)


async def drain(track: MediaStreamTrack) -> None:
    """Read and drop a track nobody needs: an unread track queues frames without bound."""
    while True:
        try:
            await track.recv()
        except MediaStreamError:
            return
