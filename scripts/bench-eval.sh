#!/usr/bin/env bash
# `dexpc eval` end to end on N generated tenants (default 200,000; issue 14's figures), side by
# side in one hyperfine run: --jobs 1 and --jobs 2 against the serde_json floor program
# (`ndjson_baseline`, bench (f) as a program), and one record alone (start-up). With
# BASE=PATH, another dexpc binary (an older build) runs the same commands in the same run.
# Builds dexpc and the bench examples in release mode (minutes the first time) and generates
# the tenants once into target/bench-data/. Figures only mean something on a quiet machine:
# the load average is printed before and after.
# Usage: [RUNS=15] [BASE=path/to/old/dexpc] scripts/bench-eval.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."

N="${1:-200000}"
RUNS="${RUNS:-15}"
DATA=target/bench-data
F="$DATA/tenants-$N.ndjson"
ONE="$DATA/tenant-1.ndjson"

if ! command -v hyperfine >/dev/null; then
  apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null
fi
cargo build --release --locked -p dexp-compiler --bin dexpc
cargo build --release --locked -p dexp-benches --example gen_tenants --example ndjson_baseline
mkdir -p "$DATA"
[ -s "$F" ] || target/release/examples/gen_tenants "$N" > "$F"
head -n 1 "$F" > "$ONE"
WASM="$DATA/defender_experts.wasm"
target/release/dexpc compile policies/defender_experts.dexp -o "$WASM"

D=target/release/dexpc
commands=(
  "$D eval $WASM $F --jobs 1 -o /dev/null"
  "$D eval $WASM $F --jobs 2 -o /dev/null"
  "target/release/examples/ndjson_baseline $F"
  "$D eval $WASM $ONE -o /dev/null"
)
if [ -n "${BASE:-}" ]; then
  commands+=("$BASE eval $WASM $F --jobs 1 -o /dev/null" "$BASE eval $WASM $F --jobs 2 -o /dev/null"
    "$BASE eval $WASM $ONE -o /dev/null")
fi
echo "$N tenants, $(du -h "$F" | cut -f1); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
hyperfine -N --warmup 2 --runs "$RUNS" --export-markdown "$DATA/bench-eval.md" "${commands[@]}"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
cat "$DATA/bench-eval.md"
