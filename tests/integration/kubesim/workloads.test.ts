// Simulated machinery through client-node: Deployment rollouts, StatefulSet ordering and PVCs, the
// scheduler (capacity, selectors, taints, anti-affinity) and node loss leading to rescheduling.
import * as k8s from "@kubernetes/client-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Kubesim } from "../../../kubesim/index";
import { cleanupNamespaces, clientsFor, deployment, freshNamespace, PatchStrategy, setHeaderOptions, startTestSim, waitFor, type Clients } from "./helpers";

let sim: Kubesim;
let c: Clients;
const CLUSTER = "work";

beforeAll(async () => {
  sim = await startTestSim({
    clusters: [
      {
        name: CLUSTER,
        region: "us-east-1",
        nodes: [
          { name: "n1", cpu: "2", memory: "4Gi", pods: 20, zone: "us-east-1a" },
          { name: "n2", cpu: "2", memory: "4Gi", pods: 20, zone: "us-east-1b", labels: { disk: "ssd" } },
          { name: "n3", cpu: "2", memory: "4Gi", pods: 20, zone: "us-east-1c", taints: [{ key: "dedicated", value: "db", effect: "NoSchedule" }] },
        ],
      },
    ],
  });
  c = clientsFor(sim);
});
afterEach(async () => {
  await cleanupNamespaces(c);
});
afterAll(async () => {
  await sim?.stop();
});

async function pods(ns: string, labelSelector?: string): Promise<k8s.V1Pod[]> {
  return (await c.core.listNamespacedPod({ namespace: ns, labelSelector })).items;
}

function ready(p: k8s.V1Pod): boolean {
  return !p.metadata!.deletionTimestamp && !!p.status?.conditions?.some((x) => x.type === "Ready" && x.status === "True");
}

