// Sleeping and waking instances: by the idle detector, by the gateway on a request, or by a person from the
// portal; pinning awake and per-instance idle timeouts. Wakes are deduplicated: one run however many ask.
import { and, eq, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { billingAccounts, instances, plans, workflowRuns } from "@/db/schema";
import { recordAudit } from "@/server/audit/record-audit";
import { systemContext, type ActorContext } from "@/server/auth/actor";
import { assertNotSuspended } from "@/server/billing/entitlements";
import { DomainError } from "@/server/errors/domain-error";
import { publishInstanceChange } from "@/server/instances/instance-events";
import { changeAndRun } from "@/server/instances/instances";
import { createRun } from "@/server/workflows/runs";
import { inTransaction } from "@/server/workflows/transitions";
import { SCALING_WORKFLOWS } from "./workflows";

/** The shortest idle timeout allowed, so an instance is not put to sleep between two page loads. */
export const MIN_IDLE_SECONDS = 60;

const PENDING = ["queued", "running", "paused", "cancelling"] as const;

/** Puts a running instance of a scale-to-zero plan to sleep (portal, API, idle detector). */
export async function sleepInstance(db: Db, ctx: ActorContext, orgId: string, instanceId: string) {
  return changeAndRun(db, ctx, orgId, instanceId, "instances.sleep", SCALING_WORKFLOWS.sleep, async (tx, row) => {
    const [plan] = await tx.select({ scaleToZero: plans.scaleToZero, name: plans.name }).from(plans).where(eq(plans.id, row.planId));
    if (!plan?.scaleToZero) throw new DomainError("PRECONDITION_FAILED", `The ${plan?.name ?? ""} plan does not scale to zero; stop the instance instead`);
    if (row.desiredState !== "running" || row.observedState !== "running") throw new DomainError("PRECONDITION_FAILED", "Only a running instance can be put to sleep");
  });
}

/** Wakes a sleeping instance from the portal or API (the gateway uses requestWake). */
export async function wakeInstance(db: Db, ctx: ActorContext, orgId: string, instanceId: string) {
  return changeAndRun(db, ctx, orgId, instanceId, "instances.wake", SCALING_WORKFLOWS.wake, async (tx, row) => {
    await assertNotSuspended(tx, orgId);
    if (row.observedState !== "sleeping") throw new DomainError("PRECONDITION_FAILED", "The instance is not sleeping");
  });
}

/**
 * Starts the wake run of a sleeping instance unless one is already pending (then returns it). Safe to call from
 * any number of gateways at once: callers serialize on the instance row. Nothing to wake (not sleeping, deleted,
 * stopped by its owner, organization suspended) → runId null.
 */
export async function requestWake(db: Db, instanceId: string): Promise<{ runId: string | null; started: boolean }> {
  const result = await inTransaction(db, async (tx, due) => {
    const [row] = await tx.select().from(instances).where(eq(instances.id, instanceId)).for("update");
    if (!row || row.deletedAt || row.desiredState !== "running") return { runId: null, started: false };
    const [account] = await tx.select({ status: billingAccounts.status }).from(billingAccounts).where(eq(billingAccounts.orgId, row.orgId));
    if (account?.status === "suspended") return { runId: null, started: false };
    const pending = await tx
      .select({ id: workflowRuns.id, type: workflowRuns.type })
      .from(workflowRuns)
      .where(and(eq(workflowRuns.subjectId, instanceId), inArray(workflowRuns.status, [...PENDING])))
      .orderBy(sql`${workflowRuns.createdAt} desc`);
    const waking = pending.find((r) => r.type === SCALING_WORKFLOWS.wake || r.type === "instance-start");
    if (waking) return { runId: waking.id, started: false };
    // A sleep still running: the wake queues behind it. Otherwise only a sleeping instance wakes.
    if (row.observedState !== "sleeping" && !pending.some((r) => r.type === SCALING_WORKFLOWS.sleep)) return { runId: null, started: false };
    const ctx = systemContext("gateway");
    await recordAudit(tx, ctx, { orgId: row.orgId, action: "instances.wake", targetType: "instance", targetId: instanceId, details: { reason: "request" } });
    const run = await createRun(tx, due, ctx, { type: SCALING_WORKFLOWS.wake, subjectType: "instance", subjectId: instanceId, orgId: row.orgId, input: { instanceId } });
    return { runId: run.id, started: true };
  });
  if (result.started) await publishInstanceChange(instanceId);
  return result;
}

export const scalingSettingsInput = z.object({
  orgId: z.uuid(),
  instanceId: z.uuid(),
  pinnedAwake: z.boolean().optional(),
  /** null returns to the plan's default. */
  idleTimeoutSeconds: z.number().int().min(MIN_IDLE_SECONDS, `must be at least ${MIN_IDLE_SECONDS} seconds`).max(30 * 86_400).nullable().optional(),
});

/** Pins an instance awake or sets its idle timeout (scale-to-zero plans only). */
export async function updateScalingSettings(db: Db, ctx: ActorContext, input: z.infer<typeof scalingSettingsInput>) {
  const updated = await db.transaction(async (tx) => {
    const [row] = await tx
      .select({ instance: instances, scaleToZero: plans.scaleToZero })
      .from(instances)
      .innerJoin(plans, eq(plans.id, instances.planId))
      .where(and(eq(instances.id, input.instanceId), eq(instances.orgId, input.orgId)))
      .for("update", { of: instances });
    if (!row || row.instance.deletedAt) throw new DomainError("NOT_FOUND", "Instance not found");
    if (!row.scaleToZero) throw new DomainError("PRECONDITION_FAILED", "This instance's plan does not scale to zero");
    const changes: Partial<typeof instances.$inferInsert> = { updatedAt: new Date() };
    if (input.pinnedAwake !== undefined) changes.pinnedAwake = input.pinnedAwake;
    if (input.idleTimeoutSeconds !== undefined) changes.idleTimeoutSeconds = input.idleTimeoutSeconds;
    const [after] = await tx.update(instances).set(changes).where(eq(instances.id, input.instanceId)).returning({ pinnedAwake: instances.pinnedAwake, idleTimeoutSeconds: instances.idleTimeoutSeconds });
    await recordAudit(tx, ctx, { orgId: input.orgId, action: "instances.scaling_settings", targetType: "instance", targetId: input.instanceId, details: { pinnedAwake: after!.pinnedAwake, idleTimeoutSeconds: after!.idleTimeoutSeconds } });
    return after!;
  });
  await publishInstanceChange(input.instanceId);
  return updated;
}
