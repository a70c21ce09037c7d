"""Installing a set of language pairs at once, from a folder of archives or the index.

``interp models install --offered`` asks for the pairs the offered languages need;
each comes from a folder of ``.argosmodel`` files (servers without internet) or from
the Argos index. Pairs already installed are never asked for, and one pair that
fails leaves the others installed.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from interp.translation.packages import (
    PackageError,
    TranslationPackage,
    fetch_index,
    install_from_index,
    install_package_file,
)

Pair = tuple[str, str]
# Given a pair, a progress callback for its download (done, total bytes), or None.
ProgressFor = Callable[[Pair], Callable[[int, int], None] | None]


@dataclass
class PairsInstalled:
    installed: list[TranslationPackage] = field(default_factory=list)
    # Pairs that could not be installed, with the reason.
    failed: dict[Pair, str] = field(default_factory=dict)


def archive_pair(path: Path) -> tuple[Pair, str] | None:
    """The pair and version an ``.argosmodel`` declares, read without unpacking it; None
    for a file that is not a readable package."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if PurePosixPath(n).name == "metadata.json"]
            shallowest = min(names, key=lambda n: len(PurePosixPath(n).parts), default=None)
            if shallowest is None:
                return None
            metadata = json.loads(archive.read(shallowest))
    except (zipfile.BadZipFile, OSError, ValueError, KeyError):
        return None
    if not isinstance(metadata, dict):
        return None
    from_code, to_code = metadata.get("from_code"), metadata.get("to_code")
    if not (isinstance(from_code, str) and isinstance(to_code, str)):
        return None
    return (from_code, to_code), str(metadata.get("package_version", ""))


def archives_by_pair(folder: Path) -> dict[Pair, Path]:
    """The newest archive for each pair among the ``.argosmodel`` files in ``folder``."""
    from packaging.version import InvalidVersion, Version

    def version(text: str) -> Version:
        try:
            return Version(text)
        except InvalidVersion:
            return Version("0")

    best: dict[Pair, tuple[Version, Path]] = {}
    for path in sorted(folder.glob("*.argosmodel")):
        found = archive_pair(path)
        if found is None:
            continue
        pair, text = found
        if pair not in best or version(text) > best[pair][0]:
            best[pair] = (version(text), path)
    return {pair: path for pair, (_version, path) in best.items()}


def install_pairs_from_folder(
    models_dir: Path, pairs: Iterable[Pair], folder: Path
) -> PairsInstalled:
    if not folder.is_dir():
        raise PackageError(f"{folder} is not a folder of .argosmodel files")
    available = archives_by_pair(folder)
    outcome = PairsInstalled()
    for pair in pairs:
        archive = available.get(pair)
        if archive is None:
            outcome.failed[pair] = f"no package for {pair[0]} to {pair[1]} in {folder}"
            continue
        try:
            outcome.installed.append(install_package_file(models_dir, archive, pair))
        except PackageError as exc:
            outcome.failed[pair] = str(exc)
    return outcome


def install_pairs_from_index(
    models_dir: Path,
    pairs: Iterable[Pair],
    index_url: str,
    progress_for: ProgressFor = lambda _pair: None,
) -> PairsInstalled:
    """Raises ``PackageError`` when the index cannot be read; a pair's own failure is
    recorded and the next one tried."""
    index = fetch_index(index_url)
    outcome = PairsInstalled()
    for pair in pairs:
        try:
            outcome.installed.append(
                install_from_index(
                    models_dir, *pair, index_url, progress=progress_for(pair), index=index
                )
            )
        except PackageError as exc:
            outcome.failed[pair] = str(exc)
    return outcome
