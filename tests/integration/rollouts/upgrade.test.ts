// Upgrading one instance to a newly published version: the workload's image changes on the cluster, the run waits
// for the new pods, the instance records the version; a stateful instance (StatefulSet) is replaced pod by pod.
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db/client";
import { instances, serviceVersions, services } from "@/db/schema";
import type { Kubesim } from "@/kubesim/index";
import { clientsFor, FAST_TIMERS } from "../kubesim/helpers";
import { expectTRPCError, type Caller } from "../../helpers/callers";
import { startFleetTestbed, type FleetTestbed } from "../../helpers/fleet-testbed";

let bed: FleetTestbed;
let sim: Kubesim;
let owner: Caller;
let orgId = "";
let planIds: Record<string, string> = {};
let platform: Caller;

beforeAll(async () => {
  bed = await startFleetTestbed({ kubesim: { clusters: [{ name: "up-eu", region: "eu-west-1", nodeCount: 3, nodeShape: { cpu: "8", memory: "32Gi", pods: 110 } }], podStartDelayMs: 20, timers: FAST_TIMERS }, customer: "Upgrade Co", subscribed: true });
  ({ sim, owner, orgId, planIds } = bed);
  platform = bed.platform;
}, 60_000);

afterAll(async () => {
  await bed?.stop();
});

const settle = (instanceId: string) => bed.settle(instanceId);

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
