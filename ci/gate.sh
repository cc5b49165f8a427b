#!/usr/bin/env bash
# The CI gate over a directory of load-test reports: every JSON report in
# CURRENT_DIR with a namesake in BASELINE_DIR is compared by `loadgate
# compare`; a report without a baseline is listed, not judged. Exit 1 when any
# metric of any report regressed, 2 on bad input, else 0.
#
#   ci/gate.sh BASELINE_DIR CURRENT_DIR [--tolerance M=V]...
#
# Environment:
#   LOADGATE          the loadgate binary (default build/bin/loadgate)
#   GATE_SUMMARY_MD   Markdown summary appended here (default
#                     $GITHUB_STEP_SUMMARY when set, else CURRENT_DIR/gate.md)
#   GATE_JUNIT_DIR    one JUnit file per compared report (default CURRENT_DIR)
set -uo pipefail

if [[ $# -lt 2 ]]; then
  sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
baseline_dir=$1
current_dir=$2
shift 2
loadgate=${LOADGATE:-build/bin/loadgate}
summary=${GATE_SUMMARY_MD:-${GITHUB_STEP_SUMMARY:-$current_dir/gate.md}}
junit_dir=${GATE_JUNIT_DIR:-$current_dir}

for dir in "$baseline_dir" "$current_dir"; do
  [[ -d $dir ]] || { echo "gate: $dir: not a directory" >&2; exit 2; }
done
[[ -x $loadgate ]] || { echo "gate: $loadgate: not executable (build first)" >&2; exit 2; }
mkdir -p "$junit_dir"

status=0
compared=0
shopt -s nullglob
for current in "$current_dir"/*.json; do
  name=$(basename "$current" .json)
  baseline=$baseline_dir/$name.json
  if [[ ! -f $baseline ]]; then
    echo "gate: $name: no baseline in $baseline_dir, not judged"
    printf '\n%s: no baseline, not judged\n' "$name" >> "$summary"
    continue
  fi
  printf '\n### %s\n' "$name" >> "$summary"
  "$loadgate" compare --baseline "$baseline" --current "$current" \
    --summary-md "$summary" --junit "$junit_dir/$name.gate.xml" "$@"
  code=$?
  compared=$((compared + 1))
  if [[ $code -eq 2 ]]; then
    status=2
  elif [[ $code -ne 0 && $status -eq 0 ]]; then
    status=1
  fi
done

if [[ $compared -eq 0 ]]; then
  echo "gate: no report in $current_dir has a baseline in $baseline_dir" >&2
  exit 2
fi
echo "gate: compared $compared report(s); summary in $summary"
exit $status
