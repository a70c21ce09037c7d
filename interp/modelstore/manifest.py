"""The models manifest (models/manifest.toml): what interp can install and how to check it."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

MANIFEST_PATH = Path(__file__).resolve().parents[2] / "models" / "manifest.toml"


class ManifestError(ValueError):
    """The manifest is unreadable or names something it does not describe."""


@dataclass(frozen=True)
class ModelFile:
    name: str
    size: int
    sha256: str
    # Paths inside the source packages whose concatenation is this file.
    parts: tuple[str, ...]


@dataclass(frozen=True)
class ModelSpec:
    group: str  # "speech"; later groups (translation pairs) sit beside it
    name: str
    description: str
    languages: tuple[str, ...]
    licence: str
    source: str  # "pypi" or "upstream"
    packages: tuple[str, ...] = ()
    upstream: str = ""
    files: tuple[ModelFile, ...] = ()

    @property
    def pinned(self) -> bool:
        """True when the manifest pins every file's checksum."""
        return bool(self.files)

    @property
    def install_command(self) -> str:
        if self.source == "upstream":
            return f"interp models install {self.name} --download"
        return f"interp models install {self.name}"


def _parse_model(group: str, name: str, table: dict) -> ModelSpec:
    try:
        files = tuple(
            ModelFile(
                name=f["name"], size=int(f["size"]), sha256=f["sha256"].lower(),
                parts=tuple(f["parts"]),
            )
            for f in table.get("files", [])
        )
        spec = ModelSpec(
            group=group,
            name=name,
            description=table.get("description", ""),
            languages=tuple(table.get("languages", [])),
            licence=table.get("licence", ""),
            source=table["source"],
            packages=tuple(table.get("packages", [])),
            upstream=table.get("upstream", ""),
            files=files,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ManifestError(f"model {name!r} in the manifest is malformed: {exc}") from exc
    if spec.source not in {"pypi", "upstream"}:
        raise ManifestError(f"model {name!r} has an unknown source {spec.source!r}")
    if spec.source == "pypi" and not (spec.packages and spec.files):
        raise ManifestError(f"model {name!r} needs packages and pinned files")
    return spec


def load_manifest(path: Path = MANIFEST_PATH) -> dict[str, ModelSpec]:
    """All models in the manifest, by name."""
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ManifestError(f"cannot read the models manifest {path}: {exc}") from exc
    models: dict[str, ModelSpec] = {}
    for group, entries in data.items():
        for name, table in entries.items():
            models[name] = _parse_model(group, name, table)
    return models


def get_model_spec(name: str, path: Path = MANIFEST_PATH) -> ModelSpec:
    models = load_manifest(path)
    if name not in models:
        known = ", ".join(sorted(models))
        raise ManifestError(f"unknown model {name!r}; the manifest lists: {known}")
    return models[name]
