#!/usr/bin/env bash
# Load test of `dexpc serve` (not part of CI). Builds the release binary and the bench client
# once, starts the server on a free loopback port with the reference policy, and measures:
#   - single-record decisions (`POST /decide`, keep-alive) with wrk at 1, 16 and 64 connections:
#     requests/s, p50 and p99 latency, non-2xx responses (must be 0), and the CPU time per
#     request of the server and of wrk (from /proc and bash's `time`), twice:
#       shared:  server (one worker thread per core) and wrk (2 threads) on the same 2 cores,
#                placed by the scheduler;
#       single:  one server worker thread (`--threads 1`) and one wrk thread (`-t1`), placed by
#                the scheduler;
#       pinned:  server on core 0 (`taskset -c 0 ... --threads 1`), wrk on core 1 (`-t1`), so
#                the load generator never takes the server's core (and vice versa);
#     then the same rows for the floor (`benches/examples/http_floor.rs`): the same HTTP stack
#     answering with a prepared decision, which shows what the placement costs alone;
#   - batch throughput (`POST /batch`, one request with N copies of the golden corpus), in
#     records/s, against `dexpc eval` (all cores, output to /dev/null) on the same file in the
#     same run, best of 3 (eval's time includes compiling the policy, which the running server
#     has done before; its startup alone, on an empty file, is shown too), with two clients:
#       serve_batch: our lean client (`benches/examples/serve_batch.rs`): the kernel copies the
#                file to the socket, the response is decoded and compared byte for byte with
#                `dexpc eval`'s output as it arrives, nothing is written;
#       curl:    `--data-binary @FILE -o FILE`: reads the whole file into memory first and writes
#                the response to a file, on the same cores as the server;
#       curl -T: `-X POST -T FILE -o FILE` (and no `Expect: 100-continue`): streams the file
#                from disk as it sends it, so the server decides while the upload goes on.
#     Each row also gives the server's CPU seconds for the batch and the client's.
# Usage: scripts/bench-serve.sh [SECONDS_PER_WRK_RUN (default 10)] [CORPUS_COPIES (default 20)]
# DEXPC=PATH measures another dexpc binary (e.g. an older build, for a before/after).
# Needs wrk, curl and bc (installed with apt-get when missing). Figures are only meaningful on a
# quiet machine: the load average is printed before and after.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN="${1:-10}"
COPIES="${2:-20}"

for tool in wrk curl bc; do
  if ! command -v "$tool" >/dev/null; then
    apt-get update -qq && apt-get install -y -qq "$tool" >/dev/null
  fi
done

cargo build --release -q -p dexp-compiler --bin dexpc -p dexp-benches --example serve_batch --example http_floor
DEXPC="${DEXPC:-target/release/dexpc}"
CLIENT=target/release/examples/serve_batch
POLICY=policies/defender_experts.dexp
WORK="$(mktemp -d)"
SERVER_PID=""
stop_server() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  SERVER_PID=""
}
cleanup() {
  stop_server
  rm -rf "$WORK"
}
trap cleanup EXIT

