// Customer instances: create (validated, entitled, placed with capacity reserved, provisioned by a workflow) and
// every later change, each as a workflow run queued behind the instance's active one.
import { and, count, desc, eq, inArray, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db, DbOrTx } from "@/db/client";
import { billingAccounts, clusters, instanceHealth, instances, organizations, placementDecisions, plans, services, serviceVersions, workflowRuns } from "@/db/schema";
import { actorLabel, type ActorContext } from "@/server/auth/actor";
import { DomainError, isUniqueViolation } from "@/server/errors/domain-error";
import { getEnv } from "@/server/env";
import { assertEntitled, assertNotSuspended } from "@/server/billing/entitlements";
import { placeAndReserve } from "@/server/placement/reserve-placement";
import { createRun } from "@/server/workflows/runs";
import { titleOf } from "@/server/workflows/queries";
import { inTransaction, type Due } from "@/server/workflows/transitions";
import type { Tx } from "@/db/client";
import { namespaceFor } from "./instance-spec";
import { publishInstanceChange } from "./instance-events";
import { INSTANCE_WORKFLOWS } from "./workflows/definitions";
import { placementRequest } from "./workflows/steps";

export const instanceName = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z]([-a-z0-9]{0,28}[a-z0-9])?$/, "use 1–30 lowercase letters, digits and dashes, starting with a letter");

export const createInstanceInput = z.object({
  orgId: z.uuid(),
  planId: z.uuid(),
  name: instanceName,
  region: z.string().trim().regex(/^[a-z0-9-]{2,40}$/, "is not a region name").optional(),
  parameters: z.record(z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,40}$/), z.string().max(500)).default({}),
});

/**
 * Creates an instance: checks the plan, the name, the organization's quota and entitlement, places it and
 * reserves capacity, and starts the provision workflow, all in one transaction. No capacity → nothing is saved.
 */
