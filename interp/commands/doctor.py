"""``interp doctor``: what is installed, configured and missing, and the command that fixes it."""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from interp.config import ConfigError, Settings, load_settings
from interp.store.database import Database, head_revision

OK, WARN, MISSING = "ok", "warning", "missing"


@dataclass(frozen=True)
class Check:
    name: str
    state: str  # ok | warning | missing
    detail: str
    fix: str = ""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("doctor", help="check the installation and configuration")
    parser.set_defaults(handler=doctor)


def check_python() -> Check:
    # interp's own syntax needs 3.11, so reaching this line already proves the version.
    return Check("Python", OK, ".".join(map(str, sys.version_info[:3])))


def check_data_dir(settings: Settings) -> Check:
    path = Path(settings.data_dir)
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".doctor-probe"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        return Check(
            "Data directory", MISSING, f"{path}: {exc}", "set INTERP_DATA_DIR to a writable folder"
        )
    return Check("Data directory", OK, str(path))


async def _revision(url: str) -> str | None:
    db = Database(url)
    try:
        return await db.current_revision()
    finally:
        await db.close()


def check_database(settings: Settings) -> Check:
    safe = make_url(settings.effective_database_url).render_as_string(hide_password=True)
    try:
        revision = asyncio.run(_revision(settings.effective_database_url))
    except Exception as exc:  # any driver error means the same thing to the reader
        return Check("Database", MISSING, f"{safe}: {exc}", "check INTERP_DATABASE_URL")
    if revision != head_revision():
        return Check(
            "Database", MISSING, f"{safe} is at {revision or 'no schema'}", "interp db upgrade"
        )
    return Check("Database", OK, f"{safe} (schema {revision})")


def check_redis(settings: Settings) -> Check:
    if not settings.redis_url:
        return Check("Hub", OK, "in-process (one node); set INTERP_REDIS_URL to run several nodes")

    async def ping() -> None:
        import redis.asyncio as redis

        client = redis.from_url(settings.redis_url, socket_connect_timeout=3)
        try:
            await client.ping()
        finally:
            await client.aclose()

    try:
        asyncio.run(ping())
    except Exception as exc:
        return Check(
            "Hub",
            MISSING,
            f"Redis at {settings.redis_url}: {exc}",
            "start Redis or fix INTERP_REDIS_URL",
        )
    return Check("Hub", OK, f"Redis at {settings.redis_url}")


def check_origin(settings: Settings) -> Check:
    url = settings.effective_public_url
    if url.startswith("https://"):
        return Check("Public address", OK, url)
    if "://localhost" in url or "://127.0.0.1" in url:
        return Check("Public address", OK, f"{url} (browsers allow camera and microphone here)")
    return Check(
        "Public address",
        WARN,
        f"{url}: browsers give camera and microphone only to https:// sites",
        "serve behind an HTTPS reverse proxy and set INTERP_PUBLIC_URL=https://…",
    )


def check_ice(settings: Settings) -> Check:
    turn = any(
        str(url).startswith(("turn:", "turns:"))
        for server in settings.ice_servers
        for url in (
            [server.get("urls")]
            if isinstance(server.get("urls"), str)
            else server.get("urls") or []
        )
    )
    if turn:
        return Check("ICE servers", OK, f"{len(settings.ice_servers)} configured, TURN included")
    if settings.effective_public_url.startswith("https://"):
        return Check(
            "ICE servers",
            WARN,
            "no TURN server: calls between strict NATs or firewalls will fail",
            "set INTERP_ICE_SERVERS (see docs/configuration.md)",
        )
    return Check("ICE servers", OK, "none (enough on localhost and one network)")


def check_translation_library() -> Check:
    if importlib.util.find_spec("argostranslate") is None:
        return Check(
            "Translation library",
            MISSING,
            "argostranslate is not installed",
            ".venv/bin/pip install --no-deps argostranslate==1.11.0",
        )
    if importlib.util.find_spec("torch") is not None:
        return Check(
            "Translation library",
            WARN,
            "PyTorch is installed but never used (gigabytes)",
            "pip uninstall torch stanza",
        )
    return Check("Translation library", OK, "argostranslate (without PyTorch)")


