#!/usr/bin/env bash
# Sets up interp in .venv: the package, its torch-free translation library, the
# database schema and the default speech model. `--test` adds what the tests need.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "interp needs Python 3.11 or newer ($python is $("$python" --version 2>&1))." >&2
    exit 1
fi
[ -x .venv/bin/python ] || "$python" -m venv .venv
pip=(.venv/bin/python -m pip --quiet --disable-pip-version-check)

extras=""
[ "${1:-}" = "--test" ] && extras="[test]"
"${pip[@]}" install --upgrade pip
"${pip[@]}" install -e ".${extras}"
# argostranslate declares stanza (and so PyTorch, gigabytes) as a dependency it does
# not need for translation: install it alone; its real needs are in pyproject.toml.
"${pip[@]}" install --no-deps "argostranslate==1.11.0"

.venv/bin/interp db upgrade
.venv/bin/interp models install whisper-base
# The tests also run the English-only model.
[ "${1:-}" = "--test" ] && .venv/bin/interp models install whisper-tiny.en
echo "interp is set up. Start it with: .venv/bin/interp serve"