describe("Deployment", () => {
  it("creates a ReplicaSet <name>-<hash> and pods that become Running and Ready, and reports Available", async () => {
    const ns = await freshNamespace(c);
    await c.apps.createNamespacedDeployment({ namespace: ns, body: deployment("web", 3) });
    const d = await waitFor("deployment available", async () => {
      const x = await c.apps.readNamespacedDeployment({ name: "web", namespace: ns });
      return x.status?.availableReplicas === 3 && x.status.conditions?.some((k) => k.type === "Available" && k.status === "True") ? x : undefined;
    });
    expect(d.status).toMatchObject({ replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3, observedGeneration: 1 });
    expect(d.status!.conditions!.find((k) => k.type === "Progressing")).toMatchObject({ status: "True", reason: "NewReplicaSetAvailable" });
    const rs = (await c.apps.listNamespacedReplicaSet({ namespace: ns })).items;
    expect(rs).toHaveLength(1);
    const hash = rs[0]!.metadata!.labels!["pod-template-hash"]!;
    expect(rs[0]!.metadata!.name).toBe(`web-${hash}`);
    expect(rs[0]!.metadata!.ownerReferences![0]).toMatchObject({ kind: "Deployment", name: "web", controller: true });
    const ps = await pods(ns);
    expect(ps).toHaveLength(3);
    for (const p of ps) {
      expect(p.metadata!.name).toMatch(new RegExp(`^web-${hash}-[a-z0-9]{5}$`));
      expect(p.metadata!.ownerReferences![0]).toMatchObject({ kind: "ReplicaSet", name: `web-${hash}`, controller: true });
      expect(p.status!.phase).toBe("Running");
      expect(p.status!.podIP).toMatch(/^10\.244\./);
      expect(p.status!.hostIP).toMatch(/^10\.0\./);
      expect(p.status!.qosClass).toBe("Burstable");
      expect(p.status!.containerStatuses![0]).toMatchObject({ name: "web", ready: true, restartCount: 0, started: true });
      expect(p.status!.containerStatuses![0]!.state!.running!.startedAt).toBeTruthy();
      expect(p.spec!.nodeName).not.toBe("n3");
    }
    const events = await c.core.listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.name=${ps[0]!.metadata!.name}` });
    expect(events.items.map((e) => e.reason)).toEqual(expect.arrayContaining(["Scheduled", "Pulled", "Created", "Started"]));
  });

  it("rolls out a new template within maxSurge / maxUnavailable and scales down the old ReplicaSet", async () => {
    const ns = await freshNamespace(c);
    await c.apps.createNamespacedDeployment({
      namespace: ns,
      body: deployment("roll", 4, { strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } }),
    });
    await waitFor("v1 available", async () => (await c.apps.readNamespacedDeployment({ name: "roll", namespace: ns })).status?.availableReplicas === 4);
    let maxPods = 0;
    let minReady = 99;
    let primed = false;
    const w = new k8s.Watch(c.kc);
    const live = new Map<string, k8s.V1Pod>();
    const ctl = await w.watch(`/api/v1/namespaces/${ns}/pods`, {}, (type, obj: k8s.V1Pod) => {
      if (type === "DELETED") live.delete(obj.metadata!.name!);
      else live.set(obj.metadata!.name!, obj);
      const active = [...live.values()].filter((p) => !p.metadata!.deletionTimestamp);
      if (!primed) return;
      maxPods = Math.max(maxPods, active.length);
      minReady = Math.min(minReady, active.filter(ready).length);
    }, () => undefined);
    await waitFor("watch primed", () => live.size >= 4);
    primed = true;
    await c.apps.patchNamespacedDeployment(
      { name: "roll", namespace: ns, body: { spec: { template: { spec: { containers: [{ name: "web", image: "nginx:1.28" }] } } } } },
      setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch),
    );
    const d = await waitFor("v2 rolled out", async () => {
      const x = await c.apps.readNamespacedDeployment({ name: "roll", namespace: ns });
      const done = x.status?.observedGeneration === 2 && x.status.updatedReplicas === 4 && x.status.availableReplicas === 4 && x.status.replicas === 4;
      return done ? x : undefined;
    }, 20_000);
    ctl.abort();
    expect(d.metadata!.annotations!["deployment.kubernetes.io/revision"]).toBe("2");
    expect(maxPods).toBeLessThanOrEqual(5);
    expect(minReady).toBeGreaterThanOrEqual(4);
    const rss = (await c.apps.listNamespacedReplicaSet({ namespace: ns })).items;
    expect(rss).toHaveLength(2);
    expect(rss.map((r) => r.spec!.replicas).sort()).toEqual([0, 4]);
    const imgs = (await pods(ns)).filter((p) => !p.metadata!.deletionTimestamp).map((p) => p.spec!.containers[0]!.image);
    await waitFor("old pods gone", async () => (await pods(ns)).length === 4);
    expect(new Set(imgs.filter((i) => i === "nginx:1.28")).size).toBe(1);
  });

  it("scales through the scale subresource", async () => {
    const ns = await freshNamespace(c);
    await c.apps.createNamespacedDeployment({ namespace: ns, body: deployment("sc", 1) });
    await c.apps.replaceNamespacedDeploymentScale({ name: "sc", namespace: ns, body: { metadata: { name: "sc", namespace: ns }, spec: { replicas: 3 } } });
    await waitFor("3 ready", async () => (await c.apps.readNamespacedDeployment({ name: "sc", namespace: ns })).status?.readyReplicas === 3);
    await c.apps.patchNamespacedDeploymentScale({ name: "sc", namespace: ns, body: { spec: { replicas: 1 } } }, setHeaderOptions("Content-Type", PatchStrategy.MergePatch));
    await waitFor("1 pod", async () => (await pods(ns)).length === 1);
  });
});

describe("StatefulSet", () => {
  it("creates pods in order, each after the previous is Ready, with bound PVCs; scales down from the top", async () => {
    const ns = await freshNamespace(c);
    const order: string[] = [];
    const w = new k8s.Watch(c.kc);
    const ctl = await w.watch(`/api/v1/namespaces/${ns}/pods`, {}, (type, obj: k8s.V1Pod) => {
      if (type === "ADDED") order.push(`add:${obj.metadata!.name}`);
      if (type === "MODIFIED" && ready(obj) && !order.includes(`ready:${obj.metadata!.name}`)) order.push(`ready:${obj.metadata!.name}`);
      if (type === "DELETED") order.push(`del:${obj.metadata!.name}`);
    }, () => undefined);
    await c.apps.createNamespacedStatefulSet({
      namespace: ns,
      body: {
        metadata: { name: "db" },
        spec: {
          replicas: 3,
          serviceName: "db",
          selector: { matchLabels: { app: "db" } },
          template: { metadata: { labels: { app: "db" } }, spec: { containers: [{ name: "pg", image: "postgres:16", volumeMounts: [{ name: "data", mountPath: "/var/lib/postgresql" }] }] } },
          volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } }],
        },
      },
    });
    const sts = await waitFor("3 ready", async () => {
      const s = await c.apps.readNamespacedStatefulSet({ name: "db", namespace: ns });
      return s.status?.readyReplicas === 3 ? s : undefined;
    });
    expect(sts.status!.currentRevision).toBe(sts.status!.updateRevision);
    expect(order.slice(0, 6)).toEqual(["add:db-0", "ready:db-0", "add:db-1", "ready:db-1", "add:db-2", "ready:db-2"]);
    const p1 = await c.core.readNamespacedPod({ name: "db-1", namespace: ns });
    expect(p1.spec!.hostname).toBe("db-1");
    expect(p1.spec!.subdomain).toBe("db");
    expect(p1.metadata!.labels!["statefulset.kubernetes.io/pod-name"]).toBe("db-1");
    expect(p1.spec!.volumes!.find((v) => v.name === "data")!.persistentVolumeClaim!.claimName).toBe("data-db-1");
    const pvcs = (await c.core.listNamespacedPersistentVolumeClaim({ namespace: ns })).items;
    expect(pvcs.map((p) => p.metadata!.name).sort()).toEqual(["data-db-0", "data-db-1", "data-db-2"]);
    await waitFor("pvcs bound", async () => (await c.core.listNamespacedPersistentVolumeClaim({ namespace: ns })).items.every((p) => p.status?.phase === "Bound" && p.spec?.volumeName?.startsWith("pvc-")));

    // Ordered rolling update: highest ordinal first.
    order.length = 0;
    await c.apps.patchNamespacedStatefulSet(
      { name: "db", namespace: ns, body: { spec: { template: { spec: { containers: [{ name: "pg", image: "postgres:17" }] } } } } },
      setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch),
    );
    await waitFor("updated", async () => {
      const s = await c.apps.readNamespacedStatefulSet({ name: "db", namespace: ns });
      return s.status?.updatedReplicas === 3 && s.status.readyReplicas === 3 && s.status.currentRevision === s.status.updateRevision;
    }, 20_000);
    expect(order.filter((o) => o.startsWith("del:"))).toEqual(["del:db-2", "del:db-1", "del:db-0"]);

    await c.apps.patchNamespacedStatefulSetScale({ name: "db", namespace: ns, body: { spec: { replicas: 1 } } }, setHeaderOptions("Content-Type", PatchStrategy.MergePatch));
    order.length = 0;
    await waitFor("scaled down", async () => (await pods(ns)).length === 1);
    expect(order.filter((o) => o.startsWith("del:"))).toEqual(["del:db-2", "del:db-1"]);
    expect((await pods(ns))[0]!.metadata!.name).toBe("db-0");
    ctl.abort();
  });
});

describe("scheduler", () => {
  it("leaves pods Pending with FailedScheduling when capacity runs out and schedules them when it frees", async () => {
    const ns = await freshNamespace(c);
    // n1 and n2 are schedulable (n3 is tainted): 2 cpu each, so four 900m pods fill them.
    const big = (name: string) => ({ metadata: { name }, spec: { containers: [{ name: "c", image: "nginx", resources: { requests: { cpu: "900m", memory: "100Mi" } } }] } });
    for (const n of ["a", "b", "c", "d"]) await c.core.createNamespacedPod({ namespace: ns, body: big(n) });
    await waitFor("4 running", async () => (await pods(ns)).filter((p) => p.status?.phase === "Running").length === 4);
    await c.core.createNamespacedPod({ namespace: ns, body: big("e") });
    const pending = await waitFor("unschedulable", async () => {
      const p = await c.core.readNamespacedPod({ name: "e", namespace: ns });
      const cond = p.status?.conditions?.find((x) => x.type === "PodScheduled");
      return cond?.status === "False" ? { p, cond } : undefined;
    });
    expect(pending.p.status!.phase).toBe("Pending");
    expect(pending.cond.reason).toBe("Unschedulable");
    expect(pending.cond.message).toMatch(/^0\/3 nodes are available: 1 node\(s\) had untolerated taint \{dedicated: db\}, 2 Insufficient cpu\./);
    const ev = await waitFor("FailedScheduling event", async () => (await c.core.listNamespacedEvent({ namespace: ns, fieldSelector: "involvedObject.name=e,reason=FailedScheduling" })).items[0]);
    expect(ev.type).toBe("Warning");
    expect(ev.message).toContain("Insufficient cpu");
    await c.core.deleteNamespacedPod({ name: "a", namespace: ns });
    const scheduled = await waitFor("e scheduled", async () => {
      const p = await c.core.readNamespacedPod({ name: "e", namespace: ns });
      return p.status?.phase === "Running" ? p : undefined;
    });
    expect(["n1", "n2"]).toContain(scheduled.spec!.nodeName);
    await c.core.deleteCollectionNamespacedPod({ namespace: ns, gracePeriodSeconds: 0 });
    await waitFor("pods gone", async () => (await pods(ns)).length === 0);
  });

  it("honours nodeSelector, tolerations and required pod anti-affinity on hostname", async () => {
    const ns = await freshNamespace(c);
    await c.core.createNamespacedPod({ namespace: ns, body: { metadata: { name: "ssd" }, spec: { nodeSelector: { disk: "ssd" }, containers: [{ name: "c", image: "nginx" }] } } });
    await c.core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: "db" },
        spec: {
          nodeSelector: { "kubernetes.io/hostname": "n3" },
          tolerations: [{ key: "dedicated", operator: "Equal", value: "db", effect: "NoSchedule" }],
          containers: [{ name: "c", image: "postgres" }],
        },
      },
    });
    const anti = (name: string) => ({
      metadata: { name, labels: { app: "spread" } },
      spec: {
        affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { app: "spread" } } }] } },
        containers: [{ name: "c", image: "nginx" }],
      },
    });
    for (const n of ["s1", "s2", "s3"]) await c.core.createNamespacedPod({ namespace: ns, body: anti(n) });
    await waitFor("placed", async () => {
      const ps = await pods(ns);
      return ps.filter((p) => p.spec?.nodeName).length === 4;
    });
    const byName = new Map((await pods(ns)).map((p) => [p.metadata!.name!, p]));
    expect(byName.get("ssd")!.spec!.nodeName).toBe("n2");
    expect(byName.get("db")!.spec!.nodeName).toBe("n3");
    const spread = ["s1", "s2", "s3"].map((n) => byName.get(n)!);
    const placed = spread.filter((p) => p.spec!.nodeName);
    expect(placed).toHaveLength(2);
    expect(new Set(placed.map((p) => p.spec!.nodeName))).toEqual(new Set(["n1", "n2"]));
    const unplaced = spread.find((p) => !p.spec!.nodeName)!;
    const cond = await waitFor("anti-affinity reason", async () => {
      const p = await c.core.readNamespacedPod({ name: unplaced.metadata!.name!, namespace: ns });
      return p.status?.conditions?.find((x) => x.type === "PodScheduled" && x.status === "False");
    });
    expect(cond.message).toContain("2 node(s) didn't match pod anti-affinity rules");
    await c.core.deleteCollectionNamespacedPod({ namespace: ns, gracePeriodSeconds: 0 });
  });
});

describe("scheduler spreading", () => {
  it("topologySpreadConstraints with DoNotSchedule keep zones within maxSkew", async () => {
    const ns = await freshNamespace(c);
    // n1 (zone a) and n2 (zone b) are schedulable; n3 (zone c) is tainted, so its zone is tolerated here.
    const spec = (name: string) => ({
      metadata: { name, labels: { app: "spread" } },
      spec: {
        tolerations: [{ key: "dedicated", operator: "Exists", effect: "NoSchedule" as const }],
        topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: { app: "spread" } } }],
        containers: [{ name: "c", image: "nginx", resources: { requests: { cpu: "10m" } } }],
      },
    });
    // A busy n2: least-allocated scoring alone would avoid it; the hard constraint must not.
    await c.core.createNamespacedPod({ namespace: ns, body: { metadata: { name: "busy" }, spec: { nodeSelector: { "kubernetes.io/hostname": "n2" }, containers: [{ name: "c", image: "nginx", resources: { requests: { cpu: "1500m" } } }] } } });
    await waitFor("busy bound", async () => (await c.core.readNamespacedPod({ name: "busy", namespace: ns })).spec?.nodeName);
    for (let i = 0; i < 6; i++) {
      await c.core.createNamespacedPod({ namespace: ns, body: spec(`p${i}`) });
      await waitFor("bound", async () => (await c.core.readNamespacedPod({ name: `p${i}`, namespace: ns })).spec?.nodeName);
    }
    const zones = new Map<string, number>();
    for (const p of await pods(ns, "app=spread")) zones.set(p.spec!.nodeName!, (zones.get(p.spec!.nodeName!) ?? 0) + 1);
    expect([...zones.values()].sort()).toEqual([2, 2, 2]);
  });
});

describe("node lifecycle", () => {
  it("a node that goes down turns NotReady, its pods are evicted and recreated on other nodes; it recovers when up", async () => {
    const ns = await freshNamespace(c);
    await c.apps.createNamespacedDeployment({ namespace: ns, body: deployment("ha", 4) });
    await waitFor("4 ready", async () => (await c.apps.readNamespacedDeployment({ name: "ha", namespace: ns })).status?.readyReplicas === 4);
    const onN1 = (await pods(ns)).filter((p) => p.spec!.nodeName === "n1").map((p) => p.metadata!.name!);
    expect(onN1.length).toBeGreaterThan(0);
    await sim.admin.nodeDown(CLUSTER, "n1");
    const node = await waitFor("n1 NotReady", async () => {
      const n = await c.core.readNode({ name: "n1" });
      return n.status!.conditions!.find((x) => x.type === "Ready")!.status === "Unknown" ? n : undefined;
    });
    expect(node.spec!.taints!.map((t) => `${t.key}:${t.effect}`)).toEqual(expect.arrayContaining(["node.kubernetes.io/unreachable:NoSchedule", "node.kubernetes.io/unreachable:NoExecute"]));
    await waitFor("rescheduled", async () => {
      const ps = await pods(ns);
      return ps.length === 4 && ps.every((p) => p.spec!.nodeName === "n2" && ready(p)) && !ps.some((p) => onN1.includes(p.metadata!.name!));
    }, 15_000);
    await waitFor("deployment available again", async () => (await c.apps.readNamespacedDeployment({ name: "ha", namespace: ns })).status?.availableReplicas === 4);
    await sim.admin.nodeUp(CLUSTER, "n1");
    await waitFor("n1 Ready", async () => {
      const n = await c.core.readNode({ name: "n1" });
      return n.status!.conditions!.find((x) => x.type === "Ready")!.status === "True" && !(n.spec!.taints ?? []).length;
    });
    await c.apps.deleteNamespacedDeployment({ name: "ha", namespace: ns });
  });
});
