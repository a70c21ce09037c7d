#!/usr/bin/env bash
# Sets up interp with its test tools (Chromium for browser tests, axe-core for
# accessibility checks) and runs the whole test suite. Arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh --test

if ! command -v chromium >/dev/null 2>&1; then
    sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq && $sudo apt-get install -y -qq chromium >/dev/null
fi
if [ -f package.json ] && command -v npm >/dev/null 2>&1; then
    npm ci --silent --no-audit --no-fund
fi

.venv/bin/ruff check interp scripts tests
.venv/bin/mypy
exec .venv/bin/python -m pytest "$@"
