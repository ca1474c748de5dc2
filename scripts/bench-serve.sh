#!/usr/bin/env bash
# Load test of `dexpc serve` (not part of CI): builds the release binary once, starts the server
# on a free loopback port with the reference policy, and measures
#   - single-record decisions (`POST /decide`, keep-alive) with wrk at 1, 16 and 64 connections:
#     requests/s, p50 and p99 latency, and non-2xx responses (must be 0);
#   - batch throughput (`POST /batch`, one request with N copies of the golden corpus) in
#     records/s with curl, against `dexpc eval` on the same NDJSON file in the same run.
# Usage: scripts/bench-serve.sh [SECONDS_PER_WRK_RUN (default 10)] [CORPUS_COPIES (default 20)]
# Needs wrk and curl (installed with apt-get when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN="${1:-10}"
COPIES="${2:-20}"

for tool in wrk curl; do
  if ! command -v "$tool" >/dev/null; then
    apt-get update -qq && apt-get install -y -qq "$tool" >/dev/null
  fi
done

cargo build --release -q -p dexp-compiler --bin dexpc
DEXPC=target/release/dexpc
WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

"$DEXPC" serve policies/defender_experts.dexp --addr 127.0.0.1:0 >"$WORK/stdout" 2>"$WORK/stderr" &
SERVER_PID=$!
for _ in $(seq 1 200); do
  grep -q '^listening on ' "$WORK/stdout" 2>/dev/null && break
  sleep 0.05
done
ADDR="$(sed -n 's/^listening on http:\/\///p' "$WORK/stdout")"
[ -n "$ADDR" ] || { echo "the server did not start:"; cat "$WORK/stderr"; exit 1; }
URL="http://$ADDR/v1/policies/defender_experts"

# One tenant as the POST body of every wrk request.
RECORD="$(head -n 1 policies/examples/tenants.ndjson)"
cat >"$WORK/decide.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [==[$RECORD]==]
done = function(summary, latency, requests)
  local secs = summary.duration / 1e6
  io.write(string.format("RESULT %.0f %.3f %.3f %d %d\n", summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
EOF
curl -sf -H 'Content-Type: application/json' --data-binary "$RECORD" "$URL/decide" >/dev/null

echo "## single decisions: POST /decide, ${SECONDS_PER_RUN}s per run, keep-alive"
echo "| connections | requests/s | p50 ms | p99 ms | non-2xx | socket errors |"
echo "|---:|---:|---:|---:|---:|---:|"
for conns in 1 16 64; do
  threads=$(( conns < 2 ? 1 : 2 ))
  line="$(wrk -t"$threads" -c"$conns" -d"${SECONDS_PER_RUN}s" -s "$WORK/decide.lua" "$URL/decide" | grep '^RESULT')"
  read -r _ rps p50 p99 non2xx sockerr <<<"$line"
  echo "| $conns | $rps | $p50 | $p99 | $non2xx | $sockerr |"
done

# The batch input: COPIES copies of the 3000-tenant golden corpus.
for _ in $(seq 1 "$COPIES"); do cat tests/golden/corpus-tenants.ndjson; done >"$WORK/big.ndjson"
RECORDS="$(grep -cv '^[[:space:]]*$' "$WORK/big.ndjson")"
MB="$(( $(stat -c %s "$WORK/big.ndjson") / 1000000 ))"
echo
echo "## batch: $RECORDS records ($MB MB), best of 3"
best() { sort -n | head -n 1; }
time_cmd() { # prints seconds
  local start end
  start=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; end=$(date +%s.%N)
  echo "$end - $start" | bc -l
}
serve_times=(); eval_times=()
for _ in 1 2 3; do
  serve_times+=("$(time_cmd curl -s -H 'Content-Type: application/x-ndjson' --data-binary @"$WORK/big.ndjson" -o "$WORK/served.ndjson" "$URL/batch")")
  eval_times+=("$(time_cmd "$DEXPC" eval policies/defender_experts.dexp "$WORK/big.ndjson")")
done
"$DEXPC" eval policies/defender_experts.dexp "$WORK/big.ndjson" >"$WORK/evaluated.ndjson" 2>/dev/null || true
if cmp -s "$WORK/served.ndjson" "$WORK/evaluated.ndjson"; then same="identical"; else same="DIFFERENT"; fi
serve_best="$(printf '%s\n' "${serve_times[@]}" | best)"
eval_best="$(printf '%s\n' "${eval_times[@]}" | best)"
echo "| | seconds | records/s |"
echo "|---|---:|---:|"
printf '| POST /batch (curl) | %.3f | %.0f |\n' "$serve_best" "$(echo "$RECORDS / $serve_best" | bc -l)"
printf '| dexpc eval (all cores) | %.3f | %.0f |\n' "$eval_best" "$(echo "$RECORDS / $eval_best" | bc -l)"
printf 'batch / eval time: %.2fx; output %s\n' "$(echo "$serve_best / $eval_best" | bc -l)" "$same"
