"""One recognition pass of Whisper on one utterance, with a short encoder window.

Whisper's encoder is trained on 30-second windows, and faster-whisper always pads to
30 s, so a 3-second utterance costs as much as a 30-second one. CTranslate2 accepts
shorter windows, and the encoder's cost falls faster than linearly with length. The
decoder only stays accurate when the speech is followed by enough silence (the model
expects most windows to end in padding): with the utterance plus about 5 s of silence
the accuracy equals the full window's at well under half the cost; with 1 s it
invents and truncates text. See docs/captions.md for the measurements.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from interp.captions.audio import SAMPLE_RATE

FULL_WINDOW_S = 30.0
# Whisper's mel frames: 100 per second; the encoder halves them (stride 2).
FRAMES_PER_S = 100
# Generated tokens allowed per second of audio. Speech runs at 2-4 words a second
# (4-8 tokens in most scripts); the cap bounds a pass that loops, which otherwise
# runs to 448 tokens and takes many seconds.
MAX_TOKENS_PER_S = 10
MIN_TOKENS = 12
# Tokens of the previous caption given to the decoder as context (Whisper's own limit
# is 223; one or two sentences carry the names and topic that matter).
MAX_CONTEXT_TOKENS = 64
# Tokens of hints (the organisation's glossary) before that context. faster-whisper's
# ``hotwords`` allows up to half of the 448-token window; the hints and the context
# together stay well inside Whisper's 223 tokens of prompt.
MAX_HINT_TOKENS = 120


@dataclass(frozen=True)
class Hypothesis:
    text: str
    language: str
    language_probability: float
    avg_logprob: float
    no_speech_prob: float
    compression_ratio: float
    hit_token_cap: bool
    # The text is made only of words from the hints: on noise, Whisper given hints writes
    # them ("Forced Aligner"), as it writes "Thank you." without (see quality.accept).
    echoes_hints: bool = False


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.casefold()))


def echoes(text: str, hints: str) -> bool:
    """Whether every word of ``text`` is a word of ``hints`` (and there is a word)."""
    words = _words(text)
    return bool(words) and words <= _words(hints)


def compression_ratio(text: str) -> float:
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0


class Recognizer:
    """A loaded Whisper model shared by ``workers`` threads that may call it at once.

    CTranslate2 runs ``workers`` model replicas over shared weights
    (``inter_threads``), each on ``threads_per_worker`` cores, and releases the GIL
    while it computes, so Python threads give true parallelism without copying the
    model into several processes.
    """

    def __init__(self, model_path: Path, workers: int = 2, threads_per_worker: int = 1):
        from faster_whisper import WhisperModel

        self.model_path = Path(model_path)
        self._whisper = WhisperModel(
            str(self.model_path), device="cpu", compute_type="int8",
            cpu_threads=threads_per_worker, num_workers=workers, local_files_only=True,
        )
        self.multilingual = self._whisper.model.is_multilingual

    def recognize(
        self,
        audio: np.ndarray,
        language: str | None = None,
        task: str = "transcribe",
        beam_size: int = 1,
        padding_s: float = 5.0,
        previous_text: str = "",
        candidates: tuple[str, ...] = (),
        hints: str = "",
    ) -> Hypothesis:
        """Transcribe (or translate to English) one utterance of up to about 25 s.

        ``language`` None detects it from this audio, among ``candidates`` when given.
        ``padding_s`` of silence follow
        the speech in the encoder window; 0 or less uses the full 30 s window.
        ``previous_text`` (what was said just before) conditions the decoder, as
        Whisper does between the windows of a long recording.
        ``hints`` (words likely to be said: names, places, local terms) go before that
        context in the prompt, the way faster-whisper's ``hotwords`` do: the decoder then
        prefers those spellings. They are kept even when there is no previous text.
        """
        from faster_whisper.tokenizer import Tokenizer
        from faster_whisper.transcribe import get_ctranslate2_storage, get_suppressed_tokens

        whisper = self._whisper
        duration = len(audio) / SAMPLE_RATE
        window_s = FULL_WINDOW_S if padding_s <= 0 else min(FULL_WINDOW_S, duration + padding_s)
        frames = 2 * int(window_s * FRAMES_PER_S / 2)
        waveform = np.zeros(frames * whisper.feature_extractor.hop_length, dtype=np.float32)
        clip = audio[: len(waveform)]
        waveform[: len(clip)] = clip
        features = whisper.feature_extractor(waveform, padding=0)[:, :frames]
        encoded = whisper.model.encode(get_ctranslate2_storage(features[None]), to_cpu=False)

        language_probability = 1.0
        if not self.multilingual:
            language = "en"
        elif language is None:
            ranked = whisper.model.detect_language(encoded)[0]
            if candidates:
                ranked = [(t, p) for t, p in ranked if t[2:-2] in candidates] or ranked
            token, language_probability = ranked[0]
            language = token[2:-2]
        tokenizer = Tokenizer(
            whisper.hf_tokenizer, self.multilingual,
            task=task if self.multilingual else None,
            language=language if self.multilingual else None,
        )
        prompt = [*tokenizer.sot_sequence, tokenizer.no_timestamps]
        context = []
        if hints.strip():
            context += tokenizer.encode(" " + hints.strip())[:MAX_HINT_TOKENS]
        if previous_text.strip():
            context += tokenizer.encode(" " + previous_text.strip())[-MAX_CONTEXT_TOKENS:]
        if context:
            prompt = [tokenizer.sot_prev, *context, *prompt]
        max_new = max(MIN_TOKENS, int(MAX_TOKENS_PER_S * duration))
        result = whisper.model.generate(
            encoded, [prompt],
            beam_size=beam_size, patience=1.0, length_penalty=1.0,
            max_length=len(prompt) + max_new,
            return_scores=True, return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=get_suppressed_tokens(tokenizer, (-1,)),
        )[0]
        tokens = result.sequences_ids[0]
        text = tokenizer.decode(tokens).strip()
        # faster-whisper's recovery of the mean log-probability from the beam score.
        avg_logprob = result.scores[0] * len(tokens) / (len(tokens) + 1)
        return Hypothesis(
            text=text,
            language=str(language),
            language_probability=float(language_probability),
            avg_logprob=float(avg_logprob),
            no_speech_prob=float(result.no_speech_prob),
            compression_ratio=compression_ratio(text),
            hit_token_cap=len(tokens) >= max_new,
            echoes_hints=bool(hints) and echoes(text, hints),
        )
