// Test helper: a small fleet for tests that provision real instances: kubesim clusters registered by a platform
// admin, the demo catalog, a customer organization, and workflow workers in this process.
import type { Worker } from "bullmq";
import { eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { clusters, plans, services, users } from "@/db/schema";
import { seedDemo } from "@/db/seed";
import { closeQueues } from "@/server/jobs/queues";
import { invalidatePlacementView } from "@/server/placement/reserve-placement";
import { startKubesim, type Kubesim, type KubesimOptions } from "@/kubesim/index";
import { workflowStepsProcessor } from "@/workers/processors/workflows";
import { startWorkers } from "@/workers/start-workers";
import { markSubscribed, signUpWithOrg, userCaller, type Caller } from "./callers";

export type FleetTestbed = {
  sim: Kubesim;
  platform: Caller;
  owner: Caller;
  orgId: string;
  /** Plan ids by "<service slug>/<plan slug>" (the demo catalog). */
  planIds: Record<string, string>;
  /** Registered cluster ids by name. */
  clusterIds: Record<string, string>;
  /** Waits until the instance is Running with no run pending (fails fast when it failed). */
  settle(instanceId: string, state?: string, timeoutMs?: number): Promise<Awaited<ReturnType<Caller["instances"]["get"]>>>;
  stop(): Promise<void>;
};

export async function startFleetTestbed(opts: { kubesim: KubesimOptions; customer: string; subscribed?: boolean }): Promise<FleetTestbed> {
  const sim = await startKubesim(opts.kubesim);
  const db = getDb();
  await seedDemo(db);
  const planIds: Record<string, string> = {};
  for (const p of await db.select({ id: plans.id, slug: plans.slug, service: services.slug }).from(plans).innerJoin(services, eq(services.id, plans.serviceId))) {
    planIds[`${p.service}/${p.slug}`] = p.id;
  }
  const admin = await signUpWithOrg("Platform");
  await db.update(users).set({ platformRole: "platform_admin" }).where(eq(users.id, admin.owner.userId));
  const platform = await userCaller(admin.owner.userId);
  for (const c of sim.clusters) await platform.clusters.register({ name: c.name, region: c.region, kubeconfig: c.kubeconfigYaml });
  invalidatePlacementView();
  const clusterIds = Object.fromEntries((await db.select({ id: clusters.id, name: clusters.name }).from(clusters)).map((c) => [c.name, c.id]));
  const customer = await signUpWithOrg(opts.customer);
  if (opts.subscribed) await markSubscribed(customer.orgId);
  const workers: Worker[] = await startWorkers([workflowStepsProcessor], { schedules: false });
  const owner = customer.owner.caller;
  const orgId = customer.orgId;
  return {
    sim,
    platform,
    owner,
    orgId,
    planIds,
    clusterIds,
    async settle(instanceId, state = "running", timeoutMs = 25_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const i = await owner.instances.get({ orgId, instanceId });
        if (i.observedState === state && !i.runs.some((r) => ["running", "queued", "cancelling", "paused"].includes(r.status))) return i;
        if ((i.observedState === "failed" && state !== "failed") || Date.now() > deadline) throw new Error(`instance is ${i.observedState} (${i.statusMessage}), expected ${state}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      await Promise.all(workers.map((w) => w.close()));
      await closeQueues();
      await sim.stop();
    },
  };
}
