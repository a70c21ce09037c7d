#!/usr/bin/env bash
# Sets up interp with its test tools (Chromium for browser tests, axe-core for
# accessibility checks, espeak-ng for speech output) and runs the whole test suite.
# Arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh --test

# Chromium for the browser tests; espeak-ng, the speech output engine, for its tests.
missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
command -v espeak-ng >/dev/null 2>&1 || missing="$missing espeak-ng"
if [ -n "$missing" ]; then
    sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
    # shellcheck disable=SC2086
    $sudo apt-get update -qq && $sudo apt-get install -y -qq $missing >/dev/null
fi
if [ -f package.json ] && command -v npm >/dev/null 2>&1; then
    npm ci --silent --no-audit --no-fund
fi

.venv/bin/ruff check interp scripts tests
.venv/bin/mypy
exec .venv/bin/python -m pytest "$@"
