"""What the engine emits: caption events and the options of a stream."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from interp.captions.vad import VadOptions


@dataclass(frozen=True)
class CaptionEvent:
    """One caption update of one stream; times in seconds from the stream's start.

    A partial (``final`` False) shows the utterance so far: ``stable`` is the part that
    will not change before the final, the rest of ``text`` is tentative. The final of
    the same utterance (same ``start_s``) replaces every partial before it; its text
    may be empty when the partials turned out to be noise.
    """

    stream: str
    seq: int
    start_s: float
    end_s: float
    text: str
    stable: str
    language: str
    final: bool
    # How far the audio pushed so far ran ahead of end_s when the event was emitted.
    lag_s: float
    # English text of a final, when the stream asked for it (Whisper's translate task).
    english: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class StreamOptions:
    # ISO 639-1 code, or None to detect it within the first utterance.
    language: str | None = None
    # With language None: detect the language of every utterance, choosing among these
    # (a shared device where two people speak two languages; an interpreter).
    candidate_languages: tuple[str, ...] = ()
    # "transcribe", or "translate" for English captions of any language.
    task: str = "transcribe"
    # Partial captions while someone speaks; off for file captioning.
    partials: bool = True
    # Seconds of new speech between partial passes, and the share of the utterance so far
    # that must be new: each pass re-reads the whole utterance, so a fixed cadence would
    # cost quadratically in its length. Passes at 1, 2, 4, 8 s of an utterance.
    partial_interval_s: float = 1.0
    partial_growth: float = 1.0
    partial_beam_size: int = 1
    final_beam_size: int = 5
    # Start the final this long into a pause, before the VAD's end_silence_s decides that
    # the utterance is over (None: wait for the VAD). At least the VAD's pad_s.
    early_final_after_s: float | None = 0.25
    # Seconds of silence after the speech in the encoder window (<= 0: full 30 s window).
    padding_s: float = 5.0
    # The same for partials: tentative text, read again by the final, so a cheaper window.
    partial_padding_s: float = 3.0
    # Also give finals an English translation (``CaptionEvent.english``).
    translate_finals: bool = False
    # Recognition passes of this stream that may run at once (1 keeps live output in order
    # cheaply; file captioning uses every worker).
    max_in_flight: int = 1
    vad: VadOptions = field(default_factory=VadOptions)
    # Words likely to be said (the organisation's glossary: names, places, local terms),
    # given to the decoder as hints. None: the engine's own (``CaptionEngine.hints``),
    # which a server keeps up to date with its glossary; () for none at all.
    hotwords: tuple[str, ...] | None = None
