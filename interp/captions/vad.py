"""Streaming voice activity detection with the Silero model faster-whisper ships.

Splits one stream into utterances. Speech starts when the speech probability rises
above ``threshold``; it ends after ``end_silence_s`` below ``end_threshold`` (after
``long_end_silence_s`` once the utterance is ``long_utterance_s`` long). Each
utterance keeps ``pad_s`` of audio on both sides (the VAD is late on soft onsets and
trailing consonants) and is cut at its quietest point once it grows past
``max_utterance_s``, so that a speaker who never pauses still gets final captions.
Sustained loud, voiced sound (``interp.captions.voicing``) also counts as speech, for
the voices Silero does not hear.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from interp.captions.audio import SAMPLE_RATE
from interp.captions.voicing import VoicingDetector

WINDOW = 512  # samples per Silero step (32 ms)
CONTEXT = 64  # samples of the previous step the model sees


@dataclass(frozen=True)
class VadOptions:
    threshold: float = 0.25
    # Speech goes on while the probability stays at or above this.
    end_threshold: float = 0.1
    end_silence_s: float = 0.5
    pad_s: float = 0.2
    min_speech_s: float = 0.25
    max_utterance_s: float = 10.0
    # Past this length a shorter pause ends the utterance: captions of a speaker who
    # hardly pauses still come in pieces of readable size, without a hard cut.
    long_utterance_s: float = 6.0
    long_end_silence_s: float = 0.25
    # Speech also starts when this share of the last ``voiced_onset_s`` was loud and
    # voiced (None: Silero alone), and goes on while it stays so.
    voiced_onset_s: float | None = 0.5
    voiced_share: float = 0.75
    # "Loud": this far above the quietest moment of the last few seconds.
    voiced_above_floor_db: float = 25.0


@dataclass(frozen=True)
class Utterance:
    """A span of speech, in samples from the stream start (end exclusive)."""

    start: int
    end: int
    # Silero's mean speech probability over the utterance's windows. Near zero when only
    # the voicing detector heard speech: falsetto, but also breaths and room tone that
    # Whisper turns into invented words, so recognition must vouch for it (quality.py).
    speech_probability: float = 1.0


class SpeechSegmenter:
    """Feed levelled audio; get back utterances as they open and close."""

    def __init__(self, options: VadOptions | None = None) -> None:
        from faster_whisper.vad import get_vad_model

        self.options = options or VadOptions()
        self._session = get_vad_model().session
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros(CONTEXT, dtype=np.float32)
        self._pending = np.zeros(0, dtype=np.float32)
        self._position = 0  # samples consumed by the model
        self._speech_start: int | None = None
        self._origin = 0  # where the utterance in progress begins, padding included
        self._previous_end = 0  # end of the last utterance closed or cut
        self._last_speech_end = 0  # end of the last window heard as speech
        self._probabilities: list[float] = []  # per window, for the current utterance
        self._voicing = VoicingDetector(WINDOW, self.options.voiced_above_floor_db)
        self._onset = int((self.options.voiced_onset_s or 0) * SAMPLE_RATE / WINDOW)
        # Outside speech: (start, probability, loud and voiced) of the latest windows.
        self._recent: deque[tuple[int, float, bool]] = deque(maxlen=self._onset)
        self._raw_pending = np.zeros(0, dtype=np.float32)

    @property
    def in_speech(self) -> bool:
        return self._speech_start is not None

    @property
    def consumed(self) -> int:
        """Samples the model has seen."""
        return self._position

    @property
    def keep_from(self) -> int:
        """Utterances found later start at or after this sample."""
        return self._position - self._pad - self._onset * WINDOW

    @property
    def pause(self) -> int:
        """Samples of silence since the last speech of the utterance in progress."""
        return 0 if self._speech_start is None else self._position - self._last_speech_end

    @property
    def end_if_over(self) -> int:
        """Where the utterance in progress ends if the current pause turns out to end it."""
        return min(self._position, self._last_speech_end + self._pad)

    @property
    def speech_start(self) -> int | None:
        """Start (with padding) of the utterance in progress."""
        return None if self._speech_start is None else self._origin

    @property
    def speech_probability(self) -> float:
        """Silero's mean speech probability over the utterance in progress so far."""
        return float(np.mean(self._probabilities)) if self._probabilities else 0.0

    @property
    def _pad(self) -> int:
        return int(self.options.pad_s * SAMPLE_RATE)

    def _probabilities_for(self, audio: np.ndarray) -> np.ndarray:
        windows = audio.reshape(-1, WINDOW)
        contexts = np.concatenate([self._context[None], windows[:-1, -CONTEXT:]])
        batch = np.concatenate([contexts, windows], axis=1)
        out, self._h, self._c = self._session.run(
            None, {"input": batch, "h": self._h, "c": self._c}
        )
        self._context = windows[-1, -CONTEXT:].copy()
        return np.asarray(out).reshape(-1)

    def feed(self, audio: np.ndarray, raw: np.ndarray | None = None) -> list[Utterance]:
        """Consume levelled audio (and the same samples before levelling, if at hand, for
        the voicing check); return the utterances that closed within it."""
        raw = np.concatenate([self._raw_pending, audio if raw is None else raw])
        audio = np.concatenate([self._pending, audio])
        whole = len(audio) - len(audio) % WINDOW
        self._pending, self._raw_pending = audio[whole:], raw[whole:]
        if not whole:
            return []
        closed: list[Utterance] = []
        opts = self.options
        silence = int(opts.end_silence_s * SAMPLE_RATE)
        short_silence = int(opts.long_end_silence_s * SAMPLE_RATE)
        long = int(opts.long_utterance_s * SAMPLE_RATE)
        longest = int(opts.max_utterance_s * SAMPLE_RATE)
        probabilities = self._probabilities_for(audio[:whole])
        if self._onset:
            voiced = self._voicing.feed(raw[:whole].reshape(-1, WINDOW))
        else:
            voiced = np.zeros(len(probabilities), dtype=bool)
        needed_voiced = opts.voiced_share * max(self._onset, 1)
        for p, v in zip(probabilities, voiced, strict=True):
            start, end = self._position, self._position + WINDOW
            self._position = end
            if self._speech_start is None:
                self._recent.append((start, float(p), bool(v)))
                if p >= opts.threshold:
                    self._open(start, end, [float(p)])
                elif sum(w[2] for w in self._recent) >= needed_voiced:
                    # Voiced sound Silero does not hear: speech from its first voiced window.
                    first = next(i for i, w in enumerate(self._recent) if w[2])
                    windows = list(self._recent)[first:]
                    self._open(windows[0][0], end, [w[1] for w in windows])
                continue
            self._probabilities.append(float(p))
            if p >= opts.end_threshold or v:
                self._last_speech_end = end
            needed = short_silence if end - self._speech_start >= long else silence
            if end - self._last_speech_end >= needed:
                closed.extend(self._close(self._last_speech_end))
            elif end - self._speech_start >= longest:
                closed.extend(self._cut_at_quietest())
        return closed

    def _open(self, start: int, end: int, probabilities: list[float]) -> None:
        self._speech_start = start
        # Padding never reaches back into the previous utterance.
        self._origin = max(self._previous_end, start - self._pad)
        self._last_speech_end = end
        self._probabilities = probabilities
        self._recent.clear()

    def _close(self, speech_end: int) -> list[Utterance]:
        assert self._speech_start is not None
        start = self._origin
        end = min(self._position, speech_end + self._pad)
        long_enough = speech_end - self._speech_start >= self.options.min_speech_s * SAMPLE_RATE
        probability = self.speech_probability
        self._previous_end = end
        self._speech_start = None
        self._probabilities = []
        return [Utterance(start, end, probability)] if long_enough else []

    def _cut_at_quietest(self) -> list[Utterance]:
        """Close a too-long utterance at its least speech-like window in the last third."""
        assert self._speech_start is not None
        probs = np.asarray(self._probabilities)
        tail = len(probs) // 3
        quietest = len(probs) - tail + int(np.argmin(probs[-tail:])) if tail else len(probs) - 1
        cut = self._speech_start + quietest * WINDOW
        utterance = Utterance(self._origin, cut, float(np.mean(probs[:quietest or 1])))
        self._previous_end = cut
        self._probabilities = self._probabilities[quietest:]
        self._speech_start = self._origin = cut
        self._last_speech_end = max(self._last_speech_end, cut)
        return [utterance]

    def flush(self) -> list[Utterance]:
        """End of stream: close the utterance in progress."""
        if self._speech_start is None:
            return []
        return self._close(self._last_speech_end)
