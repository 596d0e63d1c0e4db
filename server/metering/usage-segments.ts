// Keeps each instance's open usage segment in step with what it runs: any change of billable replicas, plan size
// or kept storage closes the open segment at that moment and opens the next, so usage is exact to the millisecond.
import { and, eq, isNull } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { instances, plans, usageSegments, type ObservedState } from "@/db/schema";
import type { SegmentShape } from "./usage-math";

/** States in which the instance's pods run and accrue compute. */
export const COMPUTE_STATES: ObservedState[] = ["running", "updating", "stopping"];
/** States in which its volumes exist and accrue storage (data is kept while stopped or sleeping). */
export const STORAGE_STATES: ObservedState[] = ["running", "updating", "stopping", "stopped", "sleeping"];

export function billableShape(row: { observedState: ObservedState; observedReplicas: number; deletedAt: Date | null }, plan: { cpuMillis: number; memoryMb: number; storageGb: number }): SegmentShape {
  const live = row.deletedAt === null;
  return {
    replicas: live && COMPUTE_STATES.includes(row.observedState) ? row.observedReplicas : 0,
    cpuMillis: plan.cpuMillis,
    memoryMb: plan.memoryMb,
    storageGb: live && STORAGE_STATES.includes(row.observedState) ? plan.storageGb : 0,
  };
}

const sameShape = (a: SegmentShape, b: SegmentShape) =>
  a.replicas === b.replicas && a.storageGb === b.storageGb && (a.replicas === 0 || (a.cpuMillis === b.cpuMillis && a.memoryMb === b.memoryMb));

export const accrues = (s: SegmentShape) => s.replicas > 0 || s.storageGb > 0;

/** What decides an instance's billing: its observed state (and owner), and its plan. */
export type UsageSubject = { orgId: string; observedState: ObservedState; observedReplicas: number; deletedAt: Date | null };
export type UsagePlan = { id: string; cpuMillis: number; memoryMb: number; storageGb: number; free: boolean };

/**
 * Re-reads the instance and its plan and, when what it is billed for changed, closes the open segment and opens
 * the next one at `at`. Call it in the transaction that changed the instance. Serialized per instance.
 */
export async function recordUsageState(tx: DbOrTx, instanceId: string, at: Date = new Date()): Promise<void> {
  // The instance row lock serializes changes per instance (the caller's update usually holds it already).
  const [row] = await tx
    .select({ instance: instances, plan: plans })
    .from(instances)
    .innerJoin(plans, eq(plans.id, instances.planId))
    .where(eq(instances.id, instanceId))
    .for("update", { of: instances });
  if (!row) return;
  await recordUsageStateOf(tx, instanceId, row.instance, row.plan, at);
}

/**
 * recordUsageState for a caller that holds the instance's row lock and has just read the row and its plan (e.g.
 * from its own UPDATE … RETURNING). `noneOpen`: the caller knows no segment is open (saves the read).
 */
export async function recordUsageStateOf(tx: DbOrTx, instanceId: string, instance: UsageSubject, plan: UsagePlan, at: Date, opts: { noneOpen?: boolean } = {}): Promise<void> {
  const shape = billableShape(instance, plan);
  if (opts.noneOpen && !accrues(shape)) return;
  // Locked: a metering pass holding the row commits first, so metered_until below is the latest.
  const [open] = opts.noneOpen ? [] : await tx.select().from(usageSegments).where(and(eq(usageSegments.instanceId, instanceId), isNull(usageSegments.endedAt))).for("update");
  if (open && sameShape(open, shape) && open.planId === plan.id && open.billable === !plan.free) return;
  if (!open && !accrues(shape)) return;
  // Clocks of different processes may disagree slightly: a segment never ends before it started, nor before the
  // time already metered (else the next segment would bill that span a second time).
  const floor = open ? new Date(Math.max(open.startedAt.getTime(), open.meteredUntil.getTime())) : at;
  const when = at < floor ? floor : at;
  if (open) await tx.update(usageSegments).set({ endedAt: when }).where(eq(usageSegments.id, open.id));
  if (accrues(shape)) {
    await tx.insert(usageSegments).values({
      orgId: instance.orgId,
      instanceId,
      planId: plan.id,
      ...shape,
      billable: !plan.free,
      startedAt: when,
      meteredUntil: when,
    });
  }
}
