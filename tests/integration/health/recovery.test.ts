// Health monitoring and recovery against kubesim faults: a crash loop is detected, restarted and (once the fault
// is gone) recovered with a time to recover; a lost node's pods are moved off it long before Kubernetes' own
// eviction; a fault that a restart cannot fix escalates to a person after the ladder's tries.
import { and, asc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db/client";
import { incidentEvents, incidents, instanceHealth, workflowRuns } from "@/db/schema";
import { syncClusterCapacity } from "@/server/clusters/capacity-sync";
import { configureMonitor } from "@/server/health/monitor";
import type { Kubesim } from "@/kubesim/index";
import { clientsFor, FAST_TIMERS } from "../kubesim/helpers";
import { type Caller } from "../../helpers/callers";
import { startFleetTestbed, type FleetTestbed } from "../../helpers/fleet-testbed";

const CLUSTER = "health-eu";
let bed: FleetTestbed;
let sim: Kubesim;
let owner: Caller;
let orgId = "";
let planIds: Record<string, string> = {};
let clusterId = "";

beforeAll(async () => {
  bed = await startFleetTestbed({ kubesim: { clusters: [{ name: CLUSTER, region: "eu-west-1", nodeCount: 3, nodeShape: { cpu: "8", memory: "32Gi", pods: 110 } }], podStartDelayMs: 20, timers: { ...FAST_TIMERS, evictionTimeoutMs: 300_000 } }, customer: "Flaky Co", subscribed: true });
  ({ sim, owner, orgId, planIds } = bed);
  clusterId = bed.clusterIds[CLUSTER]!;
  configureMonitor({ notReadyGraceMs: 2_000, confirmMs: 500 });
}, 60_000);

afterAll(async () => {
  await bed?.stop();
});

const settle = (instanceId: string) => bed.settle(instanceId);

/** Runs the monitor (as the watcher does on every change) until `check` holds. */
async function monitorUntil<T>(check: () => Promise<T | undefined | null | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await syncClusterCapacity(getDb(), clusterId);
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error("condition not reached");
    await new Promise((r) => setTimeout(r, 150));
  }
}

const incidentOf = async (instanceId: string, kind: string) => (await getDb().select().from(incidents).where(and(eq(incidents.instanceId, instanceId), eq(incidents.kind, kind as never))))[0];
const timeline = async (incidentId: string) => (await getDb().select().from(incidentEvents).where(eq(incidentEvents.incidentId, incidentId)).orderBy(asc(incidentEvents.at))).map((e) => e.kind);

describe("recovery", () => {
  it("detects a crash loop, restarts the pods, and resolves the incident with a time to recover once healthy", async () => {
    const created = await owner.instances.create({ orgId, planId: planIds["hello-web/standard"]!, name: "crashy" });
    await settle(created.id);
    await monitorUntil(async () => (await getDb().select().from(instanceHealth).where(eq(instanceHealth.instanceId, created.id)))[0]?.status === "healthy");
    const fault = await sim.admin.crashLoop(CLUSTER, { namespace: created.namespace });
    const incident = await monitorUntil(async () => {
      const i = await incidentOf(created.id, "crash_loop");
      return i && i.attempts > 0 ? i : null;
    });
    expect(incident.status).toBe("recovering");
    const restarts = await getDb().select().from(workflowRuns).where(and(eq(workflowRuns.subjectId, created.id), eq(workflowRuns.type, "instance-recover-restart")));
    expect(restarts.length).toBeGreaterThanOrEqual(1);
    await sim.admin.clearFault(CLUSTER, fault.id);
    const resolved = await monitorUntil(async () => {
      const i = await incidentOf(created.id, "crash_loop");
      return i?.status === "resolved" ? i : null;
    });
    expect(resolved.outcome).toBe("recovered");
    expect(resolved.ttrMs).toBeGreaterThan(0);
    expect(await timeline(resolved.id)).toEqual(expect.arrayContaining(["detected", "action", "outcome"]));
  });

  it("moves pods off a lost node at once instead of waiting for Kubernetes' eviction", async () => {
    const created = await owner.instances.create({ orgId, planId: planIds["hello-web/standard"]!, name: "nodey" });
    await settle(created.id);
    const { core } = clientsFor(sim, CLUSTER);
    const pods = (await core.listNamespacedPod({ namespace: created.namespace })).items;
    const node = pods[0]!.spec!.nodeName!;
    await sim.admin.nodeDown(CLUSTER, node);
    const resolved = await monitorUntil(async () => {
      const i = await incidentOf(created.id, "node_lost");
      return i?.status === "resolved" ? i : null;
    });
    expect(resolved.outcome).toBe("recovered");
    const now = (await core.listNamespacedPod({ namespace: created.namespace })).items.filter((p) => !p.metadata?.deletionTimestamp);
    expect(now.every((p) => p.spec?.nodeName !== node)).toBe(true);
    const [health] = await getDb().select().from(instanceHealth).where(eq(instanceHealth.instanceId, created.id));
    expect(health?.status).toBe("healthy");
    await sim.admin.nodeUp(CLUSTER, node);
  });

  it("escalates to a person when restarts do not help", async () => {
    const created = await owner.instances.create({ orgId, planId: planIds["hello-web/free"]!, name: "hopeless" });
    await settle(created.id);
    await sim.admin.crashLoop(CLUSTER, { namespace: created.namespace });
    // Three restarts, then a person: the backoff between them is cut short by moving next_action_at.
    const escalated = await monitorUntil(async () => {
      await getDb().update(incidents).set({ nextActionAt: null }).where(eq(incidents.instanceId, created.id));
      const i = await incidentOf(created.id, "crash_loop");
      return i?.status === "needs_attention" ? i : null;
    }, 60_000);
    expect(escalated.attempts).toBe(3);
    expect(await timeline(escalated.id)).toContain("escalated");
    await sim.admin.clearFaults(CLUSTER);
  }, 90_000);
});
