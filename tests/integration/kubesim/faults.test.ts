// Fault injection through the admin API and its typed client, observed with client-node: crash loops,
// image pull failures, API errors and latency, partitions, slow pod starts; and workload endpoints that
// answer only while selected pods are Ready.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import * as k8s from "@kubernetes/client-node";
import { KubesimAdminClient, PORT_ANNOTATION, type Kubesim } from "../../../kubesim/index";
import { apiError, cleanupNamespaces, clientsFor, deployment, freshNamespace, startTestSim, waitFor, type Clients } from "./helpers";

let sim: Kubesim;
let c: Clients;
let admin: KubesimAdminClient;
const CL = "faulty";

beforeAll(async () => {
  sim = await startTestSim({ clusters: [{ name: CL, region: "eu-central-1", nodeCount: 2 }, { name: "calm", region: "eu-west-1", nodeCount: 1 }] });
  c = clientsFor(sim, CL);
  admin = sim.admin;
});
afterEach(async () => {
  await admin.clearFaults(CL);
  await cleanupNamespaces(c);
});
afterAll(async () => {
  await sim?.stop();
});

async function firstPod(ns: string): Promise<k8s.V1Pod | undefined> {
  return (await c.core.listNamespacedPod({ namespace: ns })).items[0];
}

describe("admin API", () => {
  it("lists clusters with nodes and faults, on the admin port and under each cluster port", async () => {
    const clusters = await admin.clusters();
    expect(clusters.map((x) => x.name)).toEqual([CL, "calm"]);
    expect(clusters[0]!.nodes.map((n) => n.name)).toEqual([`${CL}-node-1`, `${CL}-node-2`]);
    const viaCluster = new KubesimAdminClient(sim.clusters[0]!.url);
    const f = await viaCluster.apiLatency(CL, 1);
    expect((await viaCluster.faults(CL)).map((x) => x.id)).toEqual([f.id]);
    const local = await fetch(`${sim.clusters[0]!.url}/_kubesim/faults`).then((r) => r.json());
    expect(local.faults).toHaveLength(1);
    await viaCluster.clearFault(CL, f.id);
    expect(await admin.faults(CL)).toEqual([]);
  });
});

