// The Kubernetes manifests of distributed runs (deploy/kubernetes): the base
// and every overlay render with `kubectl kustomize`, every rendered object
// validates offline against the Kubernetes OpenAPI schema (the npm
// kubernetes-models package, pinned by package-lock.json), and the run holds
// together: N is the same in the shard Job's completions and parallelism, in
// every pod's --shard $(JOB_COMPLETION_INDEX)/N and in the collector's
// --expect; the shards send to the collector's Service; every container is
// the loadgate CLI image, non-root and bounded. No cluster is involved.
// Exits 77 (ctest: skipped) when kubectl is not installed.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const deployDir = path.resolve(here, "../../deploy/kubernetes");
const cliImage = "localhost/loadgate-cli:latest";
// Created per run by the user or CI (deploy/kubernetes/README.md), so it is
// the one ConfigMap the manifests refer to without rendering it.
const externalConfigMaps = new Set(["loadgate-start"]);

function hasKubectl() {
  try {
    execFileSync("kubectl", ["version", "--client"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

if (!hasKubectl()) {
  console.log("SKIPPED: kubectl is not installed (it renders the manifests)");
  process.exit(77);
}
if (!existsSync(path.join(here, "node_modules", "kubernetes-models"))) {
  throw new Error("tests/kubernetes/node_modules is missing: run ci/install-deps.sh"
    + " (npm ci in tests/kubernetes)");
}
const { parseAllDocuments } = await import("yaml");

// What each kustomization must render: its N and the image of every pod.
const renders = [
  { dir: ".", shards: 4, image: cliImage },
  { dir: "overlays/shards-8", shards: 8, image: cliImage },
  { dir: "overlays/target", shards: 4, image: cliImage,
    target: "http://sample-app.staging.svc.cluster.local:8000" },
  { dir: "overlays/image", shards: 4,
    image: "registry.example.com/loadgate/loadgate-cli:0.1.0" },
];

test("every overlay folder is covered here", () => {
  const overlays = readdirSync(path.join(deployDir, "overlays")).sort();
  assert.deepEqual(overlays.map((name) => `overlays/${name}`),
    renders.filter((r) => r.dir !== ".").map((r) => r.dir).sort());
});

function render(dir) {
  const yamlText = execFileSync("kubectl", ["kustomize", path.join(deployDir, dir)],
    { encoding: "utf8" });
  return parseAllDocuments(yamlText).map((doc) => {
    assert.equal(doc.errors.length, 0, `${dir}: ${doc.errors.join("; ")}`);
    return doc.toJS();
  });
}

// kubernetes-models/<group>/<version> exports one model class per kind.
async function validateAgainstSchema(object) {
  const [group, version] = object.apiVersion.includes("/")
    ? object.apiVersion.split("/") : [null, object.apiVersion];
  const modelModule = await import(
    group ? `kubernetes-models/${group}/${version}` : `kubernetes-models/${version}`);
  const Model = modelModule[object.kind];
  assert.ok(Model, `no schema for ${object.apiVersion} ${object.kind}`);
  new Model(object).validate();
}

function argAfter(args, flag) {
  const at = args.indexOf(flag);
  assert.ok(at >= 0 && at + 1 < args.length, `${flag} missing in ${args.join(" ")}`);
  return args[at + 1];
}

function only(objects, kind, name) {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name);
  assert.equal(found.length, 1, `one ${kind} ${name}`);
  return found[0];
}

function checkPodSpec(objects, jobName, expectedImage) {
  const podSpec = only(objects, "Job", jobName).spec.template.spec;
  assert.equal(podSpec.restartPolicy, "Never");
  assert.equal(podSpec.securityContext.runAsNonRoot, true);
  assert.equal(podSpec.securityContext.runAsUser, 10001);
  assert.equal(podSpec.securityContext.fsGroup, 10001);
  const configMaps = new Set(objects.filter((o) => o.kind === "ConfigMap")
    .map((o) => o.metadata.name));
  for (const volume of podSpec.volumes ?? []) {
    if (volume.configMap) {
      assert.ok(configMaps.has(volume.configMap.name), `volume ${volume.configMap.name}`);
    }
  }
  for (const container of podSpec.containers) {
    assert.equal(container.image, expectedImage, `${jobName}/${container.name}`);
    assert.equal(container.securityContext.readOnlyRootFilesystem, true);
    assert.equal(container.securityContext.allowPrivilegeEscalation, false);
    for (const bound of ["requests", "limits"]) {
      assert.ok(container.resources?.[bound]?.cpu && container.resources[bound].memory,
        `${jobName}/${container.name} has no ${bound}`);
    }
    // Kubernetes expands $(NAME) in command and args from the container's
    // env only; an undeclared one stays literally "$(NAME)".
    const envNames = new Set((container.env ?? []).map((e) => e.name));
    for (const arg of [...(container.command ?? []), ...(container.args ?? [])]) {
      for (const [, name] of arg.matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)) {
        assert.ok(envNames.has(name), `${jobName}/${container.name}: $(${name}) is not in env`);
      }
    }
    for (const env of container.env ?? []) {
      const ref = env.valueFrom?.configMapKeyRef;
      if (ref) {
        assert.ok(configMaps.has(ref.name) || externalConfigMaps.has(ref.name),
          `${env.name} refers to ConfigMap ${ref.name}, which is not rendered`);
      }
    }
  }
  return podSpec;
}

for (const expected of renders) {
  test(`kubectl kustomize ${expected.dir}`, async (t) => {
    const objects = render(expected.dir);
    assert.deepEqual(objects.map((o) => o.kind).sort(),
      ["ConfigMap", "ConfigMap", "Job", "Job", "Service"]);

    await t.test("validates against the Kubernetes OpenAPI schema", async () => {
      for (const object of objects) await validateAgainstSchema(object);
    });

    await t.test("N shards: completions, parallelism, --shard, --expect", () => {
      const shards = only(objects, "Job", "loadgate-shards");
      assert.equal(shards.spec.completionMode, "Indexed");
      assert.equal(shards.spec.completions, expected.shards);
      assert.equal(shards.spec.parallelism, expected.shards);
      const [shard] = checkPodSpec(objects, "loadgate-shards", expected.image).containers;
      assert.equal(shard.args[0], "run");
      assert.equal(argAfter(shard.args, "--shard"),
        `$(JOB_COMPLETION_INDEX)/${expected.shards}`);
      assert.equal(argAfter(shard.args, "--start-at"), "$(START_AT)");
      const index = shard.env.find((e) => e.name === "JOB_COMPLETION_INDEX");
      assert.equal(index.valueFrom.fieldRef.fieldPath,
        "metadata.annotations['batch.kubernetes.io/job-completion-index']");
      const [collector] = checkPodSpec(objects, "loadgate-collector", expected.image).containers;
      assert.equal(collector.args[0], "collect");
      assert.equal(argAfter(collector.args, "--expect"), String(expected.shards));
      assert.ok(argAfter(collector.args, "--deadline"));
    });

    await t.test("the shards send their reports to the collector's Service", () => {
      const [shard] = only(objects, "Job", "loadgate-shards").spec.template.spec.containers;
      const url = new URL(argAfter(shard.args, "--send-report"));
      const service = only(objects, "Service", url.hostname);
      const port = service.spec.ports.find((p) => p.port === Number(url.port));
      assert.ok(port, `Service ${url.hostname} has no port ${url.port}`);
      const collectorPod = only(objects, "Job", "loadgate-collector").spec.template;
      for (const [key, value] of Object.entries(service.spec.selector)) {
        assert.equal(collectorPod.metadata.labels[key], value, `selector ${key}`);
      }
      const [collector] = collectorPod.spec.containers;
      assert.ok(collector.ports.some((p) => p.name === port.targetPort
        && p.containerPort === Number(argAfter(collector.args, "--listen").split(":")[1])));
    });

    if (expected.target) {
      await t.test("the shards' TARGET is the overlay's", () => {
        const run = objects.find((o) => o.kind === "ConfigMap"
          && o.metadata.name.startsWith("loadgate-run-"));
        assert.equal(run.data.TARGET, expected.target);
      });
    }

    // The scenario in the ConfigMap is one loadgate accepts (when the CLI is
    // built: LOADGATE_BIN).
    await t.test("the scenario is valid", { skip: !process.env.LOADGATE_BIN }, () => {
      const scenario = objects.find((o) => o.kind === "ConfigMap"
        && o.metadata.name.startsWith("loadgate-scenario-"));
      const dir = mkdtempSync(path.join(tmpdir(), "loadgate-k8s-"));
      try {
        const file = path.join(dir, "scenario.yaml");
        writeFileSync(file, scenario.data["scenario.yaml"]);
        execFileSync(process.env.LOADGATE_BIN, ["validate", file], { stdio: "pipe" });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

test("the schema validation can fail", async () => {
  const [job] = render(".").filter((o) => o.kind === "Job");
  job.spec.completions = "four";
  await assert.rejects(async () => validateAgainstSchema(job));
});
