#!/usr/bin/env bash
# The CI gate over directories of load-test reports. Each of BASELINE_DIR and
# CURRENT_DIR holds either the JSON reports of one run directly, or folders
# run-1/, run-2/, ... each holding the reports of one repeated run. The files
# of one name across a side's runs form that side, and each name is judged by
# one `loadgate compare --baseline RUNS... --current RUNS...` (each side's
# histograms merged, the run-to-run spread measured on the baseline runs).
# A baseline with no current report of its name fails the gate: its test did
# not run or crashed, and a missing report must not pass as "no regression"
# (its JUnit file then holds one failed case, "current report exists").
# A current report without a baseline is listed, not judged.
#
#   ci/gate.sh BASELINE_DIR CURRENT_DIR [--tolerance M=V]...
#
# Exit 1 when a report regressed or a baseline has no current report, 2 on
# bad input (unreadable reports, runs of different loads, nothing judged,
# nothing to compare), else 0.
#
# Environment:
#   LOADGATE          the loadgate binary (default build/bin/loadgate)
#   GATE_SUMMARY_MD   the Markdown summary, rewritten by every call (default
#                     CURRENT_DIR/gate.md). The GitHub workflow comments it
#                     on the pull request and appends it to
#                     $GITHUB_STEP_SUMMARY; do not point it at that file.
#   GATE_JUNIT_DIR    one JUnit file NAME.gate.xml per compared report, its
#                     <testsuite> named NAME (default CURRENT_DIR)
set -uo pipefail

if [[ $# -lt 2 ]]; then
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2
  exit 2
fi
baseline_dir=$1
current_dir=$2
shift 2
loadgate=${LOADGATE:-build/bin/loadgate}
summary=${GATE_SUMMARY_MD:-$current_dir/gate.md}
junit_dir=${GATE_JUNIT_DIR:-$current_dir}

for dir in "$baseline_dir" "$current_dir"; do
  [[ -d $dir ]] || { echo "gate: $dir: not a directory" >&2; exit 2; }
done
[[ -x $loadgate ]] || { echo "gate: $loadgate: not executable (build first)" >&2; exit 2; }
mkdir -p "$junit_dir" "$(dirname "$summary")"
: > "$summary"
shopt -s nullglob

# Sets RUNS to the run folders of the side in $1: the folder itself, or its
# run-1, run-2, ... in numeric order (run-10 after run-9).
find_runs() {
  local -a folders=("$1"/run-*/) reports=("$1"/*.json)
  if [[ ${#folders[@]} -eq 0 ]]; then
    RUNS=("$1")
    return
  fi
  if [[ ${#reports[@]} -gt 0 ]]; then
    echo "gate: $1 holds both reports and run-K/ folders: keep one layout" >&2
    exit 2
  fi
  mapfile -t RUNS < <(printf '%s\n' "${folders[@]%/}" | sort -V)
}

# Writes NAME.gate.xml ($1) for a baseline without a current report, so that
# dashboards show the failure where the report's gate cases would be.
write_missing_junit() {
  local suite
  suite=$(printf '%s' "$1" |
    sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g')
  cat > "$junit_dir/$1.gate.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="loadgate compare" tests="1" failures="1" errors="0">
  <testsuite name="$suite" tests="1" failures="1" errors="0">
    <testcase name="current report exists" classname="$suite">
      <failure message="no current report for this baseline">its test did not run, crashed or wrote no report</failure>
    </testcase>
  </testsuite>
</testsuites>
EOF
}

# Sets FILES to NAME.json ($1) of every run folder that has one ($2...).
find_files() {
  local name=$1 run
  shift
  FILES=()
  for run in "$@"; do
    [[ -f $run/$name.json ]] && FILES+=("$run/$name.json")
  done
}

find_runs "$baseline_dir"
baseline_runs=("${RUNS[@]}")
find_runs "$current_dir"
current_runs=("${RUNS[@]}")
# Every report name either side has, each judged once.
mapfile -t names < <(
  for run in "${baseline_runs[@]}" "${current_runs[@]}"; do
    for file in "$run"/*.json; do basename "$file" .json; done
  done | sort -u)

status=0
compared=0
missing=0
for name in "${names[@]}"; do
  find_files "$name" "${baseline_runs[@]}"
  baselines=("${FILES[@]}")
  find_files "$name" "${current_runs[@]}"
  currents=("${FILES[@]}")
  if [[ ${#currents[@]} -eq 0 ]]; then
    echo "gate: no current report for baseline $name: did its test run?" >&2
    printf '\n%s: **no current report for this baseline: did its test run?**\n' \
      "$name" >> "$summary"
    write_missing_junit "$name"
    missing=$((missing + 1))
    [[ $status -eq 0 ]] && status=1
    continue
  fi
  if [[ ${#baselines[@]} -eq 0 ]]; then
    echo "gate: $name: no baseline in $baseline_dir, not judged"
    printf '\n%s: no baseline, not judged\n' "$name" >> "$summary"
    continue
  fi
  printf '\n### %s\n' "$name" >> "$summary"
  "$loadgate" compare --baseline "${baselines[@]}" --current "${currents[@]}" \
    --summary-md "$summary" --junit "$junit_dir/$name.gate.xml" \
    --junit-suite "$name" "$@"
  code=$?
  compared=$((compared + 1))
  if [[ $code -eq 2 ]]; then
    status=2
  elif [[ $code -ne 0 && $status -eq 0 ]]; then
    status=1
  fi
done

if [[ $compared -eq 0 && $missing -eq 0 ]]; then
  echo "gate: no report in $current_dir has a baseline in $baseline_dir" >&2
  exit 2
fi
echo "gate: compared $compared report(s) (baseline ${#baseline_runs[@]} run(s)," \
  "current ${#current_runs[@]} run(s)), $missing baseline(s) without a current" \
  "report; summary in $summary"
exit $status
