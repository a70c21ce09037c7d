"""`interp caption FILE`: real files in, parseable caption files out."""

from __future__ import annotations

import json

import pytest
import srt
import webvtt

from interp.captions.scoring import word_error_rate
from interp.cli import main
from tests.helpers.speech import DATA, model_path, transcripts

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def installed_models(monkeypatch):
    models_dir = model_path("whisper-base").parents[1]
    monkeypatch.setenv("INTERP_MODELS_DIR", str(models_dir))


def test_vtt_from_speech(tmp_path):
    out = tmp_path / "jfk.vtt"
    assert main(["caption", str(DATA / "en_jfk_inaugural.flac"), "--language", "en",
                 "--speaker", "Speaker 1", "-o", str(out)]) == 0
    captions = webvtt.read(str(out))
    assert captions and all(c.voice == "Speaker 1" for c in captions)
    for a, b in zip(captions, captions[1:], strict=False):
        assert a.start_in_seconds < a.end_in_seconds <= b.start_in_seconds + 1e-3
    assert all(len(line) <= 42 for c in captions for line in c.text.splitlines())
    text = " ".join(c.text for c in captions)
    assert word_error_rate(transcripts()["en_jfk_inaugural.flac"], text) < 0.2


def test_srt_translated_to_english(tmp_path):
    out = tmp_path / "es.srt"
    assert main(["caption", str(DATA / "es_fleurs_000.ogg"), "--translate-to", "en",
                 "-o", str(out)]) == 0
    parsed = list(srt.parse(out.read_text()))
    words = " ".join(p.content for p in parsed).lower().split()
    assert "the" in words and "viajeros" not in words


def test_json_transcript_on_stdout_detects_language(capsys):
    assert main(["caption", str(DATA / "fr_fleurs_002.ogg"), "--format", "json"]) == 0
    segments = json.loads(capsys.readouterr().out)["segments"]
    assert segments and {s["language"] for s in segments} == {"fr"}


def test_bad_input_is_a_clear_error(tmp_path, capsys):
    not_audio = tmp_path / "notes.txt"
    not_audio.write_text("not audio")
    out = tmp_path / "out.vtt"
    assert main(["caption", str(not_audio), "-o", str(out)]) == 1
    assert main(["caption", str(tmp_path / "missing.wav")]) == 1
    assert main(["caption", str(DATA / "en_jfk_inaugural.flac"), "--model", "whisper-medium"]) == 1
    err = capsys.readouterr().err
    assert "cannot read audio" in err and "does not exist" in err
    assert "interp models install whisper-medium --download" in err
    assert not out.exists()
