"""The ``interp`` command. Each sub-command lives in its own module under interp.commands."""

from __future__ import annotations

import argparse
import importlib
import sys

# Each module exposes register(subparsers) and sets a ``handler(args) -> int`` default.
COMMAND_MODULES = (
    "interp.commands.serve",
    "interp.commands.db",
    "interp.commands.users",
    "interp.commands.doctor",
    "interp.commands.models",
    "interp.commands.caption",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="interp", description=__doc__)
    parser.add_argument("--config", help="TOML settings file (also INTERP_CONFIG)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from interp.config import ConfigError

    try:
        return int(args.handler(args) or 0)
    except ConfigError as exc:
        print(f"interp: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
