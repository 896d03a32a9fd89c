#!/usr/bin/env bash
# `npm run test:unit`: the everyday subset of the suite — every test file except those that start a browser
# (test/web/), geth nodes (test/network/consortium), whole `npm start` stacks or child processes that build them,
# and the long replays. Runs on Hardhat's in-process chain only. `npm test` stays the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
slow='^test/(web/|network/consortium|demo\.test|operator/cli|indexer/crash|audit/report|audit/clean\.property|indexer/i7\.property)'
mapfile -t files < <(find test -name '*.test.ts' | sort | grep -Ev "$slow")
exec npx hardhat test "${files[@]}"
