"""``interp models install translation`` and ``interp models status`` for translation pairs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from interp.cli import main
from interp.translation.packages import installed_packages

pytestmark = pytest.mark.usefixtures("argos_home")

Archives = dict[tuple[str, str], Path]


@pytest.fixture
def models_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "models"
    monkeypatch.setenv("INTERP_MODELS_DIR", str(folder))
    return folder


def pairs(models_dir: Path) -> list[tuple[str, str]]:
    return [p.pair for p in installed_packages(models_dir)[0]]


def test_install_a_pair_from_a_file(
    models_dir: Path, argos_archives: Archives, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["models", "install", "translation", "en", "es",
                 "--from", str(argos_archives[("en", "es")])]) == 0
    assert "installed translation en → es" in capsys.readouterr().out
    assert pairs(models_dir) == [("en", "es")]


def test_a_file_for_another_pair_is_refused_and_changes_nothing(
    models_dir: Path, argos_archives: Archives, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["models", "install", "translation", "en", "fr",
                 "--from", str(argos_archives[("en", "es")])])
    assert code == 1
    assert "translates en to es, not en to fr" in capsys.readouterr().err
    assert pairs(models_dir) == []


def test_a_folder_installs_every_package_and_status_shows_pivots(
    tmp_path: Path,
    models_dir: Path,
    argos_archives: Archives,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = tmp_path / "downloads"
    folder.mkdir()
    for archive in argos_archives.values():
        shutil.copy(archive, folder)
    assert main(["models", "install", "translation", "--from", str(folder)]) == 0
    assert sorted(pairs(models_dir)) == [("en", "es"), ("en", "fr"), ("es", "en")]
    capsys.readouterr()
    main(["models", "status"])
    out = capsys.readouterr().out
    assert "en → es" in out and "es → en" in out
    assert "through English: es → fr" in out


def test_usage_errors_name_the_right_form(
    models_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["models", "install", "translation", "en"]) == 2
    assert "interp models install translation en es" in capsys.readouterr().err
    assert main(["models", "install", "whisper-base", "en"]) == 2
    assert "takes no language codes" in capsys.readouterr().err
    assert not models_dir.exists() or pairs(models_dir) == []


def test_status_with_no_pairs_says_how_to_install_one(
    models_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["models", "status"])
    assert "interp models install --offered" in capsys.readouterr().out
