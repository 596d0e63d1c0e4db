// A real kubectl against kubesim: get nodes, client-side and server-side apply of a Deployment and
// Service, rollout status, get -o wide, describe, scale and namespace deletion. Skipped without kubectl.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Kubesim } from "../../../kubesim/index";
import { startTestSim, waitFor } from "./helpers";

function findKubectl(): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    const p = join(dir, "kubectl");
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

const kubectlPath = findKubectl();
if (!kubectlPath) console.warn("[kubesim kubectl tests] skipped: kubectl is not on PATH");

let sim: Kubesim;
let kubeconfig: string;

function kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(kubectlPath!, ["--kubeconfig", kubeconfig, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function ok(...args: string[]): Promise<string> {
  const r = await kubectl(...args);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

const manifest = (image: string, replicas: number) => `
apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: ${image}
        ports: [{containerPort: 8080}]
        env: [{name: MODE, value: prod}]
        resources: {requests: {cpu: 100m, memory: 64Mi}}
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`;

describe.skipIf(!kubectlPath)("kubectl against kubesim", () => {
  beforeAll(async () => {
    sim = await startTestSim({ clusters: [{ name: "kc", region: "eu-west-1", nodeCount: 2 }] });
    kubeconfig = sim.clusters[0]!.kubeconfigPath;
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it("get nodes lists the simulated nodes", async () => {
    const out = await ok("get", "nodes");
    expect(out).toMatch(/^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION/);
    expect(out).toMatch(/kc-node-1\s+Ready\s+<none>\s+\S+\s+v1\.31\.0/);
    expect(out).toMatch(/kc-node-2\s+Ready/);
  });

  it("apply -f, rollout status, get pods -o wide, describe pod, scale, apply --server-side, delete namespace", async () => {
    const file = join(sim.clusters[0]!.kubeconfigPath, "..", "shop.yaml");
    await writeFile(file, manifest("nginx:1.27", 2));
    const applied = await ok("apply", "-f", file);
    expect(applied).toContain("namespace/shop created");
    expect(applied).toContain("deployment.apps/web created");
    expect(applied).toContain("service/web created");
    expect(await ok("rollout", "status", "deployment/web", "-n", "shop", "--timeout=60s")).toContain('deployment "web" successfully rolled out');

    // Client-side apply of a change: strategic merge patch.
    await writeFile(file, manifest("nginx:1.28", 2));
    expect(await ok("apply", "-f", file)).toContain("deployment.apps/web configured");
    expect(await ok("rollout", "status", "deployment/web", "-n", "shop", "--timeout=60s")).toContain("successfully rolled out");

    const wide = await ok("get", "pods", "-n", "shop", "-o", "wide");
    expect(wide).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE/);
    const lines = wide.trim().split("\n").slice(1);
    await waitFor("two pods listed", async () => (await ok("get", "pods", "-n", "shop", "--no-headers")).trim().split("\n").length === 2);
    for (const l of lines.filter((x) => x.includes("Running"))) expect(l).toMatch(/web-\S+\s+1\/1\s+Running\s+0\s+\S+\s+10\.244\.\d+\.\d+\s+kc-node-\d/);

    const pod = (await ok("get", "pods", "-n", "shop", "-o", "jsonpath={.items[0].metadata.name}")).trim();
    const described = await ok("describe", "pod", pod, "-n", "shop");
    expect(described).toContain(`Name:             ${pod}`);
    expect(described).toMatch(/Status:\s+Running/);
    expect(described).toMatch(/Node:\s+kc-node-\d\/10\.0\.0\.\d+/);
    expect(described).toContain("nginx:1.28");
    expect(described).toMatch(/Normal\s+Scheduled\s+.*default-scheduler\s+Successfully assigned shop\//);
    expect(described).toMatch(/Normal\s+Started\s+.*kubelet\s+Started container web/);

    expect(await ok("logs", pod, "-n", "shop")).toContain("simulated container web (image nginx:1.28)");

    expect(await ok("scale", "deployment/web", "-n", "shop", "--replicas=3")).toContain("deployment.apps/web scaled");
    await waitFor("3 ready", async () => (await ok("get", "deploy", "web", "-n", "shop", "-o", "jsonpath={.status.readyReplicas}")).trim() === "3");

    await writeFile(file, manifest("nginx:1.29", 3));
    const ssa = await ok("apply", "--server-side", "-f", file);
    expect(ssa).toContain("deployment.apps/web serverside-applied");
    expect(ssa).toContain("service/web serverside-applied");
    expect(await ok("rollout", "status", "deployment/web", "-n", "shop", "--timeout=60s")).toContain("successfully rolled out");
    const images = await ok("get", "pods", "-n", "shop", "-o", "jsonpath={.items[*].spec.containers[0].image}");
    await waitFor("only new pods", async () => (await ok("get", "pods", "-n", "shop", "-o", "jsonpath={.items[*].spec.containers[0].image}")).trim().split(" ").every((i) => i === "nginx:1.29"));
    void images;
    const svc = await ok("get", "svc", "web", "-n", "shop");
    expect(svc).toMatch(/web\s+ClusterIP\s+10\.96\.\d+\.\d+\s+127\.0\.0\.1\s+80\/TCP/);

    // Drain a node: cordon plus evictions; the Deployment brings its pods back on the other node.
    const drained = await ok("drain", "kc-node-1", "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=60s");
    expect(drained).toContain("node/kc-node-1 drained");
    await waitFor("pods moved", async () => {
      const nodes = (await ok("get", "pods", "-n", "shop", "-o", "jsonpath={.items[*].spec.nodeName}")).trim().split(" ");
      return nodes.length === 3 && nodes.every((n) => n === "kc-node-2");
    });
    await ok("uncordon", "kc-node-1");

    const del = await ok("delete", "namespace", "shop", "--timeout=60s");
    expect(del).toContain('namespace "shop" deleted');
    const gone = await kubectl("get", "namespace", "shop");
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain('namespaces "shop" not found');
  });

  it("server-side apply of a new object, get with field selectors, events and errors", async () => {
    const file = join(sim.clusters[0]!.kubeconfigPath, "..", "cm.yaml");
    await writeFile(file, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: default\ndata:\n  a: '1'\n");
    expect(await ok("apply", "--server-side", "-f", file)).toContain("configmap/settings serverside-applied");
    expect(await ok("get", "cm", "settings", "-o", "jsonpath={.data.a}")).toBe("1");
    const missing = await kubectl("get", "deploy", "nope");
    expect(missing.stderr).toContain('deployments.apps "nope" not found');
    const bad = await kubectl("create", "configmap", "Bad_Name");
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("RFC 1123");
    expect(await ok("get", "pods", "-A", "--field-selector", "status.phase=Running")).toBeDefined();
    expect(await ok("get", "events", "-A")).toContain("NodeReady");
  });
});
