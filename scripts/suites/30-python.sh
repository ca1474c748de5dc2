#!/usr/bin/env bash
# The Python package's suite: installs the pinned build and test tools, builds the `dexp` wheel
# with maturin (debug profile, in the workspace's target/), installs it and runs pytest under
# hosts/python/tests against `dexpc eval` of this checkout. Exits non-zero on any failure,
# including pytest collecting no tests (its exit code 5).
set -euo pipefail
cd "$(dirname "$0")/../.."

python3 -m pip install --quiet --disable-pip-version-check -r hosts/python/requirements-dev.txt

# The tests compare with dexpc; cargo test has usually built it already.
cargo build --quiet --locked -p dexp-compiler --bin dexpc

wheels=target/wheels/python
rm -rf "$wheels"
maturin build --quiet --locked --manifest-path hosts/python/Cargo.toml --out "$wheels"
python3 -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps "$wheels"/dexp-*.whl

status=0
DEXPC="$PWD/target/debug/dexpc" python3 -m pytest -q -p no:cacheprovider hosts/python/tests || status=$?
if [ "$status" -ne 0 ]; then
  echo "python suite failed (pytest exit $status)" >&2
  exit 1
fi
