#!/usr/bin/env bash
# `npm run test:unit`: the everyday subset of the suite, in about two minutes on this machine: every test file except
# those that start a browser (test/web/), geth nodes (test/network/consortium), HTTP servers and whole stacks
# (test/api/, the indexer's and the commands' child processes, the demo), with the property tests at fewer runs than
# the whole suite's. Runs on Hardhat's in-process chain only. `npm test` stays the whole suite, at full counts.
set -euo pipefail
cd "$(dirname "$0")/.."
slow='^test/(web/|api/|cli/|network/consortium|demo\.test|operator/cli|indexer/(crash|metrics|integrity|i7\.property)|audit/(report|clean\.property))'
mapfile -t files < <(find test -name '*.test.ts' | sort | grep -Ev "$slow")
export CHAINBILL_PROPERTY_RUNS="${CHAINBILL_PROPERTY_RUNS:-40}"
export CHAINBILL_SIGNATURE_PROPERTY_RUNS="${CHAINBILL_SIGNATURE_PROPERTY_RUNS:-10000}"
exec npx hardhat test "${files[@]}"
