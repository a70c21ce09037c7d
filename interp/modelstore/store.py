"""Where installed models live, and whether what is there is intact."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from interp.modelstore.checksums import sha256_file
from interp.modelstore.manifest import ManifestError, ModelSpec, get_model_spec

# Written last by an install; its presence means the folder is complete.
RECEIPT = "interp-model.json"


class ModelNotInstalledError(RuntimeError):
    """A model the service needs is missing or damaged; the message says how to fix it."""


def model_dir(models_dir: Path, spec: ModelSpec) -> Path:
    return models_dir / spec.group / spec.name


def read_receipt(folder: Path) -> dict | None:
    try:
        data = json.loads((folder / RECEIPT).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("files"), dict) else None


def expected_files(spec: ModelSpec, receipt: dict | None) -> dict[str, tuple[int, str]]:
    """name -> (size, sha256): pinned by the manifest, else as recorded at install."""
    if spec.pinned:
        return {f.name: (f.size, f.sha256) for f in spec.files}
    if receipt is None:
        return {}
    return {n: (int(v["size"]), str(v["sha256"])) for n, v in receipt["files"].items()}


@dataclass(frozen=True)
class ModelStatus:
    spec: ModelSpec
    path: Path
    state: str  # "verified", "not installed" or "broken"
    problem: str = ""

    @property
    def fix(self) -> str:
        return "" if self.state == "verified" else self.spec.install_command


def check_model(models_dir: Path, spec: ModelSpec, full: bool = True) -> ModelStatus:
    """Compare an installed model with its expected files; ``full`` also hashes them."""
    folder = model_dir(models_dir, spec)
    receipt = read_receipt(folder)
    if receipt is None:
        state = "broken" if folder.exists() else "not installed"
        problem = "incomplete install (no receipt)" if folder.exists() else ""
        return ModelStatus(spec, folder, state, problem)
    expected = expected_files(spec, receipt)
    for name, (size, sha256) in expected.items():
        path = folder / name
        if not path.is_file():
            return ModelStatus(spec, folder, "broken", f"{name} is missing")
        if path.stat().st_size != size:
            return ModelStatus(spec, folder, "broken", f"{name} has the wrong size")
        if full and sha256_file(path) != sha256:
            return ModelStatus(spec, folder, "broken", f"{name} fails its sha256 check")
    return ModelStatus(spec, folder, "verified")


def resolve_speech_model(models_dir: Path, name: str) -> Path:
    """The folder of an installed speech model, or a clear error naming the install command.

    ``name`` is a manifest name, or the path of a CTranslate2 Whisper folder the user
    supplies. A bare name is never handed to faster-whisper: that would reach for the
    internet.
    """
    candidate = Path(name).expanduser()
    if (candidate / "model.bin").is_file():
        return candidate
    try:
        spec = get_model_spec(name)
    except ManifestError as exc:
        raise ModelNotInstalledError(str(exc)) from exc
    status = check_model(models_dir, spec, full=False)
    if status.state != "verified":
        reason = f" ({status.problem})" if status.problem else ""
        raise ModelNotInstalledError(
            f"speech model {name!r} is {status.state}{reason} in {status.path}; "
            f"run: {spec.install_command}"
        )
    return status.path