# start_server [taskset CPU list or ""] [server options...]: sets SERVER_PID and ADDR.
# With FLOOR=1, starts the floor (`http_floor`: the same HTTP stack answering with a prepared
# decision) instead of dexpc serve.
start_server() {
  local cpus="$1"; shift
  local pin=() server=("$DEXPC" serve "$POLICY" --watch-interval-ms 0)
  [ -n "$cpus" ] && pin=(taskset -c "$cpus")
  [ "${FLOOR:-0}" = 1 ] && server=(target/release/examples/http_floor "$WORK/decision.json")
  : >"$WORK/stdout"
  "${pin[@]}" "${server[@]}" --addr 127.0.0.1:0 "$@" >"$WORK/stdout" 2>"$WORK/stderr" &
  SERVER_PID=$!
  for _ in $(seq 1 200); do
    grep -q '^listening on ' "$WORK/stdout" 2>/dev/null && break
    sleep 0.05
  done
  ADDR="$(sed -n 's/^listening on http:\/\///p' "$WORK/stdout")"
  [ -n "$ADDR" ] || { echo "the server did not start:"; cat "$WORK/stderr"; exit 1; }
  URL="http://$ADDR/v1/policies/defender_experts"
}
# The server's CPU time so far, in clock ticks.
server_ticks() { awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"; }
TICKS="$(getconf CLK_TCK)"

# One tenant as the POST body of every wrk request.
RECORD="$(head -n 1 policies/examples/tenants.ndjson)"
cat >"$WORK/decide.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [==[$RECORD]==]
done = function(summary, latency, requests)
  local secs = summary.duration / 1e6
  io.write(string.format("RESULT %.0f %.3f %.3f %d %d %d\n", summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.requests))
end
EOF

# decide_row LABEL CONNECTIONS WRK_THREADS [taskset CPU list for wrk]
decide_row() {
  local label="$1" conns="$2" threads="$3" cpus="${4:-}" pin=() start end line times
  [ -n "$cpus" ] && pin=(taskset -c "$cpus")
  "${pin[@]}" wrk -t1 -c"$conns" -d1s -s "$WORK/decide.lua" "$URL/decide" >/dev/null # warm-up
  start="$(server_ticks)"
  TIMEFORMAT='%U %S'
  times="$( { time "${pin[@]}" wrk -t"$threads" -c"$conns" -d"${SECONDS_PER_RUN}s" -s "$WORK/decide.lua" "$URL/decide" >"$WORK/wrk.out"; } 2>&1 )"
  end="$(server_ticks)"
  line="$(grep '^RESULT' "$WORK/wrk.out")"
  read -r _ rps p50 p99 non2xx sockerr requests <<<"$line"
  read -r wrk_user wrk_sys <<<"$times"
  printf '| %s | %s | %s | %s | %s | %s/%s | %.1f | %.1f |\n' "$label" "$conns" "$rps" "$p50" "$p99" "$non2xx" "$sockerr" \
    "$(echo "($end - $start) / $TICKS * 1000000 / $requests" | bc -l)" \
    "$(echo "($wrk_user + $wrk_sys) * 1000000 / $requests" | bc -l)"
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "## single decisions: POST /decide, ${SECONDS_PER_RUN}s per run, keep-alive"
echo "| placement | connections | requests/s | p50 ms | p99 ms | non-2xx/socket errors | server CPU µs/request | wrk CPU µs/request |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
start_server ""
curl -sf -H 'Content-Type: application/json' --data-binary "$RECORD" "$URL/decide" >"$WORK/decision.json"
# decide_rows PREFIX: the three placements at 1, 16 and 64 connections (the server started by
# each placement is dexpc serve, or the floor with FLOOR=1).
decide_rows() {
  for conns in 1 16 64; do
    decide_row "${1}shared" "$conns" "$(( conns < 2 ? 1 : 2 ))"
  done
  stop_server
  start_server "" --threads 1
  for conns in 1 16 64; do
    decide_row "${1}single" "$conns" 1
  done
  stop_server
  start_server 0 --threads 1
  for conns in 1 16 64; do
    decide_row "${1}pinned" "$conns" 1 1
  done
  stop_server
}
decide_rows ""
# The floor: the same HTTP stack and placements, answering every request with the decision
# dexpc serve gave above, after reading the body; nothing else. What it costs is what the
# machine, loopback TCP and the stack cost alone.
FLOOR=1
start_server ""
decide_rows "floor, "
FLOOR=0

# The batch input: COPIES copies of the 3000-tenant golden corpus.
for _ in $(seq 1 "$COPIES"); do cat tests/golden/corpus-tenants.ndjson; done >"$WORK/big.ndjson"
RECORDS="$(grep -cv '^[[:space:]]*$' "$WORK/big.ndjson")"
MB="$(( $(stat -c %s "$WORK/big.ndjson") / 1000000 ))"
"$DEXPC" eval "$POLICY" "$WORK/big.ndjson" >"$WORK/evaluated.ndjson" 2>/dev/null || true
start_server ""
# timed LABEL COMMAND...: runs COMMAND (output discarded) and prints "LABEL WALL CLIENT_CPU SERVER_CPU".
timed() {
  local label="$1" start end times
  shift
  start="$(server_ticks)"
  TIMEFORMAT='%R %U %S'
  times="$( { time "$@" >"$WORK/client.out" 2>&1 || true; } 2>&1 )"
  end="$(server_ticks)"
  read -r wall user sys <<<"$times"
  echo "$label $wall $(echo "$user + $sys" | bc -l) $(echo "($end - $start) / $TICKS" | bc -l)"
}
: >"$WORK/times"
: >"$WORK/empty.ndjson"
for _ in 1 2 3; do
  timed startup "$DEXPC" eval "$POLICY" "$WORK/empty.ndjson" >>"$WORK/times"
  timed eval "$DEXPC" eval "$POLICY" "$WORK/big.ndjson" >>"$WORK/times"
  timed serve_batch "$CLIENT" "$ADDR" /v1/policies/defender_experts/batch "$WORK/big.ndjson" "$WORK/evaluated.ndjson" >>"$WORK/times"
  grep -q ' identical$' "$WORK/client.out" || { echo "the served batch differs from dexpc eval's output:"; cat "$WORK/client.out"; exit 1; }
  timed curl curl -s -H 'Content-Type: application/x-ndjson' --data-binary @"$WORK/big.ndjson" -o "$WORK/served.ndjson" "$URL/batch" >>"$WORK/times"
  cmp -s "$WORK/served.ndjson" "$WORK/evaluated.ndjson" || { echo "curl's batch differs from dexpc eval's output"; exit 1; }
  timed curl_T curl -s -H 'Content-Type: application/x-ndjson' -H 'Expect:' -X POST -T "$WORK/big.ndjson" -o "$WORK/served.ndjson" "$URL/batch" >>"$WORK/times"
  cmp -s "$WORK/served.ndjson" "$WORK/evaluated.ndjson" || { echo "curl -T's batch differs from dexpc eval's output"; exit 1; }
done
stop_server
best() { grep "^$1 " "$WORK/times" | sort -k2 -n | head -n 1; }
read -r _ eval_wall eval_cpu _ <<<"$(best eval)"
read -r _ startup_wall _ <<<"$(best startup)"
echo
echo "## batch: $RECORDS records ($MB MB) in one request, best of 3; output identical to dexpc eval's"
echo "| | seconds | records/s | x dexpc eval | client CPU s | server CPU s |"
echo "|---|---:|---:|---:|---:|---:|"
printf '| dexpc eval (all cores, to /dev/null) | %.3f | %.0f | 1.00 | %.2f | - |\n' "$eval_wall" "$(echo "$RECORDS / $eval_wall" | bc -l)" "$eval_cpu"
printf '| of which startup (dexpc eval of an empty file: compiling and loading the policy) | %.3f | - | - | - | - |\n' "$startup_wall"
for client in serve_batch curl curl_T; do
  read -r _ wall client_cpu server_cpu <<<"$(best "$client")"
  label="$client"
  [ "$client" = curl_T ] && label="curl -T"
  printf '| POST /batch (%s) | %.3f | %.0f | %.2f | %.2f | %.2f |\n' "$label" "$wall" "$(echo "$RECORDS / $wall" | bc -l)" \
    "$(echo "$wall / $eval_wall" | bc -l)" "$client_cpu" "$server_cpu"
done
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
