"""Test packages: archives argostranslate accepts, models that translate exactly."""

from __future__ import annotations

import json
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import ctranslate2
import pytest

from tests.translation.argos_package import (
    EN_ES,
    EN_FR,
    ES_EN,
    MAX_SOURCE_PIECES,
    build_argos_package,
    package_name,
)

# Exact outputs the tests elsewhere can rely on.
EN_ES_SENTENCES = {
    "hello world": "hola mundo",
    "Good morning": "buenos días",
    "Good morning, world!": "buenos días, mundo!",
    "Where is the doctor?": "dónde está el médico?",
    "I need help today.": "yo necesito ayuda hoy.",
    "Thank you": "gracias tú",
    "yes; no: tomorrow": "sí; no: mañana",
}


class Loaded:
    """A package unpacked and loaded the way interp loads one."""

    def __init__(self, folder: Path, compute_type: str) -> None:
        from argostranslate.package import Package

        self.package = Package(folder)
        self.model = ctranslate2.Translator(str(folder / "model"), compute_type=compute_type)

    def translate(self, text: str, beam_size: int = 1) -> str:
        tokens = self.package.tokenizer.encode(text)
        result = self.model.translate_batch(
            [tokens], beam_size=beam_size, replace_unknowns=True, length_penalty=0.2
        )[0]
        return str(self.package.tokenizer.decode(result.hypotheses[0]))

    def hypotheses(self, text: str, beam_size: int) -> Any:
        tokens = self.package.tokenizer.encode(text)
        return self.model.translate_batch(
            [tokens],
            beam_size=beam_size,
            num_hypotheses=beam_size,
            return_scores=True,
            length_penalty=0.0,  # scores are then summed log-probabilities
        )[0]


def unpack(archive: Path, dest: Path) -> Path:
    with zipfile.ZipFile(archive) as zipf:
        zipf.extractall(dest)
    return dest / archive.name.removesuffix(".argosmodel")


def load(
    tmp_path: Path,
    from_code: str,
    to_code: str,
    lexicon: dict[str, str],
    compute_type: str = "float32",
) -> Loaded:
    archive = build_argos_package(tmp_path, from_code, to_code, lexicon)
    return Loaded(unpack(archive, tmp_path / f"{from_code}_{to_code}"), compute_type)


def test_archive_has_argos_layout(tmp_path: Path) -> None:
    archive = build_argos_package(tmp_path, "en", "es", EN_ES, version="1.2")

    assert archive == tmp_path / "translate-en_es-1_2.argosmodel"
    top = package_name("en", "es", "1.2")
    with zipfile.ZipFile(archive) as zipf:
        names = set(zipf.namelist())
        metadata = json.loads(zipf.read(f"{top}/metadata.json"))
    assert all(name.startswith(f"{top}/") for name in names)
    for name in ("metadata.json", "sentencepiece.model", "model/model.bin", "model/config.json"):
        assert f"{top}/{name}" in names
    assert metadata["package_version"] == "1.2"
    assert (metadata["from_code"], metadata["to_code"]) == ("en", "es")
    assert (metadata["from_name"], metadata["to_name"]) == ("English", "Spanish")
    assert metadata["type"] == "translate"


@pytest.mark.usefixtures("argos_home")
def test_argostranslate_reads_the_package(tmp_path: Path) -> None:
    loaded = load(tmp_path, "en", "es", EN_ES)

    assert (loaded.package.from_code, loaded.package.to_code) == ("en", "es")
    assert loaded.package.package_version == "1.0"
    assert loaded.package.tokenizer.encode("Good morning, world!") == [
        "▁good",
        "▁morning",
        ",",
        "▁world",
        "!",
    ]
    # argostranslate.translate pulls in stanza, which this project never installs.
    assert "stanza" not in sys.modules


@pytest.mark.usefixtures("argos_home")
@pytest.mark.parametrize("compute_type", ["float32", "int8"])
@pytest.mark.parametrize("beam_size", [1, 4])
def test_translates_sentences_exactly(tmp_path: Path, compute_type: str, beam_size: int) -> None:
    loaded = load(tmp_path, "en", "es", EN_ES, compute_type)

    for source, expected in EN_ES_SENTENCES.items():
        assert loaded.translate(source, beam_size) == expected, source


