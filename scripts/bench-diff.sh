#!/usr/bin/env bash
# Issue 13, speed: `dexpc diff OLD NEW CORPUS` against one `dexpc eval POLICY CORPUS` over the
# same generated tenants (200,000 by default; `N=...` to change), timed by hyperfine in one
# run, first as NDJSON and then as the same records in Parquet (written by the benches'
# `tenants_parquet` example: row groups of 65,536 rows, Snappy). The goal is diff within 2.5x
# of eval on the same form: diff evaluates every record twice (once per version) and compares
# decisions, and it runs on all cores like eval.
# Builds release once; the corpus files are deleted on exit. Needs `hyperfine`.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${N:-200000}"
OLD=policies/defender_experts.dexp
NEW=policies/examples/defender_experts_v2.dexp

cargo build --release --locked -p dexp-compiler --bin dexpc \
  -p dexp-benches --example gen_tenants --example tenants_parquet
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
target/release/examples/gen_tenants "$N" > "$tmp/tenants.ndjson"
target/release/examples/tenants_parquet "$tmp/tenants.ndjson" "$tmp/tenants.parquet"
echo "$N tenants, $(du -h "$tmp/tenants.ndjson" | cut -f1) NDJSON, $(du -h "$tmp/tenants.parquet" | cut -f1) Parquet, $(nproc) cores"

# eval exits 1 when some records are rejected; the timing is what matters here.
hyperfine --warmup 1 --runs "${RUNS:-5}" -i --export-json "$tmp/times.json" \
  -n "dexpc eval" "target/release/dexpc eval $OLD $tmp/tenants.ndjson > /dev/null" \
  -n "dexpc diff" "target/release/dexpc diff $OLD $NEW $tmp/tenants.ndjson > /dev/null" \
  -n "dexpc eval (Parquet)" "target/release/dexpc eval $OLD $tmp/tenants.parquet -o $tmp/decisions.parquet" \
  -n "dexpc diff (Parquet)" "target/release/dexpc diff $OLD $NEW $tmp/tenants.parquet > /dev/null"

python3 - "$tmp/times.json" <<'PY'
import json, sys
results = {r["command"]: r["mean"] for r in json.load(open(sys.argv[1]))["results"]}
for form in ["", " (Parquet)"]:
    ratio = results["dexpc diff" + form] / results["dexpc eval" + form]
    print(f"diff / eval{form or ' (NDJSON)'} = {ratio:.2f}x (goal: at most 2.5x)")
PY
# The same report from both forms of the corpus.
target/release/dexpc diff --format json "$OLD" "$NEW" "$tmp/tenants.ndjson" > "$tmp/ndjson.json"
target/release/dexpc diff --format json "$OLD" "$NEW" "$tmp/tenants.parquet" > "$tmp/parquet.json"
if cmp -s "$tmp/ndjson.json" "$tmp/parquet.json"; then echo "same report from NDJSON and Parquet"; else echo "the reports differ"; fi
target/release/dexpc diff "$OLD" "$NEW" "$tmp/tenants.parquet" | sed -n '1,12p'