describe("pod faults", () => {
  it("crash loop: CrashLoopBackOff with growing restartCount while the fault holds, Running again after", async () => {
    const ns = await freshNamespace(c);
    await c.apps.createNamespacedDeployment({ namespace: ns, body: deployment("crashy", 1) });
    await waitFor("running", async () => (await firstPod(ns))?.status?.containerStatuses?.[0]?.ready);
    await admin.crashLoop(CL, { labelSelector: "app=crashy", namespace: ns });
    const crashing = await waitFor("restarts >= 3", async () => {
      const p = await firstPod(ns);
      const cs = p?.status?.containerStatuses?.[0];
      return cs && cs.restartCount >= 3 ? { p: p!, cs } : undefined;
    });
    expect(crashing.cs.state!.waiting!.reason).toBe("CrashLoopBackOff");
    expect(crashing.cs.ready).toBe(false);
    expect(crashing.cs.lastState!.terminated!.exitCode).toBe(1);
    expect(crashing.p.status!.conditions!.find((x) => x.type === "Ready")!.status).toBe("False");
    const d = await c.apps.readNamespacedDeployment({ name: "crashy", namespace: ns });
    expect(d.status!.availableReplicas ?? 0).toBe(0);
    const backoff = await c.core.listNamespacedEvent({ namespace: ns, fieldSelector: "reason=BackOff" });
    expect(backoff.items[0]!.message).toMatch(/^Back-off restarting failed container web in pod crashy-/);
    await admin.clearFaults(CL);
    const healed = await waitFor("ready again", async () => {
      const p = await firstPod(ns);
      return p?.status?.containerStatuses?.[0]?.ready ? p : undefined;
    });
    expect(healed.status!.containerStatuses![0]!.restartCount).toBeGreaterThanOrEqual(3);
  });

  it("crash of a pod with restartPolicy Never: phase Failed", async () => {
    const ns = await freshNamespace(c);
    await admin.crashLoop(CL, { labelSelector: "job=once", exitCode: 3 });
    await c.core.createNamespacedPod({ namespace: ns, body: { metadata: { name: "once", labels: { job: "once" } }, spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] } } });
    const p = await waitFor("failed", async () => {
      const x = await c.core.readNamespacedPod({ name: "once", namespace: ns });
      return x.status?.phase === "Failed" ? x : undefined;
    });
    expect(p.status!.containerStatuses![0]!.state!.terminated).toMatchObject({ exitCode: 3, reason: "Error" });
  });

  it("a rollout stuck on crashing pods reports ProgressDeadlineExceeded", async () => {
    const ns = await freshNamespace(c);
    await admin.crashLoop(CL, { labelSelector: "app=stuck", namespace: ns });
    await c.apps.createNamespacedDeployment({ namespace: ns, body: deployment("stuck", 2, { progressDeadlineSeconds: 1 }) });
    const cond = await waitFor("deadline exceeded", async () => {
      const d = await c.apps.readNamespacedDeployment({ name: "stuck", namespace: ns });
      return d.status?.conditions?.find((x) => x.type === "Progressing" && x.status === "False");
    }, 10_000);
    expect(cond.reason).toBe("ProgressDeadlineExceeded");
    expect(cond.message).toMatch(/^ReplicaSet "stuck-[a-z0-9]+" has timed out progressing\.$/);
  });

  it("image pull failure: ErrImagePull then ImagePullBackOff for matching images only", async () => {
    const ns = await freshNamespace(c);
    await admin.imagePullFailure(CL, "registry.example.com/broken:*");
    await c.core.createNamespacedPod({ namespace: ns, body: { metadata: { name: "bad" }, spec: { containers: [{ name: "c", image: "registry.example.com/broken:1.0" }] } } });
    await c.core.createNamespacedPod({ namespace: ns, body: { metadata: { name: "good" }, spec: { containers: [{ name: "c", image: "nginx:1.27" }] } } });
    const reasons = new Set<string>();
    await waitFor("both reasons", async () => {
      const p = await c.core.readNamespacedPod({ name: "bad", namespace: ns });
      const r = p.status?.containerStatuses?.[0]?.state?.waiting?.reason;
      if (r) reasons.add(r);
      return reasons.has("ErrImagePull") && reasons.has("ImagePullBackOff");
    });
    const bad = await c.core.readNamespacedPod({ name: "bad", namespace: ns });
    expect(bad.status!.phase).toBe("Pending");
    const good = await waitFor("good runs", async () => {
      const p = await c.core.readNamespacedPod({ name: "good", namespace: ns });
      return p.status?.phase === "Running" ? p : undefined;
    });
    expect(good.status!.containerStatuses![0]!.ready).toBe(true);
    const failed = await c.core.listNamespacedEvent({ namespace: ns, fieldSelector: "involvedObject.name=bad,reason=Failed" });
    expect(failed.items.map((e) => e.message)).toEqual(expect.arrayContaining(["Error: ErrImagePull"]));
    await admin.clearFaults(CL);
    await waitFor("bad pod recovers", async () => (await c.core.readNamespacedPod({ name: "bad", namespace: ns })).status?.phase === "Running");
  });

  it("slow pod start delays Running", async () => {
    const ns = await freshNamespace(c);
    await admin.slowPodStart(CL, 700, { labelSelector: "slow=yes" });
    const t0 = Date.now();
    await c.core.createNamespacedPod({ namespace: ns, body: { metadata: { name: "slow", labels: { slow: "yes" } }, spec: { containers: [{ name: "c", image: "nginx" }] } } });
    await c.core.createNamespacedPod({ namespace: ns, body: { metadata: { name: "fast" }, spec: { containers: [{ name: "c", image: "nginx" }] } } });
    await waitFor("fast running", async () => (await c.core.readNamespacedPod({ name: "fast", namespace: ns })).status?.phase === "Running");
    expect((await c.core.readNamespacedPod({ name: "slow", namespace: ns })).status!.phase).toBe("Pending");
    await waitFor("slow running", async () => (await c.core.readNamespacedPod({ name: "slow", namespace: ns })).status?.phase === "Running");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(700);
  });
});

