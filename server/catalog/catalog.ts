// The provider's catalog: services, versions and plans, managed by platform admins and browsed by customers.
import { and, asc, desc, eq } from "drizzle-orm";
import { z } from "zod";
import type { Db, DbOrTx } from "@/db/client";
import { clusters, plans, services, serviceVersions } from "@/db/schema";
import { recordAudit } from "@/server/audit/record-audit";
import type { ActorContext } from "@/server/auth/actor";
import { DomainError, isUniqueViolation } from "@/server/errors/domain-error";
import { slugSchema } from "@/server/orgs/organizations";
import { formatProblems, previewTemplate, SAMPLE_VALUES, validateTemplate } from "./template";

export const serviceInput = z.object({
  slug: slugSchema,
  name: z.string().trim().min(2, "must be at least 2 characters").max(80),
  description: z.string().trim().max(2000).default(""),
  kind: z.enum(["stateless", "stateful"]),
});

export const updateServiceInput = z.object({
  serviceId: z.uuid(),
  name: z.string().trim().min(2).max(80).optional(),
  description: z.string().trim().max(2000).optional(),
  archived: z.boolean().optional(),
});

export const versionInput = z.object({
  serviceId: z.uuid(),
  version: z.string().trim().regex(/^\d+\.\d+\.\d+([-.][0-9A-Za-z.-]+)?$/, "use semantic versioning, e.g. 1.2.3"),
  image: z.string().trim().min(3).max(300).regex(/^[a-z0-9./:_@-]+$/i, "must be an image reference such as registry/name:tag"),
  manifestTemplate: z.string().min(10, "is required").max(100_000),
  upgradeStrategy: z.enum(["rolling", "recreate"]).default("rolling"),
  makeDefault: z.boolean().default(false),
  releaseNotes: z.string().trim().max(20_000).default(""),
  /** Stateful services: snapshot every volume before the first pod is replaced. */
  snapshotBeforeUpgrade: z.boolean().default(false),
  /** Stateful services: seconds each replaced pod must stay ready before the next goes. */
  replicaGateSeconds: z.number().int().min(0).max(3600).default(0),
  mandatory: z.boolean().default(false),
  deadlineAt: z.coerce.date().nullish(),
});

export const planInput = z.object({
  serviceId: z.uuid(),
  slug: slugSchema,
  name: z.string().trim().min(2).max(80),
  cpuMillis: z.number().int().min(50, "must be at least 50 millicores").max(64_000),
  memoryMb: z.number().int().min(64, "must be at least 64 MiB").max(262_144),
  storageGb: z.number().int().min(0).max(10_000).default(0),
  replicas: z.number().int().min(1).max(20).default(1),
  scaleToZero: z.boolean().default(false),
  idleTimeoutSeconds: z.number().int().min(60).max(7 * 86_400).default(900),
  free: z.boolean().default(false),
  priceMonthlyCents: z.number().int().min(0).max(10_000_000).default(0),
  stripePriceId: z.string().trim().max(200).nullish(),
  stripeMeteredPriceId: z.string().trim().max(200).nullish(),
  features: z.array(z.string().trim().min(1).max(120)).max(20).default([]),
});

export const updatePlanInput = planInput.omit({ serviceId: true, slug: true }).partial().extend({ planId: z.uuid(), active: z.boolean().optional() });

function conflict(err: unknown, constraint: string, message: string, field: string): never {
  if (isUniqueViolation(err, constraint)) throw new DomainError("CONFLICT", message, { field });
  throw err;
}

export async function createService(db: Db, ctx: ActorContext, input: z.infer<typeof serviceInput>) {
  try {
    return await db.transaction(async (tx) => {
      const [row] = await tx.insert(services).values(input).returning();
      await recordAudit(tx, ctx, { orgId: null, action: "catalog.service_create", targetType: "service", targetId: row!.id, details: { slug: input.slug } });
      return row!;
    });
  } catch (err) {
    conflict(err, "services_slug_unique", `A service with the address "${input.slug}" already exists`, "slug");
  }
}

export async function updateService(db: Db, ctx: ActorContext, input: z.infer<typeof updateServiceInput>) {
  const { serviceId, ...changes } = input;
  return db.transaction(async (tx) => {
    const [row] = await tx.update(services).set(changes).where(eq(services.id, serviceId)).returning();
    if (!row) throw new DomainError("NOT_FOUND", "Service not found");
    await recordAudit(tx, ctx, { orgId: null, action: "catalog.service_update", targetType: "service", targetId: serviceId, details: changes });
    return row;
  });
}

async function requireService(tx: DbOrTx, serviceId: string) {
  const [svc] = await tx.select().from(services).where(eq(services.id, serviceId));
  if (!svc) throw new DomainError("NOT_FOUND", "Service not found", { field: "serviceId" });
  return svc;
}