export async function createInstance(db: Db, ctx: ActorContext, input: z.infer<typeof createInstanceInput>) {
  try {
    return await inTransaction(db, async (tx, due) => {
      // The plan, its service, the service's default version and the organization's billing status in one read.
      const [row] = await tx
        .select({ plan: plans, service: services, version: serviceVersions, billing: billingAccounts.status })
        .from(plans)
        .innerJoin(services, eq(services.id, plans.serviceId))
        .leftJoin(serviceVersions, and(eq(serviceVersions.serviceId, services.id), eq(serviceVersions.isDefault, true)))
        .leftJoin(billingAccounts, eq(billingAccounts.orgId, input.orgId))
        .where(eq(plans.id, input.planId));
      if (!row || !row.plan.active || row.service.archived) throw new DomainError("NOT_FOUND", "This plan is not available", { field: "planId" });
      const version = row.version;
      if (!version) throw new DomainError("PRECONDITION_FAILED", `${row.service.name} has no version to deploy yet`);
      await assertEntitled(tx, input.orgId, row.plan, row.billing);
      // Serialize creates per organization so the quota check below cannot be raced.
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${"org-instances:" + input.orgId}))`);
      const [{ n } = { n: 0 }] = await tx.select({ n: count() }).from(instances).where(and(eq(instances.orgId, input.orgId), isNull(instances.deletedAt)));
      const max = getEnv().MAX_INSTANCES_PER_ORG;
      if (n >= max) throw new DomainError("PRECONDITION_FAILED", `Your organization has reached its limit of ${max} instances; delete one or ask us to raise the limit`);
      const id = crypto.randomUUID();
      const [instance] = await tx
        .insert(instances)
        .values({
          id,
          orgId: input.orgId,
          serviceId: row.service.id,
          planId: row.plan.id,
          versionId: version.id,
          name: input.name,
          region: input.region ?? null,
          namespace: namespaceFor(id, input.name),
          desiredReplicas: row.plan.replicas,
          parameters: input.parameters,
          createdBy: actorLabel(ctx.actor),
        })
        .returning();
      // Its audit entry is written with the run's, by one statement.
      const audit = { orgId: input.orgId, action: "instances.create", targetType: "instance", targetId: id, details: { name: input.name, plan: row.plan.slug, service: row.service.slug } };
      const run = await createRun(tx, due, ctx, { type: INSTANCE_WORKFLOWS.provision, subjectType: "instance", subjectId: id, orgId: input.orgId, input: { instanceId: id } }, { newSubject: true, audits: [audit] });
      // Placement last: it locks the chosen node until commit, so the lock is held for as few statements as possible.
      const spec = { instance: instance!, plan: row.plan, service: row.service };
      const placed = await placeAndReserve(db, id, placementRequest(spec as never), tx, {
        newSubject: true,
        alsoWhenPlaced: (t, clusterId) => t.update(instances).set({ clusterId }).where(eq(instances.id, id)),
      });
      if (!placed.placed) {
        throw new DomainError("PRECONDITION_FAILED", `No capacity for this plan${input.region ? ` in ${input.region}` : ""} right now: ${placed.reason}`, { field: "region" });
      }
      return { ...instance!, clusterId: placed.clusterId, runId: run.id };
    });
  } catch (err) {
    if (isUniqueViolation(err, "instances_org_name_key")) throw new DomainError("CONFLICT", `An instance named "${input.name}" already exists`, { field: "name" });
    throw err;
  }
}

async function lockInstance(tx: Tx, orgId: string, instanceId: string) {
  const [row] = await tx.select().from(instances).where(and(eq(instances.id, instanceId), eq(instances.orgId, orgId))).for("update");
  if (!row || row.deletedAt) throw new DomainError("NOT_FOUND", "Instance not found");
  if (row.desiredState === "deleted") throw new DomainError("PRECONDITION_FAILED", "This instance is being deleted");
  return row;
}

export async function changeAndRun(
  db: Db,
  ctx: ActorContext,
  orgId: string,
  instanceId: string,
  action: string,
  type: string,
  change: (tx: Tx, row: typeof instances.$inferSelect, due: Due) => Promise<Record<string, unknown> | void>,
  extraInput: Record<string, unknown> = {},
) {
  const result = await inTransaction(db, async (tx, due) => {
    const row = await lockInstance(tx, orgId, instanceId);
    const details = (await change(tx, row, due)) ?? {};
    const audit = { orgId, action, targetType: "instance", targetId: instanceId, details };
    const run = await createRun(tx, due, ctx, { type, subjectType: "instance", subjectId: instanceId, orgId, input: { instanceId, ...extraInput } }, { audits: [audit] });
    return { runId: run.id, status: run.status };
  });
  await publishInstanceChange(instanceId);
  return result;
}

export const scaleInstanceInput = z.object({ orgId: z.uuid(), instanceId: z.uuid(), replicas: z.number().int().min(1).max(20) });

export async function scaleInstance(db: Db, ctx: ActorContext, input: z.infer<typeof scaleInstanceInput>) {
  return changeAndRun(db, ctx, input.orgId, input.instanceId, "instances.scale", INSTANCE_WORKFLOWS.scale, async (tx, row) => {
    if (row.desiredState === "stopped") throw new DomainError("PRECONDITION_FAILED", "Start the instance before scaling it");
    await tx.update(instances).set({ desiredReplicas: input.replicas, updatedAt: new Date() }).where(eq(instances.id, row.id));
    return { from: row.desiredReplicas, to: input.replicas };
  });
}

export async function stopInstance(db: Db, ctx: ActorContext, orgId: string, instanceId: string) {
  return changeAndRun(db, ctx, orgId, instanceId, "instances.stop", INSTANCE_WORKFLOWS.stop, async (tx, row) => {
    if (row.desiredState === "stopped") throw new DomainError("PRECONDITION_FAILED", "The instance is already stopped");
    await tx.update(instances).set({ desiredState: "stopped", updatedAt: new Date() }).where(eq(instances.id, row.id));
  });
}

export async function startInstance(db: Db, ctx: ActorContext, orgId: string, instanceId: string) {
  return changeAndRun(db, ctx, orgId, instanceId, "instances.start", INSTANCE_WORKFLOWS.start, async (tx, row) => {
    if (row.desiredState === "running" && row.observedState !== "stopped" && row.observedState !== "sleeping") throw new DomainError("PRECONDITION_FAILED", "The instance is already running");
    await assertNotSuspended(tx, orgId);
    await tx.update(instances).set({ desiredState: "running", updatedAt: new Date() }).where(eq(instances.id, row.id));
  });
}

export async function restartInstance(db: Db, ctx: ActorContext, orgId: string, instanceId: string) {
  return changeAndRun(db, ctx, orgId, instanceId, "instances.restart", INSTANCE_WORKFLOWS.restart, async (_tx, row) => {
    if (row.desiredState !== "running") throw new DomainError("PRECONDITION_FAILED", "Only a running instance can be restarted");
  });
}

export const changePlanInput = z.object({ orgId: z.uuid(), instanceId: z.uuid(), planId: z.uuid() });

/** Changes plan in place when the new size fits where the instance runs; otherwise says so plainly. */
export async function changeInstancePlan(db: Db, ctx: ActorContext, input: z.infer<typeof changePlanInput>) {
  return changeAndRun(db, ctx, input.orgId, input.instanceId, "instances.change_plan", INSTANCE_WORKFLOWS.changePlan, async (tx, row) => {
    const [plan] = await tx.select().from(plans).where(eq(plans.id, input.planId));
    if (!plan || !plan.active || plan.serviceId !== row.serviceId) throw new DomainError("NOT_FOUND", "This plan is not available for this instance", { field: "planId" });
    if (plan.id === row.planId) throw new DomainError("PRECONDITION_FAILED", "The instance is already on this plan");
    await assertEntitled(tx, row.orgId, plan);
    const [svc] = await tx.select().from(services).where(eq(services.id, row.serviceId));
    const { releaseReservations } = await import("@/server/placement/reserve-placement");
    // Re-reserve at the new size on the same cluster, in this transaction: either it fits or nothing changes.
    await releaseReservations(tx, row.id);
    const placed = await placeAndReserve(db, row.id, { ...placementRequest({ instance: row, plan, service: svc! } as never) }, tx, {
      excludeClusterIds: (await tx.select({ id: clusters.id }).from(clusters)).map((c) => c.id).filter((id) => id !== row.clusterId),
    });
    if (!placed.placed) throw new DomainError("PRECONDITION_FAILED", `The ${plan.name} plan does not fit on this instance's cluster: ${placed.reason}`);
    await tx.update(instances).set({ planId: plan.id, desiredReplicas: plan.replicas, updatedAt: new Date() }).where(eq(instances.id, row.id));
    return { from: row.planId, to: plan.id };
  });
}

