"""``interp models``: install speech and translation models and report what is installed."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from interp.config import Settings, load_settings
from interp.modelstore import (
    InstallError,
    ManifestError,
    check_model,
    get_model_spec,
    install_model,
    load_manifest,
)
from interp.modelstore.checksums import progress
from interp.translation.packages import (
    PackageError,
    install_from_index,
    install_package_file,
    install_package_folder,
    installed_packages,
    packages_dir,
)
from interp.translation.translator import find_route

TRANSLATION = "translation"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("models", help="install and check speech and translation models")
    sub = parser.add_subparsers(dest="models_command", metavar="ACTION", required=True)

    install = sub.add_parser(
        "install",
        help="install a speech model listed in models/manifest.toml, or a translation pair",
        description="Speech: interp models install whisper-base. Translation: interp models "
        "install translation SRC TGT (from the Argos index, needs internet), or with "
        "--from FILE.argosmodel or --from FOLDER of them (offline).",
    )
    install.add_argument("name", help="whisper-base, whisper-tiny.en, … or 'translation'")
    install.add_argument(
        "languages", nargs="*", metavar="LANG",
        help="for translation: the source and target language codes, e.g. en es",
    )
    install.add_argument(
        "--from", dest="from_path", type=Path, metavar="PATH",
        help="a folder or archive that holds the model (for translation: an .argosmodel "
        "file or a folder of them)",
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
    if args.name == TRANSLATION:
        return install_translation(settings, args.languages, args.from_path)
    if args.languages:
        print(f"interp: {args.name} takes no language codes", file=sys.stderr)
        return 2
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
    broken |= translation_status(settings)
    return 1 if broken else 0


def install_translation(settings: Settings, languages: list[str], source: Path | None) -> int:
    if len(languages) not in (0, 2) or (not languages and source is None):
        print(
            "interp: name the pair, e.g. interp models install translation en es "
            "[--from FILE.argosmodel]",
            file=sys.stderr,
        )
        return 2
    pair = (languages[0], languages[1]) if languages else None
    try:
        if source is not None and source.is_dir():
            packages = install_package_folder(settings.models_dir, source)
        elif source is not None:
            packages = [install_package_file(settings.models_dir, source, pair)]
        else:
            assert pair is not None
            with progress(0, f"downloading {pair[0]}→{pair[1]}") as bar:

                def advance(done: int, total: int) -> None:
                    bar.total = total or None
                    bar.update(done - bar.n)

                packages = [install_from_index(settings.models_dir, *pair, progress=advance)]
    except (PackageError, OSError) as exc:
        print(f"interp: {exc}", file=sys.stderr)
        return 1
    for package in packages:
        print(f"installed translation {package.from_code} → {package.to_code} "
              f"(version {package.version or 'unknown'})")
    return 0


def translation_status(settings: Settings) -> bool:
    """Print installed translation pairs and those reachable through English; True if broken."""
    packages, problems = installed_packages(settings.models_dir)
    print(f"translation packages in {packages_dir(settings.models_dir)}:")
    if not packages:
        print("  none. Install a pair: interp models install translation SRC TGT "
              "(needs internet) or --from FILE.argosmodel")
    for package in packages:
        print(f"  {package.from_code} → {package.to_code:<10} version {package.version}")
    pairs = {package.pair for package in packages}
    languages = sorted({code for pair in pairs for code in pair})
    pivoted = [
        f"{source} → {target}"
        for source in languages
        for target in languages
        if (route := find_route(pairs, source, target)) is not None and len(route) == 3
    ]
    if pivoted:
        print("  through English: " + ", ".join(pivoted))
    for problem in problems:
        print(f"  broken: {problem}  -> reinstall it with interp models install translation")
    return bool(problems)
