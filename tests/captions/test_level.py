"""Levelling brings quiet and loud speech to one level and leaves silence alone."""

from __future__ import annotations

import numpy as np

from interp.captions.level import Leveller, level_audio
from tests.helpers.speech import speech


def rms_db(audio: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(audio.astype(np.float64) ** 2)) + 1e-12))


def test_quiet_and_loud_recordings_end_up_within_a_few_db():
    quiet = speech("en_fleurs_002.ogg")  # about -63 dBFS
    loud = speech("en_fleurs_001.ogg")  # about -22 dBFS
    assert rms_db(loud) - rms_db(quiet) > 35
    levelled = [rms_db(level_audio(a)) for a in (quiet, loud)]
    assert abs(levelled[0] - levelled[1]) < 6
    assert all(-32 < db < -15 for db in levelled)


def test_silence_stays_silent_and_peaks_stay_in_range():
    assert not level_audio(np.zeros(16000, dtype=np.float32)).any()
    out = level_audio(np.full(16000, 0.99, dtype=np.float32) * np.sign(np.sin(np.arange(16000))))
    assert np.abs(out).max() < 1.0


def test_streaming_in_small_chunks_equals_one_pass():
    audio = speech("en_librispeech_1272-128104-0000.wav")[:48000]
    leveller = Leveller()
    pieces = [leveller.process(audio[i : i + 333]) for i in range(0, len(audio), 333)]
    np.testing.assert_allclose(np.concatenate(pieces), level_audio(audio)[: 48000 - 48000 % 160],
                               atol=1e-6)
