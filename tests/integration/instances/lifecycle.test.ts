// The instance lifecycle end to end: API → workflow runs on a real BullMQ worker → kubesim through client-node,
// checking the cluster's actual objects after each operation.
import type { Worker } from "bullmq";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db/client";
import { instances, plans, reservations, services, users } from "@/db/schema";
import { seedDemo } from "@/db/seed";
import { closeQueues } from "@/server/jobs/queues";
import { invalidatePlacementView } from "@/server/placement/reserve-placement";
import { startKubesim, type Kubesim } from "@/kubesim/index";
import { workflowStepsProcessor } from "@/workers/processors/workflows";
import { startWorkers } from "@/workers/start-workers";
import { clientsFor, FAST_TIMERS, waitFor } from "../kubesim/helpers";
import { expectTRPCError, markSubscribed, signUpWithOrg, userCaller, type Caller } from "../../helpers/callers";

let sim: Kubesim;
let workers: Worker[] = [];
let owner: Caller;
let orgId = "";
const planIds: Record<string, string> = {};

beforeAll(async () => {
  sim = await startKubesim({
    clusters: [
      { name: "life-eu", region: "eu-west-1", nodeCount: 3, nodeShape: { cpu: "8", memory: "32Gi", pods: 110 } },
      { name: "life-eu2", region: "eu-west-1", nodeCount: 3, nodeShape: { cpu: "8", memory: "32Gi", pods: 110 } },
    ],
    podStartDelayMs: 20,
    timers: FAST_TIMERS,
  });
  const db = getDb();
  await seedDemo(db);
  for (const p of await db.select({ id: plans.id, slug: plans.slug, service: services.slug }).from(plans).innerJoin(services, eq(services.id, plans.serviceId))) {
    planIds[`${p.service}/${p.slug}`] = p.id;
  }
  const admin = await signUpWithOrg("Platform");
  await db.update(users).set({ platformRole: "platform_admin" }).where(eq(users.id, admin.owner.userId));
  const platform = await userCaller(admin.owner.userId);
  for (const c of sim.clusters) await platform.clusters.register({ name: c.name, region: c.region, kubeconfig: c.kubeconfigYaml });
  invalidatePlacementView();
  const customer = await signUpWithOrg("Customer");
  owner = customer.owner.caller;
  orgId = customer.orgId;
  await markSubscribed(orgId);
  workers = await startWorkers([workflowStepsProcessor], { schedules: false });
}, 60_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.close()));
  await closeQueues();
  await sim?.stop();
});

