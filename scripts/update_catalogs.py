"""Extract the interface's strings and merge them into every locale's messages.po.

Run after adding or changing a string in a template or an ``N_()`` in Python code:

    .venv/bin/python scripts/update_catalogs.py          # all shipped locales
    .venv/bin/python scripts/update_catalogs.py es pl    # only these

then translate the entries with an empty ``msgstr`` (they show in English until then).
Catalogs are compiled in memory when the server starts: there is nothing to build.
"""

from __future__ import annotations

import argparse

from interp import catalogs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("locales", nargs="*", help="locale codes (default: every shipped locale)")
    args = parser.parse_args()
    counts = catalogs.update_catalogs(args.locales or None)
    for locale, missing in counts.items():
        print(f"{locale}: {missing} untranslated")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
