"""Real speech models for the caption tests, loaded once per run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from interp.captions import CaptionEngine
from tests.helpers.speech import model_path


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