async function waitForState(instanceId: string, state: string, timeoutMs = 25_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const i = await owner.instances.get({ orgId, instanceId });
    if (i.observedState === "failed" && state !== "failed") throw new Error(`instance failed: ${i.statusMessage}`);
    if (i.observedState === state && !i.runs.some((r) => ["running", "queued", "cancelling", "paused"].includes(r.status))) return i;
    if (Date.now() > deadline) {
      const run = i.runs[0] ? await owner.runs.get({ orgId, runId: i.runs[0].id }) : undefined;
      const steps = run?.steps.map((s) => `${s.name}:${s.status}:${s.attempts}${s.error ? `:${s.error}` : ""}`).join(", ");
      throw new Error(`instance is ${i.observedState} (${i.statusMessage}), expected ${state}; last run ${run?.type} ${run?.status}: ${steps}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function httpStatus(host: string, port: number): Promise<number | "refused"> {
  try {
    return (await fetch(`http://${host}:${port}/`)).status;
  } catch {
    return "refused";
  }
}

describe("instance lifecycle against kubesim", () => {
  let id = "";

  it("creates, provisions step by step and serves on its endpoint", async () => {
    const created = await owner.instances.create({ orgId, planId: planIds["hello-web/standard"]!, name: "shop", region: "eu-west-1" });
    id = created.id;
    const running = await waitForState(id, "running");
    expect(running.observedReplicas).toBe(2);
    expect(running.endpointHost).toBe("127.0.0.1");
    expect(await httpStatus(running.endpointHost!, running.endpointPort!)).toBe(200);
    const run = await owner.runs.get({ orgId, runId: created.runId });
    expect(run.status).toBe("succeeded");
    expect(run.steps.map((s) => s.name)).toEqual(["start", "place", "namespace", "credentials", "workload", "wait-ready", "endpoint"]);
    const [row] = await getDb().select().from(instances).where(eq(instances.id, id));
    const { core, apps } = clientsFor(sim, running.clusterName!);
    const ns = await core.readNamespace({ name: row!.namespace });
    expect(ns.metadata?.labels?.["fleetplane.dev/instance"]).toBe(id);
    expect((await apps.readNamespacedDeployment({ name: "shop", namespace: row!.namespace })).spec?.replicas).toBe(2);
    expect((await core.listNamespacedResourceQuota({ namespace: row!.namespace })).items).toHaveLength(1);
    expect(running.placement?.placed).toBe(true);
    expect(running.placement?.candidates.length).toBe(2);
  });

  it("shows the credentials once", async () => {
    const creds = await owner.instances.revealCredentials({ orgId, instanceId: id });
    expect(creds.username.length).toBeGreaterThan(0);
    expect(creds.password.length).toBeGreaterThanOrEqual(16);
    await expectTRPCError(owner.instances.revealCredentials({ orgId, instanceId: id }), "PRECONDITION_FAILED", /already shown/);
  });

  it("scales, stops (endpoint refuses, data kept) and starts again", async () => {
    await owner.instances.scale({ orgId, instanceId: id, replicas: 3 });
    expect((await waitForState(id, "running")).observedReplicas).toBe(3);
    await owner.instances.stop({ orgId, instanceId: id });
    const stopped = await waitForState(id, "stopped");
    await waitFor("endpoint refuses", async () => (await httpStatus(stopped.endpointHost!, stopped.endpointPort!)) === "refused", 10_000);
    const [row] = await getDb().select().from(instances).where(eq(instances.id, id));
    expect((await clientsFor(sim, stopped.clusterName!).core.readNamespace({ name: row!.namespace })).metadata?.name).toBe(row!.namespace);
    await owner.instances.start({ orgId, instanceId: id });
    const started = await waitForState(id, "running");
    expect(await httpStatus(started.endpointHost!, started.endpointPort!)).toBe(200);
  });

  it("restarts and changes plan in place", async () => {
    await owner.instances.restart({ orgId, instanceId: id });
    await waitForState(id, "running");
    await owner.instances.changePlan({ orgId, instanceId: id, planId: planIds["hello-web/pro"]! });
    const changed = await waitForState(id, "running");
    expect(changed.planName).toBe("Pro");
    const held = await getDb().select().from(reservations).where(eq(reservations.subjectId, id));
    expect(held).toHaveLength(3);
    expect(held.every((r) => r.cpuMillis === 1000)).toBe(true);
  });

  it("refuses bad input with clear errors and reserves nothing", async () => {
    await expectTRPCError(owner.instances.create({ orgId, planId: planIds["hello-web/free"]!, name: "shop" }), "CONFLICT", /already exists/);
    await expectTRPCError(owner.instances.create({ orgId, planId: planIds["hello-web/free"]!, name: "x", region: "mars-1" }), "PRECONDITION_FAILED", /No capacity.*mars-1/);
    expect((await getDb().select().from(instances).where(eq(instances.name, "x")))).toHaveLength(0);
  });

  it("moves a stateless instance to another cluster", async () => {
    const before = await owner.instances.get({ orgId, instanceId: id });
    const [platformUser] = await getDb().select().from(users).where(eq(users.platformRole, "platform_admin"));
    const platform = await userCaller(platformUser!.id);
    // As a rebalancing proposal would: to a named destination cluster.
    const target = (await platform.clusters.list()).find((c) => c.name !== before.clusterName)!;
    await platform.fleet.applyRebalancingMove({ instanceId: id, toClusterId: target.id });
    const moved = await waitForState(id, "running", 45_000);
    expect(moved.clusterName).toBe(target.name);
    expect(await httpStatus(moved.endpointHost!, moved.endpointPort!)).toBe(200);
    const [row] = await getDb().select().from(instances).where(eq(instances.id, id));
    await waitFor("old namespace gone", async () => {
      try {
        await clientsFor(sim, before.clusterName!).core.readNamespace({ name: row!.namespace });
        return false;
      } catch {
        return true;
      }
    }, 15_000);
  });

  it("deletes: namespace gone, capacity released, record kept", async () => {
    const last = await owner.instances.get({ orgId, instanceId: id });
    const [row] = await getDb().select().from(instances).where(eq(instances.id, id));
    await owner.instances.delete({ orgId, instanceId: id });
    await waitFor("deleted", async () => (await getDb().select().from(instances).where(eq(instances.id, id)))[0]!.observedState === "deleted", 30_000);
    expect(await getDb().select().from(reservations).where(eq(reservations.subjectId, id))).toHaveLength(0);
    await expect(clientsFor(sim, last.clusterName!).core.readNamespace({ name: row!.namespace })).rejects.toBeTruthy();
    expect((await owner.instances.list({ orgId })).map((i) => i.id)).not.toContain(id);
    const [kept] = await getDb().select().from(instances).where(eq(instances.id, id));
    expect(kept!.deletedAt).not.toBeNull();
  });
});