/** Adds a version; the first version of a service, or one marked so, becomes the default for new instances. */
export async function createServiceVersion(db: Db, ctx: ActorContext, input: z.infer<typeof versionInput>) {
  const { makeDefault, ...values } = input;
  if (input.mandatory && !input.deadlineAt) throw new DomainError("BAD_REQUEST", "deadlineAt: a mandatory patch needs a deadline", { field: "deadlineAt" });
  if (!input.mandatory && input.deadlineAt) throw new DomainError("BAD_REQUEST", "deadlineAt: only a mandatory patch has a deadline", { field: "deadlineAt" });
  const problems = validateTemplate(input.manifestTemplate);
  if (problems.length) throw new DomainError("BAD_REQUEST", `The manifest template has problems: ${formatProblems(problems)}`, { field: "manifestTemplate" });
  try {
    return await db.transaction(async (tx) => {
      await requireService(tx, input.serviceId);
      const existing = await tx.select({ id: serviceVersions.id }).from(serviceVersions).where(eq(serviceVersions.serviceId, input.serviceId)).limit(1);
      const isDefault = makeDefault || existing.length === 0;
      if (isDefault) await tx.update(serviceVersions).set({ isDefault: false }).where(eq(serviceVersions.serviceId, input.serviceId));
      const [row] = await tx.insert(serviceVersions).values({ ...values, isDefault }).returning();
      await recordAudit(tx, ctx, { orgId: null, action: "catalog.version_create", targetType: "service_version", targetId: row!.id, details: { version: input.version, image: input.image, mandatory: input.mandatory } });
      return row!;
    });
  } catch (err) {
    conflict(err, "service_versions_service_version_key", `Version ${input.version} already exists for this service`, "version");
  }
}

export async function setDefaultVersion(db: Db, ctx: ActorContext, versionId: string) {
  return db.transaction(async (tx) => {
    const [v] = await tx.select().from(serviceVersions).where(eq(serviceVersions.id, versionId)).for("update");
    if (!v) throw new DomainError("NOT_FOUND", "Version not found");
    await tx.update(serviceVersions).set({ isDefault: false }).where(eq(serviceVersions.serviceId, v.serviceId));
    await tx.update(serviceVersions).set({ isDefault: true }).where(eq(serviceVersions.id, versionId));
    await recordAudit(tx, ctx, { orgId: null, action: "catalog.version_default", targetType: "service_version", targetId: versionId, details: { version: v.version } });
  });
}

export async function createPlan(db: Db, ctx: ActorContext, input: z.infer<typeof planInput>) {
  if (!input.free && input.priceMonthlyCents === 0 && !input.stripeMeteredPriceId) {
    throw new DomainError("BAD_REQUEST", "A paid plan needs a monthly price or a metered price id", { field: "priceMonthlyCents" });
  }
  try {
    return await db.transaction(async (tx) => {
      await requireService(tx, input.serviceId);
      const [row] = await tx.insert(plans).values(input).returning();
      await recordAudit(tx, ctx, { orgId: null, action: "catalog.plan_create", targetType: "plan", targetId: row!.id, details: { slug: input.slug } });
      return row!;
    });
  } catch (err) {
    conflict(err, "plans_service_slug_key", `A plan "${input.slug}" already exists for this service`, "slug");
  }
}

export async function updatePlan(db: Db, ctx: ActorContext, input: z.infer<typeof updatePlanInput>) {
  const { planId, ...changes } = input;
  return db.transaction(async (tx) => {
    const [row] = await tx.update(plans).set(changes).where(eq(plans.id, planId)).returning();
    if (!row) throw new DomainError("NOT_FOUND", "Plan not found");
    await recordAudit(tx, ctx, { orgId: null, action: "catalog.plan_update", targetType: "plan", targetId: planId, details: changes });
    return row;
  });
}

/** The whole catalog with versions and plans; customers see only active, non-archived entries. */
export async function listCatalog(db: Db, opts: { includeInactive: boolean }) {
  const svcRows = await db.select().from(services).where(opts.includeInactive ? undefined : eq(services.archived, false)).orderBy(asc(services.name));
  const versionRows = await db.select().from(serviceVersions).orderBy(desc(serviceVersions.createdAt));
  const planRows = await db
    .select()
    .from(plans)
    .where(opts.includeInactive ? undefined : and(eq(plans.active, true)))
    .orderBy(asc(plans.cpuMillis));
  return svcRows.map((s) => ({
    ...s,
    versions: versionRows.filter((v) => v.serviceId === s.id).map((v) => (opts.includeInactive ? v : { ...v, manifestTemplate: "" })),
    plans: planRows.filter((p) => p.serviceId === s.id),
  }));
}

/** Regions customers can choose: those with at least one cluster taking new instances. */
export async function listRegions(db: Db): Promise<string[]> {
  const rows = await db.selectDistinct({ region: clusters.region }).from(clusters).where(eq(clusters.cordoned, false)).orderBy(asc(clusters.region));
  return rows.map((r) => r.region);
}

export const previewInput = z.object({ manifestTemplate: z.string().min(1, "is required").max(100_000), image: z.string().trim().max(300).optional() });

/** The template rendered with sample values (what an instance would get), or its problems with line numbers. */
export function previewManifest(input: z.infer<typeof previewInput>) {
  const result = previewTemplate(input.manifestTemplate, { ...SAMPLE_VALUES, ...(input.image ? { image: input.image } : {}) });
  return result.ok ? { ok: true as const, yaml: result.yaml } : { ok: false as const, problems: result.problems };
}
