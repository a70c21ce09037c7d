"""Installed Argos Translate packages: installing them from a file, a folder or the index.

An ``.argosmodel`` is a zip archive with one top folder holding ``metadata.json``,
the CTranslate2 model in ``model/`` and a ``sentencepiece.model`` (or ``bpe.model``).
Each installed pair lives in ``<models_dir>/translation/<from>_<to>/``; a new
version replaces the old one only once it is fully unpacked and checked.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

SUBDIR = "translation"
# Bytes of uncompressed content accepted from one archive; real packages are under 500 MB.
MAX_UNPACKED_BYTES = 2 * 1024**3
INDEX_TIMEOUT_S = 20.0


class PackageError(ValueError):
    """An archive or folder is not a usable Argos Translate package."""


@dataclass(frozen=True)
class TranslationPackage:
    from_code: str
    to_code: str
    version: str
    from_name: str
    to_name: str
    path: Path

    @property
    def pair(self) -> tuple[str, str]:
        return (self.from_code, self.to_code)


def packages_dir(models_dir: Path) -> Path:
    return models_dir / SUBDIR


def read_package(folder: Path) -> TranslationPackage:
    """The package unpacked in ``folder``, checked for the files translation needs."""
    try:
        metadata = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise PackageError(f"{folder.name}: no metadata.json") from exc
    except (OSError, ValueError) as exc:
        raise PackageError(f"{folder.name}: unreadable metadata.json ({exc})") from exc
    if not isinstance(metadata, dict):
        raise PackageError(f"{folder.name}: metadata.json is not an object")
    if metadata.get("type", "translate") != "translate":
        raise PackageError(f"{folder.name}: a {metadata.get('type')!r} package, not a translation")
    from_code, to_code = metadata.get("from_code"), metadata.get("to_code")
    if not (isinstance(from_code, str) and isinstance(to_code, str) and from_code and to_code):
        raise PackageError(f"{folder.name}: metadata.json lacks from_code/to_code")
    if not (folder / "model" / "model.bin").is_file():
        raise PackageError(f"{folder.name}: no CTranslate2 model (model/model.bin)")
    if not any((folder / name).is_file() for name in ("sentencepiece.model", "bpe.model")):
        raise PackageError(f"{folder.name}: no tokenizer (sentencepiece.model or bpe.model)")
    return TranslationPackage(
        from_code=from_code,
        to_code=to_code,
        version=str(metadata.get("package_version", "")),
        from_name=str(metadata.get("from_name", from_code)),
        to_name=str(metadata.get("to_name", to_code)),
        path=folder,
    )


def installed_packages(models_dir: Path) -> tuple[list[TranslationPackage], list[str]]:
    """The installed packages, and a problem line for each folder that is not one."""
    root = packages_dir(models_dir)
    found: list[TranslationPackage] = []
    problems: list[str] = []
    if not root.is_dir():
        return found, problems
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        try:
            found.append(read_package(folder))
        except PackageError as exc:
            problems.append(str(exc))
    return found, problems


def _top_folder(archive: zipfile.ZipFile, name: str) -> str:
    tops: set[str] = set()
    total = 0
    for info in archive.infolist():
        path = PurePosixPath(info.filename)
        if path.is_absolute() or ".." in path.parts or not path.parts:
            raise PackageError(f"{name}: unsafe path {info.filename!r} in the archive")
        tops.add(path.parts[0])
        total += info.file_size
    if len(tops) != 1:
        raise PackageError(f"{name}: expected one top folder in the archive, found {len(tops)}")
    if total > MAX_UNPACKED_BYTES:
        raise PackageError(f"{name}: unpacks to {total} bytes, more than a package should")
    return tops.pop()


def install_package_file(
    models_dir: Path, archive_path: Path, expected_pair: tuple[str, str] | None = None
) -> TranslationPackage:
    """Unpack and check an ``.argosmodel`` file, then put it in place of any older copy.

    With ``expected_pair``, a package for another pair is refused before anything changes.
    """
    name = archive_path.name
    if not zipfile.is_zipfile(archive_path):
        raise PackageError(f"{name}: not an Argos Translate package (not a zip archive)")
    root = packages_dir(models_dir)
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".unpack-", dir=root) as staging:
        try:
            with zipfile.ZipFile(archive_path) as archive:
                top = _top_folder(archive, name)
                damaged = archive.testzip()  # every member's CRC, before anything changes
                if damaged is not None:
                    raise PackageError(f"{name}: {damaged} fails its checksum (CRC-32)")
                archive.extractall(staging)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise PackageError(f"{name}: the archive is damaged ({exc})") from exc
        unpacked = Path(staging) / top
        package = read_package(unpacked)
        if expected_pair and package.pair != expected_pair:
            raise PackageError(
                f"{name} translates {package.from_code} to {package.to_code}, "
                f"not {expected_pair[0]} to {expected_pair[1]}"
            )
        target = root / f"{package.from_code}_{package.to_code}"
        old = root / f".old-{target.name}"
        shutil.rmtree(old, ignore_errors=True)
        if target.exists():
            target.rename(old)
        unpacked.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    return read_package(target)


def install_package_folder(models_dir: Path, folder: Path) -> list[TranslationPackage]:
    """Install every ``.argosmodel`` in ``folder``; stops at the first broken one."""
    archives = sorted(folder.glob("*.argosmodel"))
    if not archives:
        raise PackageError(f"{folder}: no .argosmodel files in this folder")
    return [install_package_file(models_dir, path) for path in archives]


def remove_package(models_dir: Path, from_code: str, to_code: str) -> bool:
    target = packages_dir(models_dir) / f"{from_code}_{to_code}"
    if not target.is_dir():
        return False
    shutil.rmtree(target)
    return True


def fetch_index(url: str, timeout: float = INDEX_TIMEOUT_S) -> list[dict[str, Any]]:
    """The package index, with a hard timeout: argostranslate's own call stalls offline."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            index = json.load(response)
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        raise PackageError(
            f"cannot read the package index at {url} ({exc}). Without internet, install "
            "downloaded files: interp models install --offered --from FOLDER (or one pair: "
            "interp models install translation SRC TGT --from FILE.argosmodel)"
        ) from exc
    if not isinstance(index, list):
        raise PackageError(f"the package index at {url} is not a list of packages")
    return [entry for entry in index if isinstance(entry, dict)]


