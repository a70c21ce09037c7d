"""Utterance segmentation with the Silero VAD on real speech."""

from __future__ import annotations

import numpy as np

from interp.captions.audio import SAMPLE_RATE
from interp.captions.level import level_audio
from interp.captions.vad import SpeechSegmenter, VadOptions
from tests.captions.conftest import speech


def segment(audio: np.ndarray, options: VadOptions | None = None, chunk: int = 320):
    seg = SpeechSegmenter(options)
    found = []
    for i in range(0, len(audio), chunk):
        found += seg.feed(audio[i : i + chunk])
    return found + seg.flush()


def test_two_recordings_with_a_pause_give_two_utterances():
    gap = np.zeros(SAMPLE_RATE, dtype=np.float32)
    a = speech("en_librispeech_1272-128104-0000.wav")
    b = speech("en_fleurs_001.ogg")
    audio = level_audio(np.concatenate([gap, a, gap, b, gap]))
    found = segment(audio)
    assert len(found) == 2
    first_end = (len(gap) + len(a)) / SAMPLE_RATE
    assert 0.8 < found[0].start / SAMPLE_RATE < 1.8
    assert first_end - 1.0 < found[0].end / SAMPLE_RATE < first_end + 0.5
    assert found[1].start / SAMPLE_RATE > first_end


def test_silence_gives_nothing():
    assert segment(np.zeros(5 * SAMPLE_RATE, dtype=np.float32)) == []


def test_long_speech_is_cut_into_bounded_utterances():
    audio = level_audio(np.concatenate([speech("en_jfk_inaugural.flac")] * 3))
    found = segment(audio, VadOptions(max_utterance_s=8.0, end_silence_s=2.0))
    assert len(found) >= 4
    assert all((u.end - u.start) / SAMPLE_RATE <= 8.3 for u in found)
    assert all(a.end <= b.start for a, b in zip(found, found[1:], strict=False))
