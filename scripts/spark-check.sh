#!/usr/bin/env bash
# Runs the Spark example job (hosts/python/examples/spark_job.py) with PySpark in local mode
# (`local[2]`) over generated tenants read from Parquet, and checks that every decision equals
# `dexpc eval` on the same records. Not one of the suites: it installs PySpark and starts a JVM,
# which takes minutes. The job gets the package as it would on a cluster, from the wheel shipped
# with --py-files (an installed `dexp` is uninstalled first; scripts/suites/30-python.sh
# installs it again). Usage: scripts/spark-check.sh [N] (default 100000 tenants).
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-100000}"
work=target/spark-check
rm -rf "$work"
mkdir -p "$work"

python3 -m pip install --quiet --disable-pip-version-check \
  -r hosts/python/requirements-dev.txt -r hosts/python/requirements-spark.txt
cargo build --quiet --locked -p dexp-compiler --bin dexpc
cargo build --quiet --locked -p dexp-benches --example gen_tenants
maturin build --quiet --locked --manifest-path hosts/python/Cargo.toml --out "$work/wheel"
# The job gets dexp the way it would on a cluster, from the wheel shipped with --py-files, so
# an installed copy must not hide a broken shipment.
python3 -m pip uninstall --quiet --yes dexp 2>/dev/null || true

target/debug/dexpc compile policies/defender_experts.dexp -o "$work/policy.wasm"
target/debug/examples/gen_tenants "$n" > "$work/generated.ndjson"
python3 hosts/python/scripts/spark_check.py --dexpc target/debug/dexpc --work "$work" --wheel "$work"/wheel/dexp-*.whl
