"""Installing Argos packages from a file, a folder or an index, and refusing broken ones."""

from __future__ import annotations

import http.server
import json
import shutil
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from interp.translation.packages import (
    PackageError,
    fetch_index,
    install_from_index,
    install_package_file,
    install_package_folder,
    installed_packages,
    packages_dir,
    remove_package,
)
from tests.translation.argos_package import EN_ES, build_argos_package


def tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


def test_a_package_file_installs_and_is_listed(
    tmp_path: Path, argos_archives: dict[tuple[str, str], Path]
) -> None:
    package = install_package_file(tmp_path, argos_archives[("en", "es")])
    assert package.pair == ("en", "es")
    assert package.path == packages_dir(tmp_path) / "en_es"
    assert (package.path / "model" / "model.bin").is_file()
    found, problems = installed_packages(tmp_path)
    assert [p.pair for p in found] == [("en", "es")] and problems == []
    # Nothing is left from unpacking.
    assert [p.name for p in packages_dir(tmp_path).iterdir()] == ["en_es"]


def test_a_newer_version_replaces_the_installed_one(tmp_path: Path) -> None:
    build = tmp_path / "build"
    build.mkdir()
    install_package_file(tmp_path, build_argos_package(build, "en", "es", EN_ES, version="1.0"))
    newer = build_argos_package(build, "en", "es", {"hello": "buenas"}, version="1.1")
    package = install_package_file(tmp_path, newer)
    assert package.version == "1.1"
    assert [p.version for p in installed_packages(tmp_path)[0]] == ["1.1"]
    assert [p.name for p in packages_dir(tmp_path).iterdir()] == ["en_es"]


def broken_archives(tmp_path: Path, good: Path) -> dict[str, Path]:
    out = {}
    out["not a zip"] = tmp_path / "text.argosmodel"
    out["not a zip"].write_text("hello")
    out["truncated"] = tmp_path / "truncated.argosmodel"
    out["truncated"].write_bytes(good.read_bytes()[: good.stat().st_size // 2])

    def rewrite(name: str, keep: object) -> Path:
        path = tmp_path / f"{name}.argosmodel"
        with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w") as dst:
            for info in src.infolist():
                new_name = keep(info.filename)  # type: ignore[operator]
                if new_name:
                    dst.writestr(new_name, src.read(info.filename))
        return path

    out["no model"] = rewrite("nomodel", lambda n: None if "/model/" in n else n)
    out["no metadata"] = rewrite("nometa", lambda n: None if n.endswith("metadata.json") else n)
    out["escapes its folder"] = rewrite(
        "escape", lambda n: "../evil.txt" if n.endswith("metadata.json") else n
    )
    out["two top folders"] = rewrite(
        "twotops", lambda n: "other/" + n if n.endswith("sentencepiece.model") else n
    )
    return out


def test_broken_archives_are_refused_and_change_nothing(
    tmp_path: Path, argos_archives: dict[tuple[str, str], Path]
) -> None:
    models = tmp_path / "models"
    install_package_file(models, argos_archives[("es", "en")])
    before = tree(models)
    for problem, archive in broken_archives(tmp_path, argos_archives[("en", "es")]).items():
        with pytest.raises(PackageError):
            install_package_file(models, archive)
        assert tree(models) == before, problem
    assert not (tmp_path / "evil.txt").exists()


def test_a_folder_of_packages_installs_every_one(
    tmp_path: Path, argos_archives: dict[tuple[str, str], Path]
) -> None:
    folder = tmp_path / "downloads"
    folder.mkdir()
    for archive in argos_archives.values():
        shutil.copy(archive, folder)
    installed = install_package_folder(tmp_path / "models", folder)
    assert sorted(p.pair for p in installed) == [("en", "es"), ("en", "fr"), ("es", "en")]
    with pytest.raises(PackageError, match="no .argosmodel"):
        install_package_folder(tmp_path / "models", tmp_path / "models")


def test_remove_package(tmp_path: Path, argos_archives: dict[tuple[str, str], Path]) -> None:
    install_package_file(tmp_path, argos_archives[("en", "es")])
    assert remove_package(tmp_path, "en", "es") is True
    assert remove_package(tmp_path, "en", "es") is False
    assert installed_packages(tmp_path) == ([], [])


def test_a_damaged_installed_folder_is_reported_not_used(
    tmp_path: Path, argos_archives: dict[tuple[str, str], Path]
) -> None:
    package = install_package_file(tmp_path, argos_archives[("en", "es")])
    (package.path / "model" / "model.bin").unlink()
    found, problems = installed_packages(tmp_path)
    assert found == [] and len(problems) == 1 and "model.bin" in problems[0]


@pytest.fixture
def index_server(tmp_path: Path, argos_archives: dict[tuple[str, str], Path]) -> Iterator[str]:
    """A package index and its files served over HTTP on loopback, as the real index is."""
    root = tmp_path / "www"
    root.mkdir()
    shutil.copy(argos_archives[("en", "es")], root / "en_es.argosmodel")
    (root / "old.argosmodel").write_text("an old broken version that must not be chosen")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0),
        lambda *a: http.server.SimpleHTTPRequestHandler(*a, directory=str(root)),
    )
    base = f"http://127.0.0.1:{server.server_address[1]}"
    index = [
        {"type": "translate", "from_code": "en", "to_code": "es", "package_version": "0.9",
         "links": [f"{base}/old.argosmodel"]},
        {"type": "translate", "from_code": "en", "to_code": "es", "package_version": "1.0",
         "links": [f"{base}/missing.argosmodel", f"{base}/en_es.argosmodel"]},
        {"type": "sbd", "from_code": "en", "to_code": "es", "package_version": "9.0", "links": []},
    ]
    (root / "index.json").write_text(json.dumps(index))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"{base}/index.json"
    server.shutdown()


def test_install_from_an_index_picks_the_newest_and_follows_its_links(
    tmp_path: Path, index_server: str
) -> None:
    seen: list[int] = []
    package = install_from_index(
        tmp_path, "en", "es", index_server, lambda done, _total: seen.append(done)
    )
    assert package.pair == ("en", "es") and package.version == "1.0"
    assert seen and seen[-1] > 0
    with pytest.raises(PackageError, match="no translation from en to de"):
        install_from_index(tmp_path, "en", "de", index_server)


def test_an_unreachable_index_fails_fast_and_names_the_offline_way() -> None:
    with pytest.raises(PackageError, match="--from FILE.argosmodel"):
        fetch_index("http://127.0.0.1:9/index.json", timeout=2)
