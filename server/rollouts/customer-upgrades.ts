// What customers see and do about upgrades of their instances: the pending upgrade of an instance (version, release
// notes, window, deadline), upgrade it now, or defer it (a mandatory patch only until its deadline).
import { and, desc, eq, inArray, sql } from "drizzle-orm";
import type { Db, Tx } from "@/db/client";
import { rollouts, rolloutTargets, serviceVersions } from "@/db/schema";
import type { ActorContext } from "@/server/auth/actor";
import { actorLabel } from "@/server/auth/actor";
import { recordAudit } from "@/server/audit/record-audit";
import { assertNotSuspended } from "@/server/billing/entitlements";
import { DomainError } from "@/server/errors/domain-error";
import { publishInstanceChange } from "@/server/instances/instance-events";
import { inTransaction } from "@/server/workflows/transitions";
import { lockInstanceRow, startUpgradeRun } from "./upgrade-instance";

const OPEN = ["pending", "scheduled", "deferred"] as const;

/** The instance's upgrade a live rollout still has to do (or is doing), if any. */
export async function pendingUpgrade(db: Db, orgId: string, instanceId: string) {
  const [row] = await db
    .select({
      rolloutId: rollouts.id,
      rolloutStatus: rollouts.status,
      status: rolloutTargets.status,
      detail: rolloutTargets.detail,
      scheduledFor: rolloutTargets.scheduledFor,
      wave: rolloutTargets.wave,
      startsAt: rollouts.startsAt,
      version: serviceVersions.version,
      versionId: serviceVersions.id,
      releaseNotes: serviceVersions.releaseNotes,
      mandatory: serviceVersions.mandatory,
      deadlineAt: serviceVersions.deadlineAt,
    })
    .from(rolloutTargets)
    .innerJoin(rollouts, eq(rollouts.id, rolloutTargets.rolloutId))
    .innerJoin(serviceVersions, eq(serviceVersions.id, rollouts.toVersionId))
    .where(and(eq(rolloutTargets.instanceId, instanceId), eq(rolloutTargets.orgId, orgId), inArray(rolloutTargets.status, [...OPEN, "in_progress"]), inArray(rollouts.status, ["scheduled", "running", "paused"])))
    .orderBy(desc(rollouts.createdAt))
    .limit(1);
  return row ?? null;
}

async function lockOpenTarget(tx: Tx, orgId: string, instanceId: string) {
  const [t] = await tx
    .select({ target: rolloutTargets, rollout: rollouts, version: serviceVersions })
    .from(rolloutTargets)
    .innerJoin(rollouts, eq(rollouts.id, rolloutTargets.rolloutId))
    .innerJoin(serviceVersions, eq(serviceVersions.id, rollouts.toVersionId))
    .where(and(eq(rolloutTargets.instanceId, instanceId), eq(rolloutTargets.orgId, orgId), inArray(rolloutTargets.status, [...OPEN]), inArray(rollouts.status, ["scheduled", "running", "paused"])))
    .for("update", { of: rolloutTargets })
    .limit(1);
  if (!t) throw new DomainError("PRECONDITION_FAILED", "This instance has no pending upgrade");
  return t;
}

/** Upgrades the instance now to its pending rollout's version, outside maintenance windows and waves. */
export async function upgradeNow(db: Db, ctx: ActorContext, orgId: string, instanceId: string) {
  const result = await inTransaction(db, async (tx, due) => {
    const { target, rollout, version } = await lockOpenTarget(tx, orgId, instanceId);
    if (rollout.status === "paused") throw new DomainError("PRECONDITION_FAILED", "This release is on hold by the provider; try again later");
    await assertNotSuspended(tx, orgId);
    const row = await lockInstanceRow(tx, orgId, instanceId);
    const run = await startUpgradeRun(tx, due, ctx, row, version, { rolloutId: rollout.id });
    await tx
      .update(rolloutTargets)
      .set({ status: "in_progress", runId: run.id, detail: `upgraded on request by ${actorLabel(ctx.actor)}`, scheduledFor: null, startedAt: new Date(), updatedAt: new Date() })
      .where(and(eq(rolloutTargets.rolloutId, target.rolloutId), eq(rolloutTargets.instanceId, instanceId)));
    return { runId: run.id, version: version.version };
  });
  await publishInstanceChange(instanceId);
  return result;
}

/** Defers the instance's pending upgrade: for good, or for a mandatory patch until its deadline. */
export async function deferUpgrade(db: Db, ctx: ActorContext, orgId: string, instanceId: string) {
  return db.transaction(async (tx) => {
    const { target, version } = await lockOpenTarget(tx, orgId, instanceId);
    if (target.status === "deferred") throw new DomainError("PRECONDITION_FAILED", "This upgrade is already deferred");
    if (version.mandatory && version.deadlineAt && version.deadlineAt <= new Date()) throw new DomainError("PRECONDITION_FAILED", "This security patch is past its deadline and can no longer be deferred");
    const detail = version.mandatory && version.deadlineAt ? `deferred until ${version.deadlineAt.toISOString().slice(0, 16).replace("T", " ")} UTC (mandatory patch)` : "deferred by the customer";
    await tx
      .update(rolloutTargets)
      .set({ status: "deferred", deferredBy: actorLabel(ctx.actor), detail, scheduledFor: version.deadlineAt ?? null, updatedAt: sql`now()` })
      .where(and(eq(rolloutTargets.rolloutId, target.rolloutId), eq(rolloutTargets.instanceId, instanceId)));
    await recordAudit(tx, ctx, { orgId, action: "instances.defer_upgrade", targetType: "instance", targetId: instanceId, details: { version: version.version, until: version.deadlineAt?.toISOString() ?? null } });
    return { deferredUntil: version.mandatory ? version.deadlineAt : null };
  });
}
