#!/usr/bin/env bash
# Installs, once, what the test suite needs beyond npm packages. Idempotent: each step checks first and
# does nothing when its tool is already there. `npm test` runs it before the tests, and so does .ci/run.
# Later parts of the suite add their tools here (Debian's chromium for browser tests, slither from PyPI,
# geth from the Go module proxy), each behind its own check.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules/hardhat ]; then
  echo "ensure-test-deps: npm packages missing, running npm ci" >&2
  npm ci --no-audit --no-fund
fi

# slither-analyzer from PyPI, for the security gate (`npm run security:slither`): in a virtualenv of its own
# (scripts/security/slither-env.sh says where and why), every package pinned by
# scripts/security/slither-requirements.txt. Done when the virtualenv holds a copy of exactly those pins.
# shellcheck source=security/slither-env.sh
. scripts/security/slither-env.sh
if [ ! -x "$SLITHER_BIN" ] || ! cmp -s "$SLITHER_REQUIREMENTS" "$SLITHER_STAMP"; then
  mkdir -p "$(dirname "$SLITHER_VENV")"
  (
    # Two runs at once (npm test beside CI, say) take turns; the second finds the work done.
    if command -v flock >/dev/null; then flock 9; fi
    if [ ! -x "$SLITHER_BIN" ] || ! cmp -s "$SLITHER_REQUIREMENTS" "$SLITHER_STAMP"; then
      echo "ensure-test-deps: installing slither-analyzer $SLITHER_VERSION into $SLITHER_VENV" >&2
      rm -rf "$SLITHER_VENV"
      if ! python3 -m venv "$SLITHER_VENV"; then
        echo "ensure-test-deps: python3 -m venv failed (Debian: apt-get install python3-venv)" >&2
        exit 1
      fi
      "$SLITHER_VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
        --requirement "$SLITHER_REQUIREMENTS"
      installed="$("$SLITHER_BIN" --version)"
      if [ "$installed" != "$SLITHER_VERSION" ]; then
        echo "ensure-test-deps: expected slither $SLITHER_VERSION, got $installed" >&2
        exit 1
      fi
      cp "$SLITHER_REQUIREMENTS" "$SLITHER_STAMP"
    fi
  ) 9>"$SLITHER_VENV.lock"
fi