/** Moves a stateless instance to another cluster (to `toClusterId` when given, e.g. from a rebalancing proposal). */
export async function moveInstance(db: Db, ctx: ActorContext, orgId: string, instanceId: string, toClusterId?: string) {
  return changeAndRun(
    db,
    ctx,
    orgId,
    instanceId,
    "instances.move",
    INSTANCE_WORKFLOWS.move,
    async (tx, row) => {
      const [svc] = await tx.select().from(services).where(eq(services.id, row.serviceId));
      if (svc?.kind !== "stateless") throw new DomainError("PRECONDITION_FAILED", "Only stateless instances can move between clusters");
      if (toClusterId === row.clusterId) throw new DomainError("PRECONDITION_FAILED", "The instance already runs on that cluster");
      return { fromClusterId: row.clusterId, toClusterId: toClusterId ?? null };
    },
    toClusterId ? { toClusterId } : {},
  );
}

/** Applies one move of the latest rebalancing proposal (platform admins). */
export async function applyRebalancingMove(db: Db, ctx: ActorContext, instanceId: string, toClusterId: string) {
  const [row] = await db.select({ orgId: instances.orgId }).from(instances).where(eq(instances.id, instanceId));
  if (!row) throw new DomainError("NOT_FOUND", "Instance not found");
  return moveInstance(db, ctx, row.orgId, instanceId, toClusterId);
}

export async function deleteInstance(db: Db, ctx: ActorContext, orgId: string, instanceId: string) {
  return changeAndRun(db, ctx, orgId, instanceId, "instances.delete", INSTANCE_WORKFLOWS.delete, async (tx, row) => {
    await tx.update(instances).set({ desiredState: "deleted", updatedAt: new Date() }).where(eq(instances.id, row.id));
  });
}