def newest_entry(index: list[dict[str, Any]], from_code: str, to_code: str) -> dict[str, Any]:
    """The index's newest translation package for a pair."""
    from packaging.version import InvalidVersion, Version

    candidates = [
        entry
        for entry in index
        if entry.get("from_code") == from_code
        and entry.get("to_code") == to_code
        and entry.get("type", "translate") == "translate"
        and entry.get("links")
    ]
    if not candidates:
        raise PackageError(f"the package index has no translation from {from_code} to {to_code}")

    def version(entry: dict[str, Any]) -> Version:
        try:
            return Version(str(entry.get("package_version", "0")))
        except InvalidVersion:
            return Version("0")

    return max(candidates, key=version)


def install_from_index(
    models_dir: Path,
    from_code: str,
    to_code: str,
    index_url: str,
    progress: Callable[[int, int], None] | None = None,
    index: list[dict[str, Any]] | None = None,
) -> TranslationPackage:
    """Download the newest package for a pair from the Argos index and install it.

    ``index`` is the index already fetched (to install several pairs from one read).
    Every member of the archive is checked against its CRC-32 before anything changes;
    where the index entry carries a ``sha256`` (a mirror's index can), the download is
    checked against it first. The Argos index itself publishes no checksums.
    """
    entry = newest_entry(
        index if index is not None else fetch_index(index_url),
        from_code,
        to_code,
    )
    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / f"{from_code}_{to_code}.argosmodel"
        digest = _download(entry["links"], archive, progress)
        expected = str(entry.get("sha256") or "").lower()
        if expected and digest != expected:
            raise PackageError(
                f"the download for {from_code} to {to_code} has sha256 {digest}, the index "
                f"says {expected}: damaged or replaced on the way; nothing was installed"
            )
        return install_package_file(models_dir, archive, (from_code, to_code))


def _download(
    links: list[str], dest: Path, progress: Callable[[int, int], None] | None
) -> str:
    """Fetch the first link that answers into ``dest``; returns the file's sha256."""
    errors = []
    for link in links:
        digest = hashlib.sha256()
        try:
            with urllib.request.urlopen(link, timeout=INDEX_TIMEOUT_S) as response, dest.open(
                "wb"
            ) as out:
                total = int(response.headers.get("Content-Length") or 0)
                done = 0
                while chunk := response.read(1 << 20):
                    out.write(chunk)
                    digest.update(chunk)
                    done += len(chunk)
                    if progress:
                        progress(done, total)
            return digest.hexdigest()
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            errors.append(f"{link}: {exc}")
    raise PackageError("could not download the package: " + "; ".join(errors))
