// Cluster registry and capacity sync against kubesim, through the API and @kubernetes/client-node.
import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db/client";
import { clusterNodes, clusters, reservations, users } from "@/db/schema";
import { syncClusterCapacity } from "@/server/clusters/capacity-sync";
import { FleetWatcher } from "@/server/clusters/cluster-watcher";
import { startKubesim, type Kubesim } from "@/kubesim/index";
import { clientsFor, FAST_TIMERS, waitFor } from "../kubesim/helpers";
import { expectTRPCError, signUp, userCaller, type Caller } from "../../helpers/callers";

let sim: Kubesim;
let admin: Caller;
let support: Caller;

beforeAll(async () => {
  sim = await startKubesim({
    clusters: [
      { name: "sim-eu", region: "eu-west-1", nodeCount: 2, nodeShape: { cpu: "4", memory: "8Gi", pods: 110 } },
      { name: "sim-us", region: "us-east-1", nodeCount: 1, nodeShape: { cpu: "2", memory: "4Gi", pods: 110 } },
    ],
    podStartDelayMs: 10,
    timers: FAST_TIMERS,
  });
  const a = await signUp();
  await getDb().update(users).set({ platformRole: "platform_admin" }).where(eq(users.id, a.userId));
  admin = await userCaller(a.userId);
  const s = await signUp();
  await getDb().update(users).set({ platformRole: "platform_support" }).where(eq(users.id, s.userId));
  support = await userCaller(s.userId);
});

afterAll(async () => {
  await sim?.stop();
});

const kubeconfigOf = (name: string) => sim.clusters.find((c) => c.name === name)!.kubeconfigYaml;

describe("registering clusters", () => {
  let euId = "";

  it("connects, reads version and nodes, and stores the kubeconfig encrypted", async () => {
    const result = await admin.clusters.register({ name: "sim-eu", region: "eu-west-1", kubeconfig: kubeconfigOf("sim-eu"), labels: { tier: "gold" } });
    euId = result.id;
    expect(result.nodes).toBe(2);
    expect(result.version).toMatch(/^v1\.31/);
    const [row] = await getDb().select().from(clusters).where(eq(clusters.id, euId));
    expect(row!.kubeconfigEncrypted.startsWith("v1.")).toBe(true);
    expect(row!.kubeconfigEncrypted).not.toContain("server:");
    expect(row!.zones.length).toBeGreaterThan(0);
    const nodes = await getDb().select().from(clusterNodes).where(eq(clusterNodes.clusterId, euId));
    expect(nodes.map((n) => n.allocatableCpuMillis)).toEqual([4000, 4000]);
    expect(nodes.every((n) => n.allocatableMemoryMb === 8192 && n.ready)).toBe(true);
  });

  it("never returns the kubeconfig through the API", async () => {
    const list = await support.clusters.list();
    expect(JSON.stringify(list)).not.toMatch(/kubeconfig|certificate|token/i);
    const detail = await support.clusters.get({ clusterId: euId });
    expect(JSON.stringify(detail)).not.toMatch(/kubeconfig_encrypted|kubeconfigEncrypted/);
    expect(detail.nodes).toHaveLength(2);
  });

  it("saves nothing when the kubeconfig is not usable or the cluster does not answer", async () => {
    const before = (await getDb().select().from(clusters)).length;
    await expectTRPCError(admin.clusters.register({ name: "broken", region: "eu-west-1", kubeconfig: "this is: [not a kubeconfig" }), "BAD_REQUEST", /kubeconfig/);
    const unreachable = kubeconfigOf("sim-us").replace(/server: http:\/\/127\.0\.0\.1:\d+/, "server: http://127.0.0.1:9");
    await expectTRPCError(admin.clusters.register({ name: "gone", region: "us-east-1", kubeconfig: unreachable }), "BAD_REQUEST", /refused the connection/);
    expect((await getDb().select().from(clusters)).length).toBe(before);
  });

  it("refuses a duplicate name and support staff", async () => {
    await expectTRPCError(admin.clusters.register({ name: "sim-eu", region: "eu-west-1", kubeconfig: kubeconfigOf("sim-eu") }), "CONFLICT");
    await expectTRPCError(support.clusters.register({ name: "other", region: "eu-west-1", kubeconfig: kubeconfigOf("sim-us") }), "FORBIDDEN");
  });

  it("cordons, uncordons, and removes only when empty", async () => {
    await admin.clusters.cordon({ clusterId: euId });
    expect((await admin.clusters.get({ clusterId: euId })).cluster.cordoned).toBe(true);
    await admin.clusters.uncordon({ clusterId: euId });
    const subject = randomUUID();
    await getDb().insert(reservations).values({ subjectId: subject, clusterId: euId, nodeName: "x", replica: 0, cpuMillis: 100, memoryMb: 64 });
    await expectTRPCError(admin.clusters.remove({ clusterId: euId }), "PRECONDITION_FAILED", /still hosts 1 instance/);
    await getDb().delete(reservations).where(eq(reservations.subjectId, subject));
    const us = await admin.clusters.register({ name: "sim-us", region: "us-east-1", kubeconfig: kubeconfigOf("sim-us") });
    await admin.clusters.remove({ clusterId: us.id });
    expect((await admin.clusters.list()).map((c) => c.name)).toEqual(["sim-eu"]);
  });
});

