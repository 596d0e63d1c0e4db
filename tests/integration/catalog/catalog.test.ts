// The catalog: platform admins manage services, versions and plans; customers browse active entries; the demo seed is idempotent.
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { count, eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { auditLog, organizations, plans, services, serviceVersions, users } from "@/db/schema";
import { seedDemo } from "@/db/seed";
import { type Caller, expectBadInput, expectTRPCError, signUp, userCaller } from "../../helpers/callers";

let admin: Caller;
let customer: Caller;

beforeAll(async () => {
  const staff = await signUp();
  await getDb().update(users).set({ platformRole: "platform_admin" }).where(eq(users.id, staff.userId));
  admin = await userCaller(staff.userId);
  customer = (await signUp()).caller;
});

const slug = (tag: string) => `${tag}-${randomUUID().slice(0, 6)}`;
const manifest = [
  "apiVersion: apps/v1",
  "kind: Deployment",
  "metadata: { name: {{name}} }",
  "spec:",
  "  replicas: {{replicas}}",
  "  selector: { matchLabels: { app: {{name}} } }",
  "  template:",
  "    metadata: { labels: { app: {{name}} } }",
  "    spec:",
  "      containers:",
  "        - name: app",
  "          image: {{image}}",
  "          resources: { requests: { cpu: {{cpu}}, memory: {{memory}} }, limits: { cpu: {{cpu}}, memory: {{memory}} } }",
  "",
].join("\n");

async function newService(kind: "stateless" | "stateful" = "stateless") {
  return admin.catalog.createService({ slug: slug("svc"), name: "Test Service", kind });
}

describe("catalog management", () => {
  it("lets a platform admin create a service, a version and plans, each audited", async () => {
    const svc = await newService("stateful");
    expect(svc).toMatchObject({ kind: "stateful", archived: false, description: "" });
    const v1 = await admin.catalog.createVersion({ serviceId: svc.id, version: "1.0.0", image: "registry.example.com/app:1.0.0", manifestTemplate: manifest });
    expect(v1.isDefault).toBe(true); // the first version becomes the default
    const v2 = await admin.catalog.createVersion({ serviceId: svc.id, version: "1.1.0-rc.1", image: "registry.example.com/app:1.1.0", manifestTemplate: manifest });
    expect(v2.isDefault).toBe(false);
    await admin.catalog.setDefaultVersion({ versionId: v2.id });
    const defaults = await getDb().select().from(serviceVersions).where(eq(serviceVersions.serviceId, svc.id));
    expect(defaults.filter((v) => v.isDefault).map((v) => v.id)).toEqual([v2.id]);

    const free = await admin.catalog.createPlan({ serviceId: svc.id, slug: "free", name: "Free", cpuMillis: 100, memoryMb: 128, free: true });
    expect(free).toMatchObject({ free: true, priceMonthlyCents: 0, replicas: 1, active: true, features: [] });
    const paid = await admin.catalog.createPlan({ serviceId: svc.id, slug: "pro", name: "Pro", cpuMillis: 1000, memoryMb: 1024, storageGb: 10, priceMonthlyCents: 2500 });
    expect(paid.priceMonthlyCents).toBe(2500);
    const metered = await admin.catalog.createPlan({ serviceId: svc.id, slug: "metered", name: "Metered", cpuMillis: 500, memoryMb: 512, stripeMeteredPriceId: "price_123" });
    expect(metered.stripeMeteredPriceId).toBe("price_123");

    const audited = await getDb().select({ action: auditLog.action, actorType: auditLog.actorType }).from(auditLog).where(eq(auditLog.targetId, svc.id));
    expect(audited).toEqual([{ action: "catalog.service_create", actorType: "user" }]);
    const [planAudit] = await getDb().select({ n: count() }).from(auditLog).where(eq(auditLog.action, "catalog.plan_create"));
    expect(planAudit!.n).toBeGreaterThanOrEqual(3);
  });

  it("is FORBIDDEN to customers", async () => {
    await expectTRPCError(customer.catalog.createService({ slug: slug("svc"), name: "Nope", kind: "stateless" }), "FORBIDDEN");
    await expectTRPCError(customer.catalog.adminList(), "FORBIDDEN");
  });

  it("answers CONFLICT for a duplicate service slug, version or plan slug", async () => {
    const svc = await newService();
    const err = await expectTRPCError(admin.catalog.createService({ slug: svc.slug, name: "Copy", kind: "stateless" }), "CONFLICT", svc.slug);
    expect((err.cause as { field?: string }).field).toBe("slug");
    await admin.catalog.createVersion({ serviceId: svc.id, version: "2.0.0", image: "app:2", manifestTemplate: manifest });
    await expectTRPCError(admin.catalog.createVersion({ serviceId: svc.id, version: "2.0.0", image: "app:2b", manifestTemplate: manifest }), "CONFLICT");
    await admin.catalog.createPlan({ serviceId: svc.id, slug: "basic", name: "Basic", cpuMillis: 100, memoryMb: 128, free: true });
    await expectTRPCError(admin.catalog.createPlan({ serviceId: svc.id, slug: "basic", name: "Basic 2", cpuMillis: 100, memoryMb: 128, free: true }), "CONFLICT");
    // The same plan slug under another service is fine.
    const other = await newService();
    await expect(admin.catalog.createPlan({ serviceId: other.id, slug: "basic", name: "Basic", cpuMillis: 100, memoryMb: 128, free: true })).resolves.toMatchObject({ slug: "basic" });
  });

  it("answers BAD_REQUEST naming the field for a version that is not semver", async () => {
    const svc = await newService();
    await expectBadInput(admin.catalog.createVersion({ serviceId: svc.id, version: "1.2", image: "app:1.2", manifestTemplate: manifest }), "version");
    const bad = await expectTRPCError(admin.catalog.createVersion({ serviceId: svc.id, version: "3.0.0", image: "app:3", manifestTemplate: "kind: Deployment\nmetadata: { name: {{nope}} }\n" }), "BAD_REQUEST");
    expect(bad.message).toMatch(/nope/);
    const preview = await admin.catalog.previewManifest({ manifestTemplate: manifest });
    expect(preview.ok && preview.yaml).toMatch(/name: sample/);
    expect(await getDb().select().from(serviceVersions).where(eq(serviceVersions.serviceId, svc.id))).toEqual([]);
  });

  it("answers BAD_REQUEST for a paid plan without a price, naming the price field", async () => {
    const svc = await newService();
    await expectBadInput(admin.catalog.createPlan({ serviceId: svc.id, slug: "paid", name: "Paid", cpuMillis: 500, memoryMb: 512 }), "priceMonthlyCents");
    expect(await getDb().select().from(plans).where(eq(plans.serviceId, svc.id))).toEqual([]);
  });

  it("answers NOT_FOUND for a plan or version of an unknown service", async () => {
    await expectTRPCError(admin.catalog.createPlan({ serviceId: randomUUID(), slug: "x-plan", name: "X plan", cpuMillis: 100, memoryMb: 128, free: true }), "NOT_FOUND");
    await expectTRPCError(admin.catalog.createVersion({ serviceId: randomUUID(), version: "1.0.0", image: "app:1", manifestTemplate: manifest }), "NOT_FOUND");
  });
});

describe("catalog.list", () => {
  it("hides inactive plans and archived services from customers, and blanks manifests; adminList shows everything", async () => {
    const visible = await newService();
    await admin.catalog.createVersion({ serviceId: visible.id, version: "1.0.0", image: "app:1", manifestTemplate: manifest });
    const kept = await admin.catalog.createPlan({ serviceId: visible.id, slug: "kept", name: "Kept", cpuMillis: 100, memoryMb: 128, free: true });
    const retired = await admin.catalog.createPlan({ serviceId: visible.id, slug: "retired", name: "Retired", cpuMillis: 200, memoryMb: 256, free: true });
    await admin.catalog.updatePlan({ planId: retired.id, active: false });
    const archived = await newService();
    await admin.catalog.updateService({ serviceId: archived.id, archived: true });

    const forCustomer = await customer.catalog.list();
    const shown = forCustomer.find((s) => s.id === visible.id);
    expect(shown?.plans.map((p) => p.id)).toEqual([kept.id]);
    expect(shown?.versions.map((v) => v.manifestTemplate)).toEqual([""]);
    expect(forCustomer.some((s) => s.id === archived.id)).toBe(false);

    const forAdmin = await admin.catalog.adminList();
    expect(forAdmin.find((s) => s.id === visible.id)?.plans.map((p) => p.id).sort()).toEqual([kept.id, retired.id].sort());
    expect(forAdmin.find((s) => s.id === visible.id)?.versions[0]?.manifestTemplate).toBe(manifest);
    expect(forAdmin.some((s) => s.id === archived.id)).toBe(true);
  });
});

describe("seedDemo", () => {
  async function counts() {
    const q = async (table: typeof services | typeof serviceVersions | typeof plans | typeof users | typeof organizations) => (await getDb().select({ n: count() }).from(table))[0]!.n;
    return { services: await q(services), versions: await q(serviceVersions), plans: await q(plans), users: await q(users), organizations: await q(organizations) };
  }

  it("seeds two services with three plans each and two users once; a second run changes nothing", async () => {
    const before = await counts();
    const first = await seedDemo(getDb());
    expect(first.created).toBe(true);
    expect(first.credentials.map((c) => c.email).sort()).toEqual(["admin@fleetplane.local", "demo@fleetplane.local"]);
    const afterFirst = await counts();
    expect(afterFirst).toEqual({
      services: before.services + 2,
      versions: before.versions + 2,
      plans: before.plans + 6,
      users: before.users + 2,
      organizations: before.organizations + 1,
    });

    const second = await seedDemo(getDb());
    expect(second).toEqual({ created: false, credentials: [] });
    expect(await counts()).toEqual(afterFirst);

    const [demoAdmin] = await getDb().select().from(users).where(eq(users.email, "admin@fleetplane.local"));
    expect(demoAdmin?.platformRole).toBe("platform_admin");
    const catalog = await customer.catalog.list();
    for (const s of ["hello-web", "postgres"]) {
      const svc = catalog.find((c) => c.slug === s);
      expect(svc?.plans).toHaveLength(3);
      expect(svc?.versions.filter((v) => v.isDefault)).toHaveLength(1);
    }
  });
});
