"""espeak-ng (the Debian package) as a speech engine: a small, fast formant synthesiser
with voices for most languages. Its speech is robotic but clear, and it needs no model."""

from __future__ import annotations

import shutil
import struct
import subprocess

import numpy as np

from interp.coverage.voices import ESPEAK, espeak_languages, espeak_name

# A sentence takes a few tens of milliseconds; a stuck process must not hold a worker.
TIMEOUT_S = 20.0
# Words per minute, and a pause between words (in 10 ms): slower and more spaced than
# espeak-ng's 175 and 0, for listeners in a second language and on a phone's loudspeaker.
# Measured with the speech model as listener (tests/speech_output): WER 14 % -> 10 % (en),
# 49 % -> 27 % (es) with the silence below.
SPEED_WPM = 140
WORD_GAP = 2
# Silence before and after: the first syllable is not lost to a player that is starting.
PAD_S = 0.5
_HEADER = 44


class SpeechFailed(Exception):
    """The engine could not speak the text."""


class EspeakVoice:
    engine = "espeak-ng"

    def __init__(self, language: str) -> None:
        self.language = language

    @classmethod
    def available(cls, language: str) -> bool:
        languages = espeak_languages()
        return languages is not None and espeak_name(language) in languages

    def synthesize(self, text: str) -> tuple[np.ndarray, int]:
        """16-bit mono samples of ``text`` spoken, and their sample rate."""
        program = shutil.which(ESPEAK)
        if program is None:
            raise SpeechFailed("espeak-ng is not installed")
        try:
            # The text goes in on stdin: never as an argument a leading "-" could turn
            # into an option.
            result = subprocess.run(
                [program, "-v", espeak_name(self.language), "-s", str(SPEED_WPM),
                 "-g", str(WORD_GAP),
                 "--stdout"],
                input=text.encode("utf-8"),
                capture_output=True,
                timeout=TIMEOUT_S,
                check=True,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise SpeechFailed(f"espeak-ng failed: {exc}") from exc
        samples, rate = _wav_samples(result.stdout)
        silence = np.zeros(int(rate * PAD_S), dtype=samples.dtype)
        return np.concatenate([silence, samples, silence]), rate


def _wav_samples(data: bytes) -> tuple[np.ndarray, int]:
    """The samples of espeak-ng's WAV on stdout, whose sizes it cannot know in advance
    (it writes 0x7fffffff): read past the plain 44-byte header instead."""
    if len(data) < _HEADER or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise SpeechFailed("espeak-ng wrote no WAV")
    channels, rate = struct.unpack("<HI", data[22:28])
    bits = struct.unpack("<H", data[34:36])[0]
    if channels != 1 or bits != 16:
        raise SpeechFailed(f"unexpected WAV: {channels} channels, {bits} bits")
    body = data[_HEADER:]
    return np.frombuffer(body[: len(body) // 2 * 2], dtype="<i2").copy(), rate
