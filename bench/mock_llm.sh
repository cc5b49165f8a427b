#!/usr/bin/env bash
# Benchmark of mock-llm (not a timed test; figures go in
# services/mock_llm/README.md):
#   1. 5,000 concurrent streaming responses: time-to-first-token overshoot
#      as a client sees it, against the TTFT the server planned;
#   2. memory per in-flight stream (server RSS at the peak, less idle RSS);
#   3. with all delays zero, non-streaming throughput under wrk, as a ratio
#      to nginx serving a static file of the same size.
# Usage: bench/mock_llm.sh [BUILD_DIR]   (default: build)
# Everything runs on 127.0.0.1 and stops by itself.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"
bin="$build/bin"
streams="${STREAMS:-5000}"
threads="${THREADS:-2}"
duration="${DURATION:-5s}"
for tool in "$bin/mock-llm" "$bin/mock-llm-probe" wrk nginx curl; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done
# Both ends of thousands of connections live in this process tree.
ulimit -n "$(ulimit -Hn)"

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Starts mock-llm with the given flags; sets mock_pid and mock_port.
start_mock() {
  "$bin/mock-llm" --port 0 --threads "$threads" "$@" >"$work/mock.out" 2>&1 &
  mock_pid=$!
  pids+=("$mock_pid")
  for _ in $(seq 100); do
    [[ -s "$work/mock.out" ]] && break
    sleep 0.05
  done
  mock_port="$(head -1 "$work/mock.out" | sed 's/.*://')"
}
stop_mock() { kill "$mock_pid"; wait "$mock_pid" 2>/dev/null || true; }
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

echo "== $streams concurrent streams (TTFT 1500 ms, 20 tokens at 100 ms, starts spread over 1 s)"
start_mock --ttft-ms 1500 --itl-ms 100 --output-tokens 20
idle_rss="$(rss_kib "$mock_pid")"
"$bin/mock-llm-probe" --port "$mock_port" --streams "$streams" --ramp-ms 1000 \
  >"$work/probe.out" &
probe_pid=$!
pids+=("$probe_pid")
# All streams are open from 1.0 s (the last start) to 3.5 s (the first end).
sleep 2.2
peak_rss="$(rss_kib "$mock_pid")"
open_streams="$(curl -s "127.0.0.1:$mock_port/metrics" |
  awk '/^mock_llm_in_flight_streams/ {print $2}')"
wait "$probe_pid" || true
cat "$work/probe.out"
echo "open streams at the sample: $open_streams"
awk -v idle="$idle_rss" -v peak="$peak_rss" -v n="$open_streams" 'BEGIN {
  printf "server RSS idle %.1f MiB, peak %.1f MiB: %.1f KiB per in-flight stream\n",
    idle / 1024, peak / 1024, (peak - idle) / n }'
stop_mock

echo "== throughput, all delays zero, non-streaming (wrk, $duration, 64 connections)"
start_mock --ttft-ms 0 --itl-ms 0 --output-tokens 64
body='{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hello"}]}'
size="$(curl -s -o "$work/static.json" -w '%{size_download}' \
  -H 'content-type: application/json' -d "$body" \
  "127.0.0.1:$mock_port/v1/chat/completions")"
cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '$body'
wrk.headers["Content-Type"] = "application/json"
LUA
mock_rps="$(wrk -t1 -c64 -d"$duration" -s "$work/post.lua" \
  "http://127.0.0.1:$mock_port/v1/chat/completions" | tee "$work/wrk-mock.txt" |
  awk '/Requests\/sec/ {print $2}')"
stop_mock

mkdir -p "$work/nginx/logs" "$work/nginx/html"
cp "$work/static.json" "$work/nginx/html/static.json"
cat >"$work/nginx/nginx.conf" <<NGINX
worker_processes $threads;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  default_type application/json;
  keepalive_requests 1000000;
  client_body_temp_path $work/nginx/tmp;
  server {
    listen 127.0.0.1:18931;
    root $work/nginx/html;
  }
}
NGINX
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -g 'daemon off;' &
pids+=($!)
sleep 0.5
nginx_rps="$(wrk -t1 -c64 -d"$duration" "http://127.0.0.1:18931/static.json" |
  tee "$work/wrk-nginx.txt" | awk '/Requests\/sec/ {print $2}')"

echo "response size $size bytes; $threads server threads / nginx workers"
echo "mock-llm: $mock_rps req/s"
echo "nginx static file: $nginx_rps req/s"
awk -v m="$mock_rps" -v n="$nginx_rps" 'BEGIN { printf "ratio mock-llm / nginx: %.2f\n", m / n }'