describe("API faults", () => {
  it("error rate 1 with 429 answers Too Many Requests with Retry-After; 500 as InternalError", async () => {
    const f = await admin.apiErrors(CL, { rate: 1, code: 429, retryAfterSeconds: 3 });
    const e = await apiError(() => c.core.listNamespace());
    expect(e.code).toBe(429);
    expect(e.status).toMatchObject({ kind: "Status", reason: "TooManyRequests", code: 429, details: { retryAfterSeconds: 3 } });
    const raw = await fetch(`${sim.clusters[0]!.url}/api/v1/namespaces`);
    expect(raw.headers.get("retry-after")).toBe("3");
    // The other cluster is unaffected.
    await clientsFor(sim, "calm").core.listNamespace();
    await admin.clearFault(CL, f.id);
    await admin.apiErrors(CL, { rate: 1, code: 500 });
    const e500 = await apiError(() => c.core.listNamespace());
    expect(e500.code).toBe(500);
    expect(e500.status.reason).toBe("InternalError");
    await admin.clearFaults(CL);
    await admin.apiErrors(CL, { rate: 0.5 });
    let failures = 0;
    for (let i = 0; i < 60; i++) {
      const r = await fetch(`${sim.clusters[0]!.url}/version`);
      if (r.status === 500) failures++;
    }
    expect(failures).toBeGreaterThan(10);
    expect(failures).toBeLessThan(50);
  });

  it("added latency slows every request", async () => {
    await admin.apiLatency(CL, 150);
    const t0 = Date.now();
    await c.core.listNamespace();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
  });

  it("partition refuses connections until healed; the state survives", async () => {
    const ns = await freshNamespace(c);
    await admin.partition(CL);
    const err = await c.core.listNamespace().then(
      () => undefined,
      (e: Error & { code?: string; cause?: { code?: string } }) => e,
    );
    expect(err).toBeDefined();
    expect(JSON.stringify({ m: err!.message, c: err!.code, cc: err!.cause?.code })).toContain("ECONNREFUSED");
    expect((await admin.cluster(CL)).partitioned).toBe(true);
    await admin.heal(CL);
    const nss = await c.core.listNamespace();
    expect(nss.items.map((n) => n.metadata!.name)).toContain(ns);
  });
});

describe("workload endpoints", () => {
  it("a Service answers through its loopback port only while selected pods are Ready, round-robin", async () => {
    const ns = await freshNamespace(c);
    await c.core.createNamespacedService({ namespace: ns, body: { metadata: { name: "web" }, spec: { selector: { app: "web" }, ports: [{ port: 80 }] } } });
    const svc = await waitFor("port published", async () => {
      const s = await c.core.readNamespacedService({ name: "web", namespace: ns });
      return s.metadata?.annotations?.[PORT_ANNOTATION] ? s : undefined;
    });
    const port = Number(svc.metadata!.annotations![PORT_ANNOTATION]);
    expect(svc.status!.loadBalancer!.ingress![0]!.ip).toBe("127.0.0.1");
    const url = `http://127.0.0.1:${port}/hello?x=1`;
    const refused = () => fetch(url).then(() => false, () => true);
    expect(await refused()).toBe(true);

    await c.apps.createNamespacedDeployment({ namespace: ns, body: deployment("web", 2) });
    await waitFor("answers", async () => (await fetch(url).catch(() => undefined))?.status === 200);
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const r = await fetch(url, { method: "POST", body: "ping", headers: { "X-Test": "1" } });
      const body = await r.json();
      expect(body).toMatchObject({ method: "POST", path: "/hello?x=1", body: "ping", namespace: ns, service: "web" });
      expect(body.headers["x-test"]).toBe("1");
      seen.add(body.pod);
    }
    const podNames = (await c.core.listNamespacedPod({ namespace: ns })).items.map((p) => p.metadata!.name);
    expect([...seen].sort()).toEqual(podNames.sort());

    // Crash-looping pods are not Ready: the port closes. Recovery reopens it.
    await admin.crashLoop(CL, { labelSelector: "app=web", namespace: ns });
    await waitFor("refused while not ready", refused);
    await admin.clearFaults(CL);
    await waitFor("answers again", async () => (await fetch(url).catch(() => undefined))?.status === 200);

    // Scale to zero: refused.
    await c.apps.patchNamespacedDeploymentScale({ name: "web", namespace: ns, body: { spec: { replicas: 0 } } }, k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch));
    await waitFor("refused at zero", refused);
  });
});
