// deploy/kubernetes/run.sh against a stand-in kubectl (no cluster here): it
// removes the previous run, sets START_AT LEAD seconds ahead, applies the
// kustomization, waits for the collector's pod to end, extracts the results
// the collector printed to its log and exits with the merge's code; a log
// without results and a collector that never ends give exit 3.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync,
  writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const runScript = path.resolve(here, "../../deploy/kubernetes/run.sh");
const work = mkdtempSync(path.join(tmpdir(), "loadgate-k8s-run-"));
after(() => rmSync(work, { recursive: true, force: true }));

// Records every call; `get` answers the pod phase in $FAKE_PHASE, `logs`
// prints $FAKE_LOG, `create --dry-run` prints a manifest for `apply -f -`.
const fakeKubectl = `#!/usr/bin/env bash
printf '%s\\n' "$*" >> "$FAKE_CALLS"
case "$1" in
  get) printf '%s' "$FAKE_PHASE" ;;
  logs) cat "$FAKE_LOG" ;;
  create) echo "kind: ConfigMap" ;;
  apply) [[ "$2" == -f ]] && cat > /dev/null ;;
esac
exit 0
`;
const binDir = path.join(work, "bin");
mkdirSync(binDir);
writeFileSync(path.join(binDir, "kubectl"), fakeKubectl);
chmodSync(path.join(binDir, "kubectl"), 0o755);

// A collector log as the collector Job's shell writes it.
function collectorLog(name, exitCode, { withResults = true } = {}) {
  const results = path.join(work, `${name}-out`);
  mkdirSync(results);
  writeFileSync(path.join(results, "exit-code"), `${exitCode}\n`);
  writeFileSync(path.join(results, "slos.xml"), "<testsuites/>\n");
  const archive = execFileSync("sh", ["-c", `tar -C '${results}' -czf - . | base64`],
    { encoding: "utf8" });
  const log = path.join(work, `${name}.log`);
  writeFileSync(log, "SLOs: 0 passed, 1 failed\n" + (withResults
    ? `----- loadgate results: tar.gz, base64 -----\n${archive}`
      + "----- end of loadgate results -----\n"
    : ""));
  return log;
}

function run(name, env) {
  const calls = path.join(work, `${name}.calls`);
  const results = path.join(work, `${name}-results`);
  const result = spawnSync("bash", [runScript, "deploy/kubernetes/overlays/shards-8", results], {
    encoding: "utf8",
    timeout: 60000,
    env: { ...process.env, PATH: `${binDir}:${process.env.PATH}`, FAKE_CALLS: calls,
      FAKE_PHASE: "Failed", LEAD: "90", ...env },
  });
  return { ...result, results, calls: readFileSync(calls, "utf8").trim().split("\n") };
}

test("a run: previous Jobs deleted, START_AT ahead, applied, results fetched", () => {
  const before = Date.now();
  const { status, stderr, results, calls } = run("slo-failed",
    { FAKE_LOG: collectorLog("slo-failed", 1) });
  assert.equal(status, 1, stderr);
  assert.equal(readFileSync(path.join(results, "slos.xml"), "utf8"), "<testsuites/>\n");
  assert.match(calls[0], /^delete -k deploy\/kubernetes\/overlays\/shards-8 /);
  // `create configmap ... | apply -f -` run at once, in either order.
  const [create] = calls.slice(1, 3).filter((c) => c.startsWith("create configmap"));
  assert.deepEqual(calls.slice(1, 3).filter((c) => c !== create), ["apply -f -"]);
  const startAt = create.match(/START_AT=(\S+)/)[1];
  const lead = (Date.parse(startAt) - before) / 1000;
  assert.ok(lead > 85 && lead <= 91, `START_AT ${startAt} is ${lead} s ahead`);
  assert.equal(calls[3], "apply -k deploy/kubernetes/overlays/shards-8");
  assert.match(calls[4], /^get pods -l job-name=loadgate-collector /);
  assert.equal(calls[5], "logs job/loadgate-collector");
});

test("every SLO held: exit 0", () => {
  const { status, stderr } = run("passed",
    { FAKE_LOG: collectorLog("passed", 0), FAKE_PHASE: "Succeeded" });
  assert.equal(status, 0, stderr);
});

test("a log without results: exit 3", () => {
  const { status, stderr, results } = run("no-results",
    { FAKE_LOG: collectorLog("no-results", 0, { withResults: false }) });
  assert.equal(status, 3);
  assert.match(stderr, /no results in the collector's log/);
  assert.ok(!existsSync(path.join(results, "exit-code")));
});

test("a collector that does not end in TIMEOUT: exit 3", () => {
  const { status, stderr } = run("running",
    { FAKE_LOG: collectorLog("running", 0), FAKE_PHASE: "Running", TIMEOUT: "0" });
  assert.equal(status, 3);
  assert.match(stderr, /did not end within 0s/);
});

test("run.sh looks for the markers the collector Job prints", () => {
  const job = readFileSync(path.resolve(here, "../../deploy/kubernetes/base/collector-job.yaml"),
    "utf8");
  const script = readFileSync(runScript, "utf8");
  for (const marker of ["----- loadgate results: tar.gz, base64 -----",
    "----- end of loadgate results -----"]) {
    assert.ok(job.includes(`echo "${marker}"`), `collector-job.yaml: ${marker}`);
    assert.ok(script.includes(`/^${marker}$/`), `run.sh: ${marker}`);
  }
});
