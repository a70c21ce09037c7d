"""Speech output: translated captions read aloud, for people who cannot read them.

Made on the server with an offline engine (espeak-ng everywhere it has a voice, a Piper
voice where one is installed), once per language per caption like translation, and
never stored (docs/speech-output.md).
"""

from interp.speech_output.service import Speech, SpeechOutput

__all__ = ["Speech", "SpeechOutput"]
