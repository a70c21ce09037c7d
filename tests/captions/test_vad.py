"""Utterance segmentation with the Silero VAD on real speech."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from interp.captions.audio import SAMPLE_RATE
from interp.captions.level import Leveller, level_audio
from interp.captions.vad import SpeechSegmenter, VadOptions
from tests.helpers.speech import speech


def segment(audio: np.ndarray, options: VadOptions | None = None, chunk: int = 320):
    seg = SpeechSegmenter(options)
    found = []
    for i in range(0, len(audio), chunk):
        found += seg.feed(audio[i : i + chunk])
    return found + seg.flush()


def segment_live(audio: np.ndarray, options: VadOptions | None = None, chunk: int = 320):
    """As a stream does it: level, then segment with the input at hand for voicing."""
    leveller, seg = Leveller(), SpeechSegmenter(options)
    found = []
    for i in range(0, len(audio), chunk):
        found += seg.feed(*leveller.level(audio[i : i + chunk]))
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


# Silero out of the way: speech only by the voicing check.
VOICING_ONLY = VadOptions(threshold=2.0, end_threshold=2.0)


def test_falsetto_is_found_by_its_voicing():
    # Silero scores this clip near zero when it follows other speech in a stream.
    gap = np.zeros(SAMPLE_RATE, dtype=np.float32)
    falsetto = speech("en_mfa_falsetto2.flac")
    audio = np.concatenate([gap, falsetto, gap])
    assert segment_live(audio, replace(VOICING_ONLY, voiced_onset_s=None)) == []
    found = segment_live(audio, VOICING_ONLY)
    assert len(found) == 1
    # The clip's loud part runs from about 0.9 s to 2.7 s into it.
    assert 1.5 < found[0].start / SAMPLE_RATE < 2.2
    assert 3.3 < found[0].end / SAMPLE_RATE < 4.3


def test_steady_noise_and_tones_are_not_voiced_speech():
    rng = np.random.default_rng(1)
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    tune = np.concatenate([0.2 * np.sin(2 * np.pi * f * t) + 0.1 * np.sin(4 * np.pi * f * t)
                           for f in [262, 330, 392, 523, 392, 330]]).astype(np.float32)
    noise = (0.1 * rng.standard_normal(6 * SAMPLE_RATE)).astype(np.float32)
    gap = np.zeros(SAMPLE_RATE, dtype=np.float32)
    assert segment_live(tune, VOICING_ONLY) == []
    assert segment_live(np.concatenate([gap, noise]), VOICING_ONLY) == []
