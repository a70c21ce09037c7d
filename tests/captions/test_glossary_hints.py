"""The organisation's glossary as recognition hints, on real speech.

Whisper base misspells rare names ("Cintra", "Mariana's", "Montreal for Steleiner",
"Carpaneo"); with the glossary's terms in its prompt it writes them as the organisation
does. Counted over whole files through the caption engine, as recordings are captioned.
"""

from __future__ import annotations

import numpy as np
import pytest

from interp.captions.engine import CaptionEngine, hint_text
from interp.captions.files import transcribe_audio
from interp.captions.level import level_audio
from interp.captions.quality import accept
from interp.captions.scoring import terms_recognised
from interp.cli import main
from tests.helpers.speech import DATA, model_path, speech, transcripts

pytestmark = pytest.mark.slow

GLOSSARY = (
    "Universal Credit", "council tax", "Quilter", "Sintra", "Lord Byron", "Northern Marianas",
    "Montreal Forced Aligner", "Carpanedo",
)
# Recordings that say glossary terms, and their language.
SAYING_TERMS = {
    "en_fleurs_002.ogg": "en",
    "en_fleurs_006.ogg": "en",
    "en_mfa_youknow.flac": "en",
    "en_librispeech_1272-128104-0000.wav": "en",
    "es_fleurs_004.ogg": "es",
}


def count_terms(engine: CaptionEngine, hints: tuple[str, ...]) -> tuple[int, int, list[str]]:
    engine.hints = hints
    try:
        found = said = 0
        texts = []
        for name, language in SAYING_TERMS.items():
            segments = transcribe_audio(engine, level_audio(speech(name)), language)
            text = " ".join(s.text for s in segments)
            got, total = terms_recognised(GLOSSARY, transcripts()[name], text)
            found, said = found + got, said + total
            texts.append(text)
        return found, said, texts
    finally:
        engine.hints = ()


def test_glossary_terms_are_recognised_more_often_with_the_glossary(base_engine) -> None:
    without, said, plain = count_terms(base_engine, ())
    with_glossary, _, hinted = count_terms(base_engine, GLOSSARY)
    print(f"glossary terms recognised: {without}/{said} without the glossary, "
          f"{with_glossary}/{said} with it")
    assert with_glossary > without, (plain, hinted)


def test_the_caption_command_takes_a_glossary_file(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("INTERP_MODELS_DIR", str(model_path("whisper-base").parents[1]))
    glossary = tmp_path / "glossary.txt"
    glossary.write_text("# our words\nMontreal Forced Aligner\ncouncil tax\n", encoding="utf-8")
    assert main(["caption", str(DATA / "en_mfa_youknow.flac"), "--language", "en",
                 "--format", "txt", "--glossary", str(glossary)]) == 0
    assert "Montreal Forced Aligner" in capsys.readouterr().out

    glossary.write_text("fine\nbad\x07term\n", encoding="utf-8")
    assert main(["caption", str(DATA / "en_mfa_youknow.flac"), "--glossary", str(glossary)]) == 2
    assert "Line 2: " in capsys.readouterr().err


def test_glossary_words_written_on_noise_are_not_shown(base_engine) -> None:
    # Given hints, Whisper writes words of the glossary on noise ("Forced Aligner" here),
    # with the low confidence of its other inventions; the quality gate holds them back
    # even where the VAD took the noise for speech.
    noise = np.random.default_rng(0).normal(0, 0.01, 5 * 16000).astype(np.float32)
    hypothesis = base_engine.recognizer.recognize(noise, "en", beam_size=5,
                                                  hints=hint_text(GLOSSARY))
    assert hypothesis.echoes_hints, hypothesis.text
    assert accept(hypothesis, speech_probability=1.0) == ""
    # The same words said aloud are shown.
    said = base_engine.recognizer.recognize(level_audio(speech("en_mfa_youknow.flac")), "en",
                                            beam_size=5, hints=hint_text(GLOSSARY))
    assert "Montreal Forced Aligner" in accept(said, speech_probability=1.0)
