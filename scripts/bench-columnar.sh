#!/usr/bin/env bash
# The columnar path against the NDJSON path, side by side in one hyperfine run, on the same
# generated tenants: Parquet to Parquet with --jobs 1 and --jobs 2 (and --jobs 2 on a copy
# without a page index, which is read on one thread), NDJSON to NDJSON with --jobs 1 and 2, and
# the Parquet floor (`parquet_floor`: the same reading and writing of Parquet with the decisions
# made beforehand, so dexp's own work is left out; it also prints its own split of read and
# write). Builds dexpc and the bench examples in release mode (minutes on two cores the first
# time), generates the tenants once into target/bench-data/, and prints hyperfine's table.
# Usage: scripts/bench-columnar.sh [N] (default 200000 tenants).
set -euo pipefail
cd "$(dirname "$0")/.."

N="${1:-200000}"
POLICY=policies/defender_experts.dexp
DATA=target/bench-data
NDJSON="$DATA/tenants-$N.ndjson"
PARQUET="$DATA/tenants-$N.parquet"
# The same rows without a page index (pyarrow's default): read on one thread.
PLAIN="$DATA/tenants-$N-no-index.parquet"

if ! command -v hyperfine >/dev/null; then
  apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null
fi

cargo build --release --locked -p dexp-compiler --bin dexpc
cargo build --release --locked -p dexp-benches --example gen_tenants --example tenants_parquet --example parquet_floor
mkdir -p "$DATA"
[ -s "$NDJSON" ] || target/release/examples/gen_tenants "$N" > "$NDJSON"
[ -s "$PARQUET" ] || target/release/examples/tenants_parquet "$NDJSON" "$PARQUET"
[ -s "$PLAIN" ] || target/release/examples/tenants_parquet "$NDJSON" "$PLAIN" --no-page-index
# The policy is compiled once, so every command times evaluation and I/O only.
WASM="$DATA/defender_experts.wasm"
target/release/dexpc compile "$POLICY" -o "$WASM"

echo "$N tenants: $(du -h "$NDJSON" | cut -f1) of NDJSON, $(du -h "$PARQUET" | cut -f1) of Parquet"
D=target/release/dexpc
# The floor: the same Parquet reading and writing with the decisions made beforehand (loaded
# from Arrow IPC), so dexp's own work is left out. Its output must be dexpc's, byte for byte.
DECIDED="$DATA/decisions-$N.arrow"
FLOOR="target/release/examples/parquet_floor $WASM $PARQUET $DECIDED $DATA/out-floor.parquet"
"$D" eval "$WASM" "$PARQUET" -o "$DECIDED" >/dev/null 2>&1 || [ -s "$DECIDED" ]
hyperfine --warmup 1 --runs "${RUNS:-5}" \
  "$D eval $WASM $PARQUET -o $DATA/out-1.parquet --jobs 1" \
  "$FLOOR" \
  "$D eval $WASM $PARQUET -o $DATA/out-2.parquet --jobs 2" \
  "$D eval $WASM $PLAIN -o $DATA/out-2-no-index.parquet --jobs 2" \
  "$D eval $WASM $NDJSON --jobs 1 > $DATA/out-1.ndjson" \
  "$D eval $WASM $NDJSON --jobs 2 > $DATA/out-2.ndjson"
cmp "$DATA/out-1.parquet" "$DATA/out-floor.parquet" || { echo "the floor's output differs from dexpc eval's" >&2; exit 1; }
echo "The floor's own timing of reading and writing (three runs):"
for _ in 1 2 3; do $FLOOR; done
