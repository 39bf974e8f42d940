#!/usr/bin/env bash
# The README's test command: installs what the tests need, then runs them.
#   - headless Chromium and poppler-utils (Debian packages) when missing, for the browser and PDF checks, and
#     HarfBuzz's subsetter (libharfbuzz-subset0), which WeasyPrint 70+ warns about without (fonts embedded whole)
#   - the package with its test extra
#   - ruff (lint, configured in pyproject.toml), then pytest (all tests, the slow end-to-end builds included)
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1 || ! command -v pdftoppm >/dev/null 2>&1 \
    || ! ldconfig -p 2>/dev/null | grep -q libharfbuzz-subset; then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    echo "installing chromium, poppler-utils and libharfbuzz-subset0 (Debian packages)..."
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium poppler-utils libharfbuzz-subset0 >/dev/null
  else
    echo "warning: chromium/poppler-utils not found and no apt-get; the browser test will be skipped" >&2
  fi
fi

python3 -m pip install -q --disable-pip-version-check -e ".[test]"

python3 -m ruff check --quiet stargate_report tests bench notebooks scripts
# the layers of the package point one way, with no import cycles (contracts in pyproject.toml)
lint-imports --no-cache

set +e
python3 -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: failing, a test run must test something" >&2
  exit 1
fi
exit "$status"