const listColumns = {
  id: instances.id,
  orgId: instances.orgId,
  name: instances.name,
  region: instances.region,
  desiredState: instances.desiredState,
  observedState: instances.observedState,
  desiredReplicas: instances.desiredReplicas,
  observedReplicas: instances.observedReplicas,
  statusMessage: instances.statusMessage,
  endpointHost: instances.endpointHost,
  endpointPort: instances.endpointPort,
  lastActivityAt: instances.lastActivityAt,
  pinnedAwake: instances.pinnedAwake,
  idleTimeoutSeconds: instances.idleTimeoutSeconds,
  scaleToZero: plans.scaleToZero,
  planIdleTimeoutSeconds: plans.idleTimeoutSeconds,
  namespace: instances.namespace,
  credentialsRevealedAt: instances.credentialsRevealedAt,
  createdAt: instances.createdAt,
  planId: plans.id,
  planName: plans.name,
  priceMonthlyCents: plans.priceMonthlyCents,
  serviceName: services.name,
  serviceKind: services.kind,
  version: serviceVersions.version,
  clusterId: instances.clusterId,
  clusterName: clusters.name,
  clusterRegion: clusters.region,
};

function instancesQuery(db: DbOrTx) {
  return db
    .select(listColumns)
    .from(instances)
    .innerJoin(plans, eq(plans.id, instances.planId))
    .innerJoin(services, eq(services.id, instances.serviceId))
    .innerJoin(serviceVersions, eq(serviceVersions.id, instances.versionId))
    .leftJoin(clusters, eq(clusters.id, instances.clusterId));
}

/** An organization's instances (deleted ones excluded), newest first. */
export async function listInstances(db: DbOrTx, orgId: string) {
  return instancesQuery(db).where(and(eq(instances.orgId, orgId), isNull(instances.deletedAt))).orderBy(desc(instances.createdAt));
}

export const fleetFilterInput = z.object({
  orgId: z.uuid().optional(),
  clusterId: z.uuid().optional(),
  observedState: z.array(z.string().max(20)).max(10).optional(),
  version: z.string().max(60).optional(),
  limit: z.number().int().min(1).max(500).default(200),
});

/** Every instance in the fleet (platform staff), filtered. */
export async function listFleet(db: DbOrTx, filter: z.output<typeof fleetFilterInput>) {
  const rows = await instancesQuery(db)
    .where(
      and(
        isNull(instances.deletedAt),
        filter.orgId ? eq(instances.orgId, filter.orgId) : undefined,
        filter.clusterId ? eq(instances.clusterId, filter.clusterId) : undefined,
        filter.observedState?.length ? inArray(instances.observedState, filter.observedState as never[]) : undefined,
        filter.version ? eq(serviceVersions.version, filter.version) : undefined,
      ),
    )
    .orderBy(desc(instances.createdAt))
    .limit(filter.limit);
  const orgNames = new Map((await db.select({ id: organizations.id, name: organizations.name }).from(organizations)).map((o) => [o.id, o.name]));
  return rows.map((r) => ({ ...r, orgName: orgNames.get(r.orgId) ?? "" }));
}

/** One instance with its recent runs and its placement decision ("why this cluster"). */
export async function getInstance(db: DbOrTx, orgId: string, instanceId: string) {
  const [row] = await instancesQuery(db).where(and(eq(instances.id, instanceId), eq(instances.orgId, orgId)));
  if (!row) throw new DomainError("NOT_FOUND", "Instance not found");
  const runs = await db.select().from(workflowRuns).where(eq(workflowRuns.subjectId, instanceId)).orderBy(desc(workflowRuns.seq)).limit(20);
  const [decision] = await db.select().from(placementDecisions).where(eq(placementDecisions.subjectId, instanceId));
  const [health] = await db.select().from(instanceHealth).where(eq(instanceHealth.instanceId, instanceId));
  return { ...row, runs: runs.map((r) => ({ ...r, title: titleOf(r.type) })), placement: decision ?? null, health: health ?? null };
}
