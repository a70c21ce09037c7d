"""Model management: the manifest, installing models and checking what is installed."""

from interp.modelstore.install import InstallError, install_model
from interp.modelstore.manifest import (
    ManifestError,
    ModelFile,
    ModelSpec,
    get_model_spec,
    load_manifest,
)
from interp.modelstore.store import (
    ModelNotInstalledError,
    ModelStatus,
    check_model,
    model_dir,
    resolve_speech_model,
)

__all__ = [
    "InstallError",
    "ManifestError",
    "ModelFile",
    "ModelNotInstalledError",
    "ModelSpec",
    "ModelStatus",
    "check_model",
    "get_model_spec",
    "install_model",
    "load_manifest",
    "model_dir",
    "resolve_speech_model",
]
