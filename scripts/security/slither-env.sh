# Sourced by scripts/ensure-test-deps.sh (which installs slither) and scripts/security/slither.ts's wrapper
# (which runs it): where slither lives. Not executable on its own.
#
# slither gets a virtualenv of its own, outside the work tree: nothing to ignore in git, no clash with other
# Python packages on the machine, and it survives the fresh clone CI runs in. Its `bin/` is never put on
# PATH: solc-select, a slither dependency, installs a `solc` there that would try to download a compiler;
# the gate reads Hardhat's build-info instead and calls slither by its full path.
SLITHER_VERSION="0.11.6"
SLITHER_REQUIREMENTS="scripts/security/slither-requirements.txt"
SLITHER_VENV="${CHAINBILL_SLITHER_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/chainbill/slither-venv}"
SLITHER_BIN="$SLITHER_VENV/bin/slither"
# Written last by the install, a copy of the requirements it installed: present and equal means done.
SLITHER_STAMP="$SLITHER_VENV/.chainbill-requirements"
