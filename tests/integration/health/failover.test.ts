// Cluster loss: a stateless instance fails over to another cluster after the failover delay and its stale copy is
// removed when the old cluster is back; a stateful instance keeps its one copy and waits for a person; with most
// clusters down at once nothing fails over.
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db/client";
import { clusters, incidentEvents, incidents, workflowRuns } from "@/db/schema";
import { syncAllClusters } from "@/server/clusters/capacity-sync";
import { configureHealth } from "@/server/health/settings";
import type { Kubesim } from "@/kubesim/index";
import { clientsFor, FAST_TIMERS } from "../kubesim/helpers";
import { type Caller } from "../../helpers/callers";
import { startFleetTestbed, type FleetTestbed } from "../../helpers/fleet-testbed";

const NAMES = ["fo-a", "fo-b", "fo-c", "fo-d"];
let bed: FleetTestbed;
let sim: Kubesim;
let owner: Caller;
let orgId = "";
let planIds: Record<string, string> = {};

beforeAll(async () => {
  bed = await startFleetTestbed({ kubesim: { clusters: NAMES.map((name) => ({ name, region: "eu-west-1", nodeCount: 2, nodeShape: { cpu: "8", memory: "32Gi", pods: 110 } })), podStartDelayMs: 20, timers: FAST_TIMERS }, customer: "Far Away Co", subscribed: true });
  ({ sim, owner, orgId, planIds } = bed);
  configureHealth({ notReadyGraceMs: 2_000, confirmMs: 300, failoverDelayMs: 1_000, flapWindowMs: 600_000 });
}, 60_000);

afterAll(async () => {
  await bed?.stop();
});

const running = (instanceId: string) => bed.settle(instanceId);

async function monitorUntil<T>(check: () => Promise<T | undefined | null | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await syncAllClusters(getDb());
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error("condition not reached");
    await new Promise((r) => setTimeout(r, 150));
  }
}

const clusterName = async (id: string) => (await getDb().select({ name: clusters.name }).from(clusters).where(eq(clusters.id, id)))[0]!.name;
const namespaceExists = async (cluster: string, ns: string) => {
  try {
    const n = await clientsFor(sim, cluster).core.readNamespace({ name: ns });
    return !n.metadata?.deletionTimestamp;
  } catch {
    return false;
  }
};

describe("cluster loss", () => {
  it("fails a stateless instance over after the delay, and removes the stale copy when the old cluster is back", async () => {
    const created = await owner.instances.create({ orgId, planId: planIds["hello-web/free"]!, name: "roamer" });
    const before = await running(created.id);
    const from = await clusterName(before.clusterId!);
    await sim.admin.partition(from);
    const moved = await monitorUntil(async () => {
      const i = await owner.instances.get({ orgId, instanceId: created.id });
      return i.clusterId !== before.clusterId && i.observedState === "running" && !i.runs.some((r) => ["running", "queued"].includes(r.status)) ? i : null;
    });
    const to = await clusterName(moved.clusterId!);
    expect(to).not.toBe(from);
    expect((await fetch(`http://${moved.endpointHost}:${moved.endpointPort}/`)).status).toBe(200);
    const [incident] = await getDb().select().from(incidents).where(and(eq(incidents.instanceId, created.id), eq(incidents.kind, "cluster_unreachable")));
    expect(incident).toBeDefined();
    await sim.admin.heal(from);
    // The old cluster answers again: its copy goes, and the incident is over.
    await monitorUntil(async () => !(await namespaceExists(from, before.namespace)));
    const [after] = await getDb().select().from(incidents).where(eq(incidents.id, incident!.id));
    expect(after?.status).toBe("resolved");
    expect(await namespaceExists(to, moved.namespace)).toBe(true);
  });

  it("keeps a stateful instance's one copy and asks a person", async () => {
    const created = await owner.instances.create({ orgId, planId: planIds["postgres/hobby"]!, name: "keeper" });
    const before = await running(created.id);
    const from = await clusterName(before.clusterId!);
    await sim.admin.partition(from);
    const incident = await monitorUntil(async () => {
      const [i] = await getDb().select().from(incidents).where(and(eq(incidents.instanceId, created.id), eq(incidents.kind, "cluster_unreachable")));
      return i?.status === "needs_attention" ? i : null;
    });
    await new Promise((r) => setTimeout(r, 1_500));
    await syncAllClusters(getDb());
    const now = await owner.instances.get({ orgId, instanceId: created.id });
    expect(now.clusterId).toBe(before.clusterId);
    expect(now.runs.some((r) => r.type === "instance-move")).toBe(false);
    const events = await getDb().select().from(incidentEvents).where(eq(incidentEvents.incidentId, incident.id));
    expect(events.some((e) => e.kind === "escalated" && /never run twice/.test(e.message))).toBe(true);
    await sim.admin.heal(from);
  });

  it("does not fail over when most clusters look down at once", async () => {
    const created = await owner.instances.create({ orgId, planId: planIds["hello-web/free"]!, name: "stayer" });
    const before = await running(created.id);
    const from = await clusterName(before.clusterId!);
    const others = NAMES.filter((n) => n !== from).slice(0, 2);
    for (const n of [from, ...others]) await sim.admin.partition(n);
    const incident = await monitorUntil(async () => {
      const [i] = await getDb().select().from(incidents).where(and(eq(incidents.instanceId, created.id), eq(incidents.kind, "cluster_unreachable")));
      if (!i) return null;
      const events = await getDb().select().from(incidentEvents).where(eq(incidentEvents.incidentId, i.id));
      return events.some((e) => /no mass failover/.test(e.message)) ? i : null;
    });
    const moves = await getDb().select().from(workflowRuns).where(and(eq(workflowRuns.subjectId, created.id), eq(workflowRuns.type, "instance-move")));
    expect(moves).toHaveLength(0);
    expect(incident.attempts).toBe(0);
    for (const n of [from, ...others]) await sim.admin.heal(n);
  });

  it("does not move an instance again when its new cluster goes away soon after (flapping)", async () => {
    const [roamer] = (await owner.instances.list({ orgId })).filter((i) => i.name === "roamer");
    const where = await clusterName(roamer!.clusterId!);
    await sim.admin.partition(where);
    try {
      await monitorUntil(async () => {
        const [i] = await getDb().select().from(incidents).where(and(eq(incidents.instanceId, roamer!.id), eq(incidents.kind, "cluster_unreachable"), eq(incidents.status, "open")));
        if (!i) return null;
        const events = await getDb().select().from(incidentEvents).where(eq(incidentEvents.incidentId, i.id));
        return events.some((e) => /moved recently/.test(e.message));
      });
      const moves = await getDb().select().from(workflowRuns).where(and(eq(workflowRuns.subjectId, roamer!.id), eq(workflowRuns.type, "instance-move")));
      expect(moves).toHaveLength(1);
    } finally {
      await sim.admin.heal(where);
    }
  });
});

