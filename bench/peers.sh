#!/usr/bin/env bash
# Measures loadgate against its peer wrk on one loopback target (a private
# nginx serving a ~100-byte static file), and checks loadgate's own
# instrument quality:
#   1. closed-loop throughput, loadgate vs wrk with the same connections and
#      threads, alternating A/B for several rounds (median ratio);
#   2. an open-loop run at a fixed rate: achieved rate and p99 send lateness
#      (send_lag: intended to actual send time) from loadgate's JSON report;
#   3. memory per open connection: loadgate's peak RSS at 1000 connections
#      minus at 10, over the 990 extra connections.
# Prints each figure next to its target. Everything runs on 127.0.0.1 and
# every process started here is stopped on exit.
#
# Usage: bench/peers.sh [--duration 5s] [--rounds 3] [--connections 64]
#                       [--threads 2] [--rate 1000] [--loadgate PATH] [--strict]
#   --strict  exit 1 when a figure misses its target (default: report only)
# Needs: a built loadgate (make), nginx (nginx-light), wrk, python3.
set -euo pipefail

duration=5s
rounds=3
connections=64
threads=2
rate=1000
strict=0
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
loadgate="${LOADGATE:-$root/build/bin/loadgate}"

usage() { sed -n '/^# Usage:/,/^# Needs:/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }

while (($#)); do
  case "$1" in
    --duration) duration="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --rate) rate="$2"; shift 2 ;;
    --loadgate) loadgate="$2"; shift 2 ;;
    --strict) strict=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "peers.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
if ! [[ $duration =~ ^[0-9]+(ms|s|m)$ ]]; then
  echo "peers.sh: --duration wants e.g. 5s, got '$duration'" >&2
  exit 2
fi
if ! [[ $rounds =~ ^[1-9][0-9]*$ ]]; then
  echo "peers.sh: --rounds wants a positive integer, got '$rounds'" >&2
  exit 2
fi

nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"
# The system interpreter: a version manager's shim costs a second per call.
python="$(command -v /usr/bin/python3 || command -v python3 || echo python3)"
for tool in "$nginx_bin" wrk "$python"; do
  if ! command -v "$tool" >/dev/null; then
    echo "peers.sh: $tool not found (make deps installs nginx-light and wrk)" >&2
    exit 1
  fi
done
if [[ ! -x $loadgate ]]; then
  echo "peers.sh: $loadgate not found; build it first (make)" >&2
  exit 1
fi

# 1000 connections, for loadgate and for nginx, need more descriptors than
# the usual soft limit of 1024.
hard_limit="$(ulimit -Hn)"
if [[ $hard_limit == unlimited || $hard_limit -gt 65536 ]]; then
  hard_limit=65536
fi
ulimit -n "$hard_limit"

