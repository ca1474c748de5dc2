#!/usr/bin/env bash
# Issue 13, speed: `dexpc diff OLD NEW CORPUS` against one `dexpc eval POLICY CORPUS` over the
# same generated tenants (200,000 by default; `N=...` to change), timed by hyperfine in one
# run. The goal is diff within 2.5x of eval: diff evaluates every record twice (once per
# version) and compares decisions, and it runs on all cores like eval.
# Builds release once; the tenants file is deleted on exit. Needs `hyperfine`.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${N:-200000}"
OLD=policies/defender_experts.dexp
NEW=policies/examples/defender_experts_v2.dexp

cargo build --release --locked -p dexp-compiler --bin dexpc -p dexp-benches --example gen_tenants
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
target/release/examples/gen_tenants "$N" > "$tmp/tenants.ndjson"
echo "$N tenants, $(du -h "$tmp/tenants.ndjson" | cut -f1), $(nproc) cores"

# eval exits 1 when some records are rejected; the timing is what matters here.
hyperfine --warmup 1 --runs "${RUNS:-5}" -i --export-json "$tmp/times.json" \
  -n "dexpc eval" "target/release/dexpc eval $OLD $tmp/tenants.ndjson > /dev/null" \
  -n "dexpc diff" "target/release/dexpc diff $OLD $NEW $tmp/tenants.ndjson > /dev/null"

python3 - "$tmp/times.json" <<'PY'
import json, sys
results = {r["command"]: r["mean"] for r in json.load(open(sys.argv[1]))["results"]}
ratio = results["dexpc diff"] / results["dexpc eval"]
print(f"diff / eval = {ratio:.2f}x (goal: at most 2.5x)")
PY
target/release/dexpc diff "$OLD" "$NEW" "$tmp/tenants.ndjson" | sed -n '1,12p'
