"""The real recordings in tests/data, their transcripts, and the installed speech models."""

from __future__ import annotations

import csv
from pathlib import Path

import av
import numpy as np
import pytest

from interp.captions import load_audio
from interp.config import load_settings
from interp.media.audio import PcmConverter
from interp.modelstore import ModelNotInstalledError, resolve_speech_model

DATA = Path(__file__).resolve().parents[1] / "data"

# Recordings with their references, as several tests speak them.
SPEECH = DATA / "en_librispeech_1272-128104-0000.wav"
REFERENCE = (
    "Mr. Quilter is the apostle of the middle classes and we are glad to welcome his gospel."
)
SHORT_SPEECH = DATA / "en_speechbrain_spk1_snt1.wav"
SHORT_REFERENCE = "the child almost hurt the small dog"


def model_path(name: str) -> Path:
    """The installed speech model ``name``; the test is skipped where it is not installed."""
    try:
        return resolve_speech_model(load_settings().models_dir, name)
    except ModelNotInstalledError as exc:
        pytest.skip(f"{exc} (scripts/setup.sh installs whisper-base)")


def transcripts() -> dict[str, str]:
    """What is said in each recording, by file name (tests/data/manifest.tsv)."""
    with open(DATA / "manifest.tsv", encoding="utf-8") as fh:
        return {row["file"]: row["transcript"] for row in csv.DictReader(fh, delimiter="\t")}


def speech(name: str) -> np.ndarray:
    """A recording in tests/data as the caption engine reads files."""
    return load_audio(DATA / name)


def read_pcm(path: Path) -> np.ndarray:
    """A recording decoded as the server decodes a caption connection's audio."""
    converter = PcmConverter()
    with av.open(str(path)) as container:
        return np.concatenate([converter.convert(f) for f in container.decode(audio=0)])
