"""Live captions: streaming speech recognition with faster-whisper.

``CaptionEngine`` (one per process) owns the model and its workers;
``engine.open_stream(...)`` gives a ``CaptionStream`` per speaker that takes 16 kHz
mono float32 audio and emits ``CaptionEvent``s. docs/captions.md explains the design.
"""

from interp.captions.audio import SAMPLE_RATE, AudioError, load_audio
from interp.captions.engine import CaptionEngine
from interp.captions.events import CaptionEvent, StreamOptions
from interp.captions.stream import CaptionStream
from interp.captions.vad import VadOptions

__all__ = [
    "SAMPLE_RATE",
    "AudioError",
    "CaptionEngine",
    "CaptionEvent",
    "CaptionStream",
    "StreamOptions",
    "VadOptions",
    "load_audio",
]
