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