work="$(mktemp -d -t loadgate-peers.XXXXXX)"
# nginx workers started by root run as www-data and must read www/.
chmod 755 "$work"
nginx_pid=""
cleanup() {
  if [[ -n $nginx_pid ]] && kill -0 "$nginx_pid" 2>/dev/null; then
    kill -TERM "$nginx_pid"
    wait "$nginx_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port="$("$python" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')"
mkdir -p "$work/www"
printf '%099d\n' 0 >"$work/www/index.html"  # 100 bytes
sed -e "s|@DIR@|$work|g" -e "s|@PORT@|$port|g" \
  "$root/bench/peers_nginx.conf.in" >"$work/nginx.conf"
"$nginx_bin" -e "$work/error.log" -p "$work" -c "$work/nginx.conf" &
nginx_pid=$!
url="http://127.0.0.1:$port/index.html"
for _ in $(seq 50); do
  if "$python" -c 'import sys, urllib.request
sys.exit(urllib.request.urlopen(sys.argv[1], timeout=1).status != 200)' \
    "$url" 2>/dev/null; then
    break
  fi
  kill -0 "$nginx_pid" 2>/dev/null || break
  sleep 0.1
done
if ! "$python" -c 'import sys, urllib.request
sys.exit(urllib.request.urlopen(sys.argv[1], timeout=1).status != 200)' \
  "$url" 2>/dev/null; then
  echo "peers.sh: nginx did not serve $url; its log:" >&2
  tail -n 5 "$work/error.log" >&2 || true
  exit 1
fi

# Runs a command with its output in $work/<log>; prints its peak RSS in KiB
# (the only child, so RUSAGE_CHILDREN's maximum is its own). Fails with the
# command's status.
run_measured() {
  local log="$1"
  shift
  "$python" - "$work/$log" "$@" <<'EOF'
import resource, subprocess, sys
with open(sys.argv[1], "w") as log:
    status = subprocess.run(sys.argv[2:], stdout=log, stderr=subprocess.STDOUT).returncode
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(status)
EOF
}

# Prints a field of a loadgate JSON report, by dotted path (docs/report-schema.md).
report_field() {
  "$python" - "$1" "$2" <<'EOF'
import json, sys
value = json.load(open(sys.argv[1]))
for key in sys.argv[2].split("."):
    value = value[key]
print(value)
EOF
}

# Runs loadgate with the given arguments against $url; the report goes to
# $work/<name>.json. Prints its peak RSS in KiB.
run_loadgate() {
  local name="$1"
  shift
  if ! run_measured "$name.log" "$loadgate" run --url "$url" "$@" \
    --out "$work/$name.json"; then
    echo "peers.sh: loadgate $* failed:" >&2
    tail -n 20 "$work/$name.log" >&2
    exit 1
  fi
  local errors
  errors="$(report_field "$work/$name.json" summary.errors)"
  if [[ $errors != 0 ]]; then
    echo "  warning: loadgate $* reported $errors errors" >&2
  fi
}

# Sets $verdict to PASS or MISS for <awk condition on x> <x>, counting misses
# (a function, not a $(...) subshell, so the count survives).
judge() {
  if awk -v x="$2" "BEGIN { exit !($1) }"; then
    verdict=PASS
  else
    verdict=MISS
    misses=$((misses + 1))
  fi
}
misses=0

echo "loadgate vs wrk on $url (nginx, 1 worker), C=$connections T=$threads, $duration x $rounds rounds"
# Both tools share the cores with nginx (and with anything else running):
# the figures mean little on a loaded machine.
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
printf '%-6s %16s %16s %8s\n' round "loadgate req/s" "wrk req/s" ratio
ratios=()
for round in $(seq "$rounds"); do
  run_loadgate "closed$round" --connections "$connections" \
    --threads "$threads" --duration "$duration" >/dev/null
  ours="$(report_field "$work/closed$round.json" summary.achieved_rps)"
  wrk -t "$threads" -c "$connections" -d "$duration" "$url" \
    >"$work/wrk$round.log" 2>&1
  theirs="$(awk '/^Requests\/sec:/ { print $2 }' "$work/wrk$round.log")"
  if [[ -z $theirs ]]; then
    echo "peers.sh: wrk printed no rate:" >&2
    cat "$work/wrk$round.log" >&2
    exit 1
  fi
  ratio="$(awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "%.3f", a / b }')"
  ratios+=("$ratio")
  printf '%-6s %16.0f %16.0f %8s\n' "$round" "$ours" "$theirs" "$ratio"
done
median="$(printf '%s\n' "${ratios[@]}" | sort -g |
  awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')"
judge 'x >= 0.8' "$median"
printf '%-44s %10s   %-16s %s\n' "throughput loadgate/wrk (median)" \
  "$median" ">= 0.8" "$verdict"

run_loadgate open --rate "$rate" --threads "$threads" \
  --duration "$duration" >/dev/null
achieved="$(report_field "$work/open.json" summary.achieved_rps)"
deviation="$(awk -v a="$achieved" -v r="$rate" 'BEGIN { printf "%.2f", (a - r) / r * 100 }')"
lateness="$(report_field "$work/open.json" summary.send_lag_ms.p99)"
judge 'x <= 1 && x >= -1' "$deviation"
printf '%-44s %10.1f   %-16s %s\n' "open loop at $rate req/s: achieved req/s" \
  "$achieved" "within 1 %" "$verdict"
printf '%-44s %10s\n' "  deviation from target %" "$deviation"
judge 'x < 1' "$lateness"
printf '%-44s %10.3f   %-16s %s\n' "open loop: p99 send lateness ms" \
  "$lateness" "< 1 ms" "$verdict"

# Memory: a short closed-loop run at each size; nginx answers all of them.
memory_duration=3s
rss_small="$(run_loadgate mem10 --connections 10 --threads "$threads" \
  --duration "$memory_duration")"
rss_large="$(run_loadgate mem1000 --connections 1000 --threads "$threads" \
  --duration "$memory_duration")"
per_connection="$(awk -v s="$rss_small" -v l="$rss_large" 'BEGIN { printf "%.1f", (l - s) / 990 }')"
judge 'x <= 32' "$per_connection"
printf '%-44s %10s   %-16s %s\n' "memory per connection KiB" "$per_connection" \
  "<= 32 KiB" "$verdict"
printf '%-44s %10s\n' "  peak RSS KiB at C=10 / C=1000" "$rss_small / $rss_large"

if ((strict && misses > 0)); then
  exit 1
fi
