# Sourced by scripts/ensure-test-deps.sh (which builds geth): where the consortium network's engine lives.
# Not executable on its own. src/network/geth.ts computes the same path for the code that runs geth.
#
# go-ethereum v1.13.15 is the last release that seals Clique proof-of-authority blocks. It is built from the Go
# module proxy into a cache outside the work tree, keyed by version, so CI on the same machine builds it once.
# CHAINBILL_GETH names a ready binary instead (it must be this version); nothing is built then.
GETH_VERSION="v1.13.15"
GETH_HOME="${CHAINBILL_GETH_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/chainbill/geth-$GETH_VERSION}"
GETH_BIN="${CHAINBILL_GETH:-$GETH_HOME/bin/geth}"
