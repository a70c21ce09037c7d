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

# Translation for the offered languages, to and from the local language, when the Argos
# package index answers within a few seconds; an offline server is not held up.
index_reachable() {
    timeout 8 .venv/bin/python - <<'PY' >/dev/null 2>&1
import urllib.request
from interp.config import load_settings
urllib.request.urlopen(load_settings().translation_index_url, timeout=5).close()
PY
}
later="later: .venv/bin/interp models install --offered (or, offline, with --from FOLDER of .argosmodel files)"
if index_reachable; then
    timeout 1800 .venv/bin/interp models install --offered \
        || echo "Some translation packages were not installed. Run it again $later" >&2
else
    echo "The Argos package index cannot be reached now: install translation $later" >&2
fi
.venv/bin/interp models status | sed -n '/^offered languages/,$p' || true
# Speech output (captions read aloud) speaks with espeak-ng, a system package.
command -v espeak-ng >/dev/null 2>&1 \
    || echo "To read captions aloud, install espeak-ng: sudo apt-get install espeak-ng" >&2
echo "interp is set up. Start it with: .venv/bin/interp serve"
