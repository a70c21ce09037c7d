"""``interp models install --offered``: the translation packages every offered language
needs, from a folder of .argosmodel files or from a package index; and the coverage
table in ``interp models status``."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from interp.cli import main
from interp.translation.packages import installed_packages
from tests.commands.conftest import Operator


def pairs(models_dir: Path) -> list[tuple[str, str]]:
    return sorted(p.pair for p in installed_packages(models_dir)[0])


def row(out: str, label: str) -> str:
    return next(line for line in out.splitlines() if line.strip().startswith(label))


def test_offered_installs_both_directions_from_a_folder_and_nothing_else(
    operator: Operator, capsys: pytest.CaptureFixture[str]
) -> None:
    operator.offer("es", "so", "bfi")
    main(["models", "status"])
    before = capsys.readouterr().out
    assert row(before, "Spanish (es)").count("not installed") == 2
    assert "translation not installed for Spanish; run: interp models install --offered" in before

    assert main(["models", "install", "--offered", "--from", str(operator.downloads)]) == 0
    out = capsys.readouterr().out
    assert "installed translation en → es" in out and "installed translation es → en" in out
    assert "no open translation model for: Somali (see interp models status)" in out
    # The folder also holds en→fr, which no offered language needs.
    assert pairs(operator.models_dir) == [("en", "es"), ("es", "en")]

    assert main(["models", "install", "--offered", "--from", str(operator.downloads)]) == 0
    assert "every translation package the offered languages can use is installed" in (
        capsys.readouterr().out
    )
    main(["models", "status"])
    after = capsys.readouterr().out
    spanish = row(after, "Spanish (es)")
    assert "good (3.0% WER)" in spanish and spanish.count("installed") == 2
    assert "not installed" not in spanish
    assert "no open model" in row(after, "Somali (so)")
    assert "Somali: no open translation model reaches it; residents get human interpreters" in after
    assert "British Sign Language: a sign language has no text" in after


def test_a_pair_missing_from_the_folder_is_named_and_the_rest_installed(
    operator: Operator, capsys: pytest.CaptureFixture[str]
) -> None:
    operator.offer("es")
    (operator.downloads / "translate-es_en-1_0.argosmodel").unlink()
    assert main(["models", "install", "--offered", "--from", str(operator.downloads)]) == 1
    assert "es → en not installed: no package for es to en" in capsys.readouterr().err
    assert pairs(operator.models_dir) == [("en", "es")]


def test_a_local_language_other_than_english_pivots_through_english(
    operator: Operator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    operator.offer("fr")
    monkeypatch.setenv("INTERP_LOCAL_LANGUAGE", "es")
    main(["models", "install", "translation", "--from", str(operator.downloads)])
    capsys.readouterr()
    main(["models", "status"])
    out = capsys.readouterr().out
    # es→en→fr is installed; fr→es needs fr→en, which the index has.
    french = row(out, "French (fr)")
    assert french.index("not installed") < french.index("via English")
    assert "translation not installed for French" in out
    assert main(["models", "install", "--offered", "--from", str(operator.downloads)]) == 1
    assert "fr → en not installed: no package for fr to en" in capsys.readouterr().err


def index_entries(archives: dict[tuple[str, str], Path], folder: Path) -> list[dict]:
    entries = []
    for (source, target), archive in archives.items():
        copy = shutil.copy(archive, folder)
        entries.append({
            "type": "translate", "from_code": source, "to_code": target,
            "package_version": "1.0", "links": [Path(copy).as_uri()],
            "sha256": hashlib.sha256(Path(copy).read_bytes()).hexdigest(),
        })
    return entries


def test_offered_installs_from_the_index_checking_sha256(
    operator: Operator,
    tmp_path: Path,
    argos_archives: dict[tuple[str, str], Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The index as a file:// URL, as a mirror on the server's own disk would be; the
    real index is never reached from the tests."""
    operator.offer("es")
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    entries = index_entries(argos_archives, mirror)
    index = mirror / "index.json"
    monkeypatch.setenv("INTERP_TRANSLATION_INDEX_URL", index.as_uri())

    tampered = [dict(e, sha256="0" * 64) if e["to_code"] == "en" else e for e in entries]
    index.write_text(json.dumps(tampered))
    assert main(["models", "install", "--offered"]) == 1
    assert "the index says " + "0" * 64 in capsys.readouterr().err
    assert pairs(operator.models_dir) == [("en", "es")]  # the damaged one changed nothing

    index.write_text(json.dumps(entries))
    assert main(["models", "install", "--offered"]) == 0
    assert "installed translation es → en" in capsys.readouterr().out
    assert pairs(operator.models_dir) == [("en", "es"), ("es", "en")]


def test_an_unreachable_index_names_the_offline_way(
    operator: Operator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    operator.offer("es")
    monkeypatch.setenv("INTERP_TRANSLATION_INDEX_URL", "http://127.0.0.1:9/index.json")
    assert main(["models", "install", "--offered"]) == 1
    assert "interp models install --offered --from FOLDER" in capsys.readouterr().err
    assert pairs(operator.models_dir) == []


def test_before_the_first_start_the_default_languages_are_prepared(
    operator: Operator, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["models", "status"])
    out = capsys.readouterr().out
    assert "offered languages (the defaults, until the coordinator chooses)" in out
    assert "Arabic (ar)" in out and "British Sign Language (bfi)" in out


def test_status_all_covers_every_language(
    operator: Operator, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["models", "status", "--all"])
    out = capsys.readouterr().out
    tigrinya = row(out, "Tigrinya (ti)")
    assert "not recognised" in tigrinya and tigrinya.count("no open model") == 2
    assert "unknown" in row(out, "Pashto (ps)")
    assert "weak (32.9% WER)" in row(out, "Persian (Farsi) (fa)")
