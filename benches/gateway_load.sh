#!/usr/bin/env bash
# Load test of the inference gateway example (axum/examples/gateway.rs) on loopback, bounded
# in time, with the load generator axum/examples/load.rs: 8 connections post valid requests
# alone, then the same connections post the same valid requests with a hostile one in place of
# every 10th (HOSTILE_EVERY; one request per threat class in turn, each with the status it
# must get, from benches/gateway/bodies.py; every 10th of those is over the size bound, on a
# connection of its own).
# Reports requests per second and the p50/p99 latency of each class in both runs, every
# response whose status was not the expected one, and the gateway's peak RSS (VmHWM).
#
#   benches/gateway_load.sh [SECONDS_PER_RUN]      # default 10
#
# The gateway runs with --max-request-bytes 1 MiB and --concurrency 8, so the memory it may
# hold for requests is about 8 × 2 MiB (a body and its tensors) over its idle size.
# GATEWAY_PREFIX and LOAD_PREFIX prefix the two commands (for example `taskset -c 0` and
# `taskset -c 1`, to keep the load generator off the gateway's core).
# Exits 1 when a request got another status than expected, or the gateway died.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
max_request=$((1 << 20))
concurrency=8
connections=8

cargo build --quiet --release -p arrayguard-axum --example gateway --example load
tmp=$(mktemp -d)
pid=
cleanup() {
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
python3 benches/gateway/bodies.py "$tmp/bodies" "$max_request"

${GATEWAY_PREFIX:-} target/release/examples/gateway --addr 127.0.0.1:0 --spec axum/examples/specs/adder.json \
    --max-request-bytes "$max_request" --concurrency "$concurrency" \
    > "$tmp/gateway.out" 2> "$tmp/gateway.err" &
pid=$!
for _ in $(seq 100); do
    grep -q "serving model" "$tmp/gateway.out" 2>/dev/null && break
    sleep 0.1
done
base=$(grep -o "http://127.0.0.1:[0-9]*" "$tmp/gateway.out" | head -1)
if [ -z "$base" ]; then
    echo "gateway_load.sh: the gateway did not start" >&2
    cat "$tmp/gateway.err" >&2
    exit 2
fi
idle_kb=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
load() { # HOSTILE_EVERY OUT
    ${LOAD_PREFIX:-} target/release/examples/load --url "$base/v2/models/adder/infer" --bodies "$tmp/bodies" \
        --connections "$connections" --seconds "$seconds" --hostile-every "$1" > "$2" || true
}
load 0 "$tmp/alone.json"
hostile_every="${HOSTILE_EVERY:-10}"
load "$hostile_every" "$tmp/mixed.json"
peak_kb=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
alive=1
kill -0 "$pid" 2>/dev/null || alive=0

python3 - "$tmp/alone.json" "$tmp/mixed.json" "$idle_kb" "$peak_kb" "$alive" \
    "$(nproc)" "$seconds" "$connections" "$concurrency" "$max_request" "$hostile_every" <<'PY'
import json, sys
alone, mixed = (json.load(open(p)) for p in sys.argv[1:3])
idle_kb, peak_kb, alive, cores, seconds, connections, concurrency, max_request, every = map(int, sys.argv[3:])
mix = f"1 in {every} hostile"
print(f"gateway on {cores} cores: --max-request-bytes {max_request} --concurrency {concurrency}; "
      f"{connections} connections, {seconds} s per run")
print(f"| run | class | requests | req/s | p50 ms | p99 ms | max ms |")
print(f"| --- | --- | ---: | ---: | ---: | ---: | ---: |")
for run, report in (("valid alone", alone), (mix, mixed)):
    for cls, c in report["classes"].items():
        print(f"| {run} | {cls} | {c['requests']} | {c['per_second']:.0f} | {c['p50_ms']:.3f} | "
              f"{c['p99_ms']:.3f} | {c['max_ms']:.3f} |")
ok = True
for run, report in (("valid alone", alone), (mix, mixed)):
    wrong = report["wrong_status"]
    unanswered = report["unanswered"]
    print(f"{run}: {len(wrong)} kinds of request with an unexpected status {wrong or ''}; "
          f"unanswered (connection closed first) by class: {unanswered or 'none'}")
    ok &= not wrong and all(cls == "oversize" for cls in unanswered)
ratio = mixed["classes"]["valid"]["p99_ms"] / alone["classes"]["valid"]["p99_ms"]
print(f"valid p99 with hostile traffic / alone: {ratio:.2f} (target at most 2)")
bound_kb = idle_kb + concurrency * 2 * max_request // 1024 + 16 * 1024
print(f"gateway RSS: idle {idle_kb / 1024:.1f} MiB, peak {peak_kb / 1024:.1f} MiB "
      f"(bound idle + {concurrency} x 2 MiB + 16 MiB = {bound_kb / 1024:.1f} MiB)")
if not alive:
    print("the gateway died")
sys.exit(0 if ok and alive and peak_kb <= bound_kb else 1)
PY
