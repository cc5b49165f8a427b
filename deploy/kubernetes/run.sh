#!/usr/bin/env bash
# One distributed run on the cluster kubectl points at, start to verdict:
#   deploy/kubernetes/run.sh [KUSTOMIZATION] [RESULTS_DIR]
# (defaults: deploy/kubernetes and ./k8s-results). It deletes the previous
# run's Jobs (a Job runs once; applying it again would change nothing), sets
# START_AT to now + LEAD in the loadgate-start ConfigMap, applies the
# kustomization, waits for the collector's pod to end, extracts the results
# it printed to its log (merged.json, slos.xml, report.html, exit-code) into
# RESULTS_DIR and exits with the collector's code: 0 every SLO held, 1 one
# failed or a shard is missing, 2 the reports could not be merged; 3 when
# the run did not end in TIMEOUT or left no results.
# Environment: LEAD (default 120 s: scheduling and image pulls of every pod
# must fit in it, or the late shards start late), TIMEOUT (default 1200 s).
# Needs bash, GNU date, base64 and tar beside kubectl.
set -euo pipefail

kustomization="${1:-$(dirname "$0")}"
results="${2:-k8s-results}"
lead="${LEAD:-120}"
timeout="${TIMEOUT:-1200}"
collector_pods=(pods -l job-name=loadgate-collector)

kubectl delete -k "$kustomization" --ignore-not-found --wait
start_at="$(date -u -d "+${lead} seconds" +%Y-%m-%dT%H:%M:%SZ)"
kubectl create configmap loadgate-start --from-literal=START_AT="$start_at" \
  --dry-run=client -o yaml | kubectl apply -f -
kubectl apply -k "$kustomization"
echo "loadgate: the shards start at $start_at" >&2

# Polled rather than `kubectl wait`: the collector Job fails when an SLO
# does, and a condition wait would then last until its timeout.
deadline=$((SECONDS + timeout))
while :; do
  phase="$(kubectl get "${collector_pods[@]}" -o jsonpath='{.items[0].status.phase}' 2>/dev/null || true)"
  [[ "$phase" == Succeeded || "$phase" == Failed ]] && break
  if ((SECONDS >= deadline)); then
    echo "loadgate: the collector did not end within ${timeout}s" >&2
    kubectl get jobs,pods -l app.kubernetes.io/name=loadgate >&2 || true
    exit 3
  fi
  sleep 5
done

mkdir -p "$results"
kubectl logs job/loadgate-collector >"$results/collector.log"
if ! grep -q '^----- end of loadgate results -----$' "$results/collector.log"; then
  echo "loadgate: no results in the collector's log ($results/collector.log)" >&2
  exit 3
fi
sed -n '/^----- loadgate results: tar.gz, base64 -----$/,/^----- end of loadgate results -----$/{//!p}' \
  "$results/collector.log" | base64 -d | tar -xz -C "$results"
code="$(cat "$results/exit-code")"
echo "loadgate: merge exit code $code; results in $results" >&2
exit "$code"
