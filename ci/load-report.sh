#!/usr/bin/env bash
# Writes RUN_DIR/report.html: every JSON run report in RUN_DIR (what the
# suites leave there) on one self-contained page, through `loadgate report`.
#
#   ci/load-report.sh RUN_DIR      (LOADGATE: the binary, default build/bin/loadgate)
set -euo pipefail
run_dir=${1:?usage: ci/load-report.sh RUN_DIR}
loadgate=${LOADGATE:-build/bin/loadgate}
# Run reports carry a schema version; other JSON files (summaries) do not.
mapfile -t reports < <(grep -l '"schema_version"' "$run_dir"/*.json 2>/dev/null | sort)
if [[ ${#reports[@]} -eq 0 ]]; then
  echo "no JSON run reports in $run_dir (run a make load-test-* target first)" >&2
  exit 1
fi
args=()
for report in "${reports[@]}"; do args+=(--in "$report"); done
"$loadgate" report "${args[@]}" --out "$run_dir/report.html"
echo "report: file://$(cd "$run_dir" && pwd -P)/report.html"
