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

# geth from the Go module proxy, for the consortium network (`npm run network`) and its fault tests
# (test/network/). scripts/geth-env.sh says where it goes; done when that binary reports the version.
# -checklinkname=0: Go >= 1.23 refuses the go:linkname pulls in this geth's dependencies; if the build still
# fails with the machine's Go, the same proxy serves an older toolchain (GOTOOLCHAIN) that builds it.
# shellcheck source=network/geth-env.sh
. scripts/geth-env.sh
geth_ready() { [ -x "$GETH_BIN" ] && "$GETH_BIN" version 2>/dev/null | grep -qx "Version: ${GETH_VERSION#v}-stable"; }
if ! geth_ready; then
  if [ -n "${CHAINBILL_GETH:-}" ]; then
    echo "ensure-test-deps: CHAINBILL_GETH=$CHAINBILL_GETH is not geth $GETH_VERSION" >&2
    exit 1
  fi
  if ! command -v go >/dev/null; then
    echo "ensure-test-deps: building geth $GETH_VERSION needs Go >= 1.21 (https://go.dev/dl/); or set CHAINBILL_GETH" >&2
    exit 1
  fi
  mkdir -p "$GETH_HOME"
  (
    if command -v flock >/dev/null; then flock 9; fi
    if ! geth_ready; then
      echo "ensure-test-deps: building geth $GETH_VERSION into $GETH_HOME (a few minutes, once)" >&2
      staging="$(mktemp -d "$GETH_HOME/build.XXXXXX")"
      trap 'rm -rf "$staging"' EXIT
      build() {
        CGO_ENABLED=0 GOBIN="$staging" go install -trimpath -ldflags=-checklinkname=0 \
          "github.com/ethereum/go-ethereum/cmd/geth@$GETH_VERSION"
      }
      if ! build; then
        echo "ensure-test-deps: retrying the geth build with Go 1.22.12 from the module proxy" >&2
        GOTOOLCHAIN=go1.22.12 build
      fi
      mkdir -p "$GETH_HOME/bin"
      # A rename within one directory tree: a concurrent reader sees the old binary or the new one, never half.
      mv "$staging/geth" "$GETH_BIN"
      geth_ready || { echo "ensure-test-deps: the built geth does not report $GETH_VERSION" >&2; exit 1; }
    fi
  ) 9>"$GETH_HOME.lock"
fi

# Debian's chromium, for the browser tests (the dApp, the audit report), driven by playwright-core with
# executablePath /usr/bin/chromium. Never a browser downloaded by a test tool: these machines cannot reach one.
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null; then
    echo "ensure-test-deps: /usr/bin/chromium is missing; install Debian's chromium package (apt-get install chromium)" >&2
    exit 1
  fi
  as_root=""
  if [ "$(id -u)" -ne 0 ]; then as_root="sudo"; fi
  echo "ensure-test-deps: installing Debian's chromium" >&2
  $as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq --no-install-recommends chromium >/dev/null
  /usr/bin/chromium --version >&2
fi

# A Chinese font, so the dApp's Simplified Chinese pages render in the browser tests' screenshots (Debian's small
# WenQuanYi Micro Hei). Cosmetic: the tests do not depend on it, so a failed install only warns.
if [ -x /usr/bin/chromium ] && ! fc-list :lang=zh 2>/dev/null | grep -q .; then
  as_root=""
  if [ "$(id -u)" -ne 0 ]; then as_root="sudo"; fi
  echo "ensure-test-deps: installing a Chinese font (fonts-wqy-microhei) for the dApp's screenshots" >&2
  { $as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq --no-install-recommends fonts-wqy-microhei >/dev/null; } \
    || echo "ensure-test-deps: could not install fonts-wqy-microhei; Chinese text in screenshots will show as boxes" >&2
fi
