// Upgrading one instance to a newly published version: the workload's image changes on the cluster, the run waits
// for the new pods, the instance records the version; a stateful instance (StatefulSet) is replaced pod by pod.
import type { Worker } from "bullmq";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db/client";
import { instances, plans, serviceVersions, services, users } from "@/db/schema";
import { seedDemo } from "@/db/seed";
import { closeQueues } from "@/server/jobs/queues";
import { invalidatePlacementView } from "@/server/placement/reserve-placement";
import { startKubesim, type Kubesim } from "@/kubesim/index";
import { workflowStepsProcessor } from "@/workers/processors/workflows";
import { startWorkers } from "@/workers/start-workers";
import { clientsFor, FAST_TIMERS } from "../kubesim/helpers";
import { expectTRPCError, markSubscribed, signUpWithOrg, userCaller, type Caller } from "../../helpers/callers";

let sim: Kubesim;
let workers: Worker[] = [];
let owner: Caller;
let platform: Caller;
let orgId = "";
const planIds: Record<string, string> = {};

beforeAll(async () => {
  sim = await startKubesim({ clusters: [{ name: "up-eu", region: "eu-west-1", nodeCount: 3, nodeShape: { cpu: "8", memory: "32Gi", pods: 110 } }], podStartDelayMs: 20, timers: FAST_TIMERS });
  const db = getDb();
  await seedDemo(db);
  for (const p of await db.select({ id: plans.id, slug: plans.slug, service: services.slug }).from(plans).innerJoin(services, eq(services.id, plans.serviceId))) planIds[`${p.service}/${p.slug}`] = p.id;
  const admin = await signUpWithOrg("Platform");
  await db.update(users).set({ platformRole: "platform_admin" }).where(eq(users.id, admin.owner.userId));
  platform = await userCaller(admin.owner.userId);
  for (const c of sim.clusters) await platform.clusters.register({ name: c.name, region: c.region, kubeconfig: c.kubeconfigYaml });
  invalidatePlacementView();
  const customer = await signUpWithOrg("Upgrade Co");
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

async function settle(instanceId: string) {
  const deadline = Date.now() + 25_000;
  for (;;) {
    const i = await owner.instances.get({ orgId, instanceId });
    if (i.observedState === "failed") throw new Error(`failed: ${i.statusMessage}`);
    if (i.observedState === "running" && !i.runs.some((r) => ["running", "queued"].includes(r.status))) return i;
    if (Date.now() > deadline) throw new Error(`instance is ${i.observedState}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function publish(serviceSlug: string, version: string, image: string) {
  const db = getDb();
  const [svc] = await db.select().from(services).where(eq(services.slug, serviceSlug));
  const [current] = await db.select().from(serviceVersions).where(eq(serviceVersions.serviceId, svc!.id));
  return platform.catalog.createVersion({ serviceId: svc!.id, version, image, manifestTemplate: current!.manifestTemplate });
}

describe("instance upgrade", () => {
  it("rolls a stateless instance to the new version's image and records the version", async () => {
    const created = await owner.instances.create({ orgId, planId: planIds["hello-web/standard"]!, name: "web" });
    await settle(created.id);
    const next = await publish("hello-web", "1.1.0", "registry.example/hello-web:1.1.0");
    await owner.instances.upgrade({ orgId, instanceId: created.id, versionId: next.id });
    const after = await settle(created.id);
    expect(after.version).toBe("1.1.0");
    const { apps, core } = clientsFor(sim);
    const deploy = await apps.readNamespacedDeployment({ name: "web", namespace: created.namespace });
    expect(deploy.spec?.template.spec?.containers[0]?.image).toBe("registry.example/hello-web:1.1.0");
    const pods = (await core.listNamespacedPod({ namespace: created.namespace })).items.filter((p) => !p.metadata?.deletionTimestamp);
    expect(pods.length).toBe(2);
    expect(pods.every((p) => p.spec?.containers[0]?.image === "registry.example/hello-web:1.1.0")).toBe(true);
    await expectTRPCError(owner.instances.upgrade({ orgId, instanceId: created.id, versionId: next.id }), "PRECONDITION_FAILED", /already runs version 1.1.0/);
    const [other] = await getDb().select().from(serviceVersions).innerJoin(services, eq(services.id, serviceVersions.serviceId)).where(eq(services.slug, "postgres"));
    await expectTRPCError(owner.instances.upgrade({ orgId, instanceId: created.id, versionId: other!.service_versions.id }), "NOT_FOUND", /not available/);
    const [row] = await getDb().select({ versionId: instances.versionId }).from(instances).where(eq(instances.id, created.id));
    expect(row?.versionId).toBe(next.id);
  });

  it("upgrades a stateful instance through its StatefulSet", async () => {
    const created = await owner.instances.create({ orgId, planId: planIds["postgres/hobby"]!, name: "db" });
    await settle(created.id);
    const next = await publish("postgres", "16.5.0", "postgres:16.5");
    await owner.instances.upgrade({ orgId, instanceId: created.id, versionId: next.id });
    const after = await settle(created.id);
    expect(after.version).toBe("16.5.0");
    const sts = await clientsFor(sim).apps.readNamespacedStatefulSet({ name: "db", namespace: created.namespace });
    expect(sts.spec?.template.spec?.containers[0]?.image).toBe("postgres:16.5");
    expect(sts.status?.updatedReplicas).toBe(sts.spec?.replicas);
  });
});
