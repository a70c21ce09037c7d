"""Speech output closes the loop: captions spoken with espeak-ng, the audio played into the
real caption engine, and what it recognises compared with the text (word error rate).
Also: languages without a voice, text that looks like an option, and very long text."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from interp.captions import CaptionEngine, load_audio
from interp.captions.files import transcribe_audio
from interp.captions.scoring import word_error_rate
from interp.speech_output import SpeechOutput
from interp.speech_output.service import MAX_CHARS
from tests.helpers.speech import model_path

pytestmark = pytest.mark.skipif(
    shutil.which("espeak-ng") is None, reason="espeak-ng is not installed (apt install espeak-ng)"
)

# What a caseworker says to a resident, as the captions would carry it.
ENGLISH = [
    "Your appointment at the housing office is on Monday at ten o'clock.",
    "Please bring your passport and a letter from your landlord.",
    "We will help you fill in the form for the council.",
    "Do you need an interpreter for the next meeting?",
    "The doctor will call you back this afternoon.",
    "You can pay the rent at the post office or online.",
    "Your child can start at the new school next week.",
    "Thank you for waiting, the caseworker is ready now.",
]
SPANISH = [
    "Su cita en la oficina de vivienda es el lunes a las diez.",
    "Por favor traiga su pasaporte y una carta de su casero.",
    "Le ayudaremos a rellenar el formulario del ayuntamiento.",
    "¿Necesita un intérprete para la próxima reunión?",
    "El médico le llamará esta tarde.",
    "Puede pagar el alquiler en correos o por internet.",
    "Su hijo puede empezar en la nueva escuela la semana que viene.",
    "Gracias por esperar, la trabajadora social ya está lista.",
]
# espeak-ng is robotic; Whisper understands its English well, its Spanish a little less.
BOUNDS = {"en": 0.15, "es": 0.35}


@pytest.fixture(scope="module")
def engine() -> Iterator[CaptionEngine]:
    engine = CaptionEngine(model_path("whisper-base"), workers=2)
    yield engine
    engine.close()


def heard(engine: CaptionEngine, audio: bytes, language: str, tmp_path: Path) -> str:
    path = tmp_path / "spoken.mp3"
    path.write_bytes(audio)
    segments = transcribe_audio(engine, load_audio(path), language)
    return " ".join(segment.text for segment in segments)


@pytest.mark.parametrize(("language", "sentences"), [("en", ENGLISH), ("es", SPANISH)])
def test_spoken_captions_are_understood(
    engine: CaptionEngine, language: str, sentences: list[str], tmp_path: Path
) -> None:
    output = SpeechOutput(tmp_path / "models")
    said, understood = [], []
    for text in sentences:
        speech = asyncio.run(output.speak(text, language))
        assert speech is not None and speech.mime == "audio/mpeg"
        assert speech.engine == "espeak-ng" and 0.5 < speech.duration_s < 10
        # Small enough for a phone: 32 kbit/s.
        assert len(speech.audio) < 5_000 * speech.duration_s
        said.append(text)
        understood.append(heard(engine, speech.audio, language, tmp_path))
    wer = word_error_rate(" ".join(said), " ".join(understood))
    print(f"{language}: WER {wer:.3f} over {len(said)} sentences: {understood}")
    assert wer <= BOUNDS[language], understood


def test_languages_without_a_voice_get_none(tmp_path: Path) -> None:
    output = SpeechOutput(tmp_path / "models")
    assert output.speaks("en") and output.speaks("ar")
    for code in ("so", "ti", "bfi", "xx"):  # Somali, Tigrinya: no espeak-ng voice; BSL
        assert not output.speaks(code)
        assert asyncio.run(output.speak("hello", code)) is None
    assert asyncio.run(output.speak("   ", "en")) is None


def test_text_is_spoken_never_read_as_options(engine: CaptionEngine, tmp_path: Path) -> None:
    speech = asyncio.run(SpeechOutput(tmp_path).speak("--help me please", "en"))
    assert speech is not None
    assert "help" in heard(engine, speech.audio, "en", tmp_path).lower()


def test_very_long_text_is_cut_at_a_sentence_end(tmp_path: Path) -> None:
    sentence = "This is one sentence of a very long caption. "
    long_text = sentence * (MAX_CHARS // len(sentence) + 5)
    output = SpeechOutput(tmp_path)
    full = asyncio.run(output.speak(long_text, "en"))
    one = asyncio.run(output.speak(sentence, "en"))
    assert full is not None and one is not None
    sentences_spoken = full.duration_s / one.duration_s
    assert sentences_spoken <= MAX_CHARS / len(sentence) + 1
