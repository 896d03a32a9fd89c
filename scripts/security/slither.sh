#!/usr/bin/env bash
# The slither gate (`npm run security:slither`, and .ci/run): compiles the contracts with Hardhat (the `solc`
# npm package, as every build here), runs slither on that build, writes its JSON to cache/slither/slither.json
# and fails on any High or Medium finding in our contracts that security/slither-triage.json does not
# explain. OpenZeppelin (node_modules) and the test-only contracts under contracts/test/ are not analysed.
#
# No compiler is ever downloaded: slither is told to read Hardhat's build-info (--hardhat-ignore-compile)
# and never calls solc itself. The compile goes to cache/slither/ with a configuration of its own
# (hardhat.slither.config.ts) so that slither reads exactly one fresh build-info and the artifacts and
# typings the tests use are left alone.
set -euo pipefail
cd "$(dirname "$0")/../.."

# shellcheck source=slither-env.sh
. scripts/security/slither-env.sh
if [ ! -x "$SLITHER_BIN" ] || ! cmp -s "$SLITHER_REQUIREMENTS" "$SLITHER_STAMP"; then
  echo "security:slither: slither $SLITHER_VERSION is not installed at $SLITHER_BIN; run: bash scripts/ensure-test-deps.sh" >&2
  exit 1
fi

out=cache/slither
rm -rf "$out/artifacts" "$out/cache" "$out/slither.json"
mkdir -p "$out"
npx hardhat --config scripts/security/hardhat.slither.config.ts compile --force --quiet

# crytic-compile asks Hardhat for its paths through `hardhat console`; let it find the project's Hardhat
# directly rather than through npx.
export PATH="$PWD/node_modules/.bin:$PATH"
set +e
"$SLITHER_BIN" . \
  --hardhat-ignore-compile \
  --hardhat-artifacts-directory "$out/artifacts" \
  --npx-disable \
  --filter-paths 'node_modules/|contracts/test/' \
  --disable-color \
  --json "$out/slither.json" \
  >"$out/slither.log" 2>&1
status=$?
set -e
# slither exits non-zero whenever it has findings; whether it ran at all is told by its JSON.
if [ ! -s "$out/slither.json" ]; then
  cat "$out/slither.log" >&2
  echo "security:slither: slither $SLITHER_VERSION produced no report (exit $status)" >&2
  exit 1
fi
echo "security:slither: slither $SLITHER_VERSION, full report in $out/slither.json and $out/slither.log"
exec npx ts-node --transpile-only src/security/slitherGate.ts "$out/slither.json" security/slither-triage.json
