"""Real speech models and real recordings (tests/data) for the caption tests."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from interp.captions import CaptionEngine, load_audio
from interp.config import load_settings
from interp.modelstore import ModelNotInstalledError, resolve_speech_model

DATA = Path(__file__).resolve().parents[1] / "data"


def model_path(name: str) -> Path:
    try:
        return resolve_speech_model(load_settings().models_dir, name)
    except ModelNotInstalledError as exc:
        pytest.skip(f"{exc} (scripts/setup.sh installs whisper-base)")


def transcripts() -> dict[str, str]:
    with open(DATA / "manifest.tsv", encoding="utf-8") as fh:
        return {row["file"]: row["transcript"] for row in csv.DictReader(fh, delimiter="\t")}


def speech(name: str) -> np.ndarray:
    return load_audio(DATA / name)


@pytest.fixture(scope="session")
def base_engine() -> Iterator[CaptionEngine]:
    engine = CaptionEngine(model_path("whisper-base"), workers=2)
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def tiny_en_engine() -> Iterator[CaptionEngine]:
    engine = CaptionEngine(model_path("whisper-tiny.en"), workers=1)
    yield engine
    engine.close()
