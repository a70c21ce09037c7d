"""The process's speech engine and translation get the organisation's glossary: read once,
read again after a while or when the coordinator changes it, kept when a read fails."""

from __future__ import annotations

import dataclasses

import pytest

from interp import language_tools
from interp.config import load_settings
from interp.language_tools import LanguageTools
from interp.translation.glossary import GlossaryEntry
from tests.helpers.speech import model_path


class Source:
    """Stands in for the database table (interp.domain.glossary has its own tests)."""

    def __init__(self) -> None:
        self.entries = [GlossaryEntry("council tax", {"es": "impuesto municipal"})]
        self.reads = 0
        self.broken = False

    async def __call__(self) -> list[GlossaryEntry]:
        self.reads += 1
        if self.broken:
            raise ConnectionError("database gone")
        return list(self.entries)


@pytest.fixture
def settings(tmp_path):
    models = model_path("whisper-tiny.en").parents[1]
    return dataclasses.replace(load_settings(), models_dir=models, asr_model="whisper-tiny.en",
                               data_dir=tmp_path)


async def test_the_glossary_reaches_recognition_and_translation(settings, argos_home) -> None:
    source = Source()
    tools = LanguageTools(settings, glossary=source)
    try:
        await tools.refresh_glossary()
        assert tools.translation.glossary.hints() == ("council tax",)
        engine = await tools.engine()
        assert engine.hints == ("council tax",)
        assert source.reads == 1  # fresh: not read again for the engine

        source.entries.append(GlossaryEntry("Universal Credit"))
        await tools.refresh_glossary(force=True)  # what the coordinator's change does
        assert engine.hints == ("council tax", "Universal Credit")
        assert tools.translation.glossary.hints() == engine.hints
    finally:
        await tools.close()


async def test_a_stale_glossary_is_read_again_and_a_failed_read_keeps_it(
    settings, monkeypatch
) -> None:
    source = Source()
    tools = LanguageTools(settings, glossary=source)
    await tools.refresh_glossary()
    await tools.refresh_glossary()
    assert source.reads == 1
    monkeypatch.setattr(language_tools, "GLOSSARY_TTL_S", 0.0)
    source.broken = True
    assert (await tools.refresh_glossary()).hints() == ("council tax",)
    assert source.reads == 2
    source.broken = False
    source.entries = []
    assert not await tools.refresh_glossary()