describe("capacity sync", () => {
  it("follows pods and nodes through a full resync", async () => {
    const db = getDb();
    const [eu] = await db.select().from(clusters).where(eq(clusters.name, "sim-eu"));
    const { core } = clientsFor(sim, "sim-eu");
    await core.createNamespacedPod({
      namespace: "default",
      body: { metadata: { name: "busy" }, spec: { containers: [{ name: "c", image: "busybox", resources: { requests: { cpu: "1500m", memory: "1Gi" } } }] } },
    });
    await waitFor("pod bound", async () => (await core.readNamespacedPod({ name: "busy", namespace: "default" })).spec?.nodeName);
    await syncClusterCapacity(db, eu!.id);
    const nodes = await db.select().from(clusterNodes).where(eq(clusterNodes.clusterId, eu!.id));
    expect(nodes.reduce((s, n) => s + n.foreignCpuMillis, 0)).toBe(1500);
    expect(nodes.reduce((s, n) => s + n.foreignMemoryMb, 0)).toBe(1024);

    await sim.admin.addNode("sim-eu", { name: "sim-eu-extra", cpu: "8", memory: "32Gi", zone: "eu-west-1c" });
    await syncClusterCapacity(db, eu!.id);
    expect((await db.select().from(clusterNodes).where(eq(clusterNodes.clusterId, eu!.id))).map((n) => n.name)).toContain("sim-eu-extra");
    await sim.admin.removeNode("sim-eu", "sim-eu-extra");
    await syncClusterCapacity(db, eu!.id);
    expect((await db.select().from(clusterNodes).where(eq(clusterNodes.clusterId, eu!.id))).map((n) => n.name)).not.toContain("sim-eu-extra");
    await core.deleteNamespacedPod({ name: "busy", namespace: "default", gracePeriodSeconds: 0 });
  });

  it("follows changes live through the watcher, and marks a partitioned cluster unreachable after three failed probes", async () => {
    const db = getDb();
    const [eu] = await db.select().from(clusters).where(eq(clusters.name, "sim-eu"));
    const watcher = new FleetWatcher(db);
    try {
      await watcher.reconcile();
      expect(watcher.size).toBe(1);
      await sim.admin.addNode("sim-eu", { name: "sim-eu-live", cpu: "2", memory: "4Gi", zone: "eu-west-1a" });
      await waitFor("watched node stored", async () => (await db.select().from(clusterNodes).where(eq(clusterNodes.clusterId, eu!.id))).some((n) => n.name === "sim-eu-live"), 15_000, 100);
      await sim.admin.nodeDown("sim-eu", "sim-eu-live");
      await waitFor("cluster degraded", async () => (await db.select().from(clusters).where(eq(clusters.id, eu!.id)))[0]!.status === "degraded", 15_000, 100);
      const [row] = await db.select().from(clusters).where(eq(clusters.id, eu!.id));
      expect(row!.statusReason).toMatch(/sim-eu-live/);
    } finally {
      await watcher.stop();
    }
    await sim.admin.partition("sim-eu");
    try {
      // One failed probe is not an outage: degraded first, unreachable after three in a row.
      expect((await syncClusterCapacity(db, eu!.id)).status).toBe("degraded");
      const [first] = await db.select().from(clusters).where(eq(clusters.id, eu!.id));
      expect(first!.statusReason).toMatch(/refused.*1 failed probe in a row/);
      expect((await syncClusterCapacity(db, eu!.id)).status).toBe("degraded");
      expect((await syncClusterCapacity(db, eu!.id)).status).toBe("unreachable");
      const [row] = await db.select().from(clusters).where(eq(clusters.id, eu!.id));
      expect(row!.statusReason).toMatch(/refused/);
    } finally {
      await sim.admin.heal("sim-eu");
    }
  });
});