def check_translation_models(settings: Settings) -> Check:
    from interp.translation.packages import installed_packages

    packages, problems = installed_packages(settings.models_dir)
    if problems:
        return Check(
            "Translation models", MISSING, "; ".join(problems),
            "interp models install translation SRC TGT --from FILE.argosmodel",
        )
    if not packages:
        return Check(
            "Translation models", WARN,
            "none installed: captions stay in the speaker's language",
            "interp models install --offered (or --offered --from FOLDER of .argosmodel files)",
        )
    pairs = ", ".join(f"{p.from_code}→{p.to_code}" for p in packages)
    return Check("Translation models", OK, pairs)


def check_speech_models(settings: Settings) -> Iterator[Check]:
    from interp.modelstore import check_model, load_manifest

    specs = load_manifest()
    spec = specs.get(settings.asr_model)
    if spec is None:
        yield Check(
            "Speech model",
            MISSING,
            f"{settings.asr_model!r} is not in models/manifest.toml",
            "set INTERP_ASR_MODEL",
        )
        return
    status = check_model(settings.models_dir, spec, full=False)
    if status.state == "verified":
        yield Check(f"Speech model {spec.name}", OK, str(status.path))
    else:
        detail = status.state + (f": {status.problem}" if status.problem else "")
        yield Check(f"Speech model {spec.name}", MISSING, detail, status.fix)


def check_languages(settings: Settings) -> Iterator[Check]:
    """Each offered language's gaps: translation that could be installed is missing (the
    command installs it); what no open model reaches is a warning that says what residents
    get instead."""
    from interp.commands.offered import offered_languages
    from interp.coverage import INSTALL_OFFERED, Gap, coverage_table
    from interp.coverage.speech_quality import SpeechTier

    offered = offered_languages(settings)
    local = settings.local_language
    rows = coverage_table(offered.codes, local, settings.models_dir)
    covered = [row.language.english_name for row in rows if row.gap == Gap.NONE]
    source = "" if offered.origin == "database" else " (the defaults until a coordinator chooses)"
    yield Check("Offered languages", OK, f"{len(rows)} offered{source}; translated to and from "
                f"{local}: {', '.join(covered) or 'none'}")
    for row in rows:
        name = f"Language {row.language.english_name}"
        unrecognised = row.speech.tier == SpeechTier.NONE
        if row.gap == Gap.INSTALLABLE:
            pairs = ", ".join(f"{a}→{b}" for a, b in row.missing_packages)
            yield Check(name, MISSING, f"translation not installed ({pairs})", INSTALL_OFFERED)
        elif row.gap == Gap.NO_MODEL:
            captions = "no speech recognition either; " if unrecognised else ""
            yield Check(
                name, WARN,
                f"no open translation model reaches it; {captions}residents get human "
                "interpreters, and machine captions in their own words untranslated",
                row.fix,
            )
        elif row.gap == Gap.SIGNED:
            yield Check(
                name, WARN,
                "a sign language has no text to caption or translate: human interpreters only",
            )


def run_checks(settings: Settings) -> list[Check]:
    checks: list[Callable[[], Check | Iterator[Check]]] = [
        check_python,
        lambda: check_data_dir(settings),
        lambda: check_database(settings),
        lambda: check_redis(settings),
        lambda: check_origin(settings),
        lambda: check_ice(settings),
        check_translation_library,
        lambda: check_translation_models(settings),
        lambda: check_speech_models(settings),
        lambda: check_languages(settings),
    ]
    results: list[Check] = []
    for check in checks:
        outcome = check()
        results.extend([outcome] if isinstance(outcome, Check) else outcome)
    return results


def doctor(args: argparse.Namespace) -> int:
    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        print(f"[missing] Settings: {exc}")
        return 1
    results = run_checks(settings)
    width = max(len(c.name) for c in results)
    for check in results:
        print(f"[{check.state:>7}] {check.name:<{width}}  {check.detail}")
        if check.fix:
            print(f"{'':>10} {'':<{width}}  fix: {check.fix}")
    missing = [c for c in results if c.state == MISSING]
    warnings = sum(c.state == WARN for c in results)
    if missing:
        print(f"\n{len(missing)} problem(s) found.")
    elif warnings:
        print(f"\nEverything interp needs is in place; {warnings} warning(s) above say what "
              "is still out of reach.")
    else:
        print("\nEverything interp needs is in place.")
    return 1 if missing else 0