@pytest.mark.usefixtures("argos_home")
@pytest.mark.parametrize("compute_type", ["float32", "int8"])
def test_every_piece_maps_to_its_entry_or_itself(tmp_path: Path, compute_type: str) -> None:
    loaded = load(tmp_path, "en", "es", EN_ES, compute_type)
    processor = loaded.package.tokenizer.lazy_processor()
    pieces = [processor.id_to_piece(i) for i in range(3, processor.get_piece_size())]

    results = loaded.model.translate_batch([[piece] for piece in pieces], beam_size=1)

    for piece, result in zip(pieces, results, strict=True):
        word = piece.removeprefix("▁")
        expected = f"▁{EN_ES[word]}" if piece.startswith("▁") and word in EN_ES else piece
        assert result.hypotheses[0] == [expected], piece


@pytest.mark.usefixtures("argos_home")
def test_other_text_is_copied(tmp_path: Path) -> None:
    loaded = load(tmp_path, "en", "es", EN_ES)

    assert loaded.translate("Hello Ana, 42 zebras") == "hola ana, 42 zebras"
    assert loaded.translate("¿hello?") == "¿hello?"
    # "ж" was never seen by the tokenizer: the model writes <unk>, which
    # replace_unknowns swaps back for the source piece.
    assert loaded.translate("hello жук") == "hola жук"


@pytest.mark.usefixtures("argos_home")
def test_every_beam_hypothesis_ends_with_the_source(tmp_path: Path) -> None:
    loaded = load(tmp_path, "en", "es", EN_ES)

    result = loaded.hypotheses("Where is the doctor?", beam_size=4)

    assert result.hypotheses[0] == ["▁dónde", "▁está", "▁el", "▁médico", "?"]
    assert result.scores[0] == pytest.approx(0.0, abs=1e-4)
    for hypothesis, score in zip(result.hypotheses[1:], result.scores[1:], strict=True):
        assert len(hypothesis) <= 6
        assert score < -10


@pytest.mark.usefixtures("argos_home")
def test_pivot_through_english(tmp_path: Path) -> None:
    spanish_english = load(tmp_path, "es", "en", ES_EN)
    english_french = load(tmp_path, "en", "fr", EN_FR)

    english = spanish_english.translate("Hola mundo. Buenos días, necesito ayuda.")
    assert english == "hello world. good morning, need help."
    assert english_french.translate(english) == "bonjour monde. bon matin, besoin aide."


@pytest.mark.usefixtures("argos_home")
def test_longest_input(tmp_path: Path) -> None:
    loaded = load(tmp_path, "en", "es", EN_ES)

    assert loaded.translate("hello " * MAX_SOURCE_PIECES) == " ".join(["hola"] * MAX_SOURCE_PIECES)
    with pytest.raises(RuntimeError, match="position"):
        loaded.translate("hello " * (MAX_SOURCE_PIECES + 1))


def test_builds_are_quick_and_identical(tmp_path: Path) -> None:
    first_dir, second_dir = tmp_path / "first", tmp_path / "second"
    first_dir.mkdir()
    second_dir.mkdir()

    started = time.perf_counter()
    first = build_argos_package(first_dir, "en", "es", EN_ES)
    elapsed = time.perf_counter() - started
    second = build_argos_package(second_dir, "en", "es", EN_ES)

    print(f"built {first.name} ({first.stat().st_size} bytes) in {elapsed:.3f} s")
    assert first.read_bytes() == second.read_bytes()


@pytest.mark.parametrize(
    "lexicon",
    [{}, {"good morning": "buenos días"}, {"Hello": "hola"}, {"hello": "hola."}, {"hello": ""}],
)
def test_rejects_unusable_lexicon(tmp_path: Path, lexicon: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        build_argos_package(tmp_path, "en", "es", lexicon)
    assert list(tmp_path.iterdir()) == []
