// What a rollout run does at each look (its steps wait between looks, see StepWait): undo failed upgrades, pause at
// the failure threshold, start upgrades of the current wave (at most maxParallel at once, inside each
// organization's maintenance windows unless a mandatory patch is past its deadline), then hold the wave's upgraded
// instances to the health gate for the soak time. The rollback run brings upgraded instances back the same way.
import { and, eq, inArray, lte, sql } from "drizzle-orm";
import { getDb, type Db } from "@/db/client";
import { instanceHealth, instances, rollouts, rolloutTargets, serviceVersions, workflowRuns, type RolloutStatus } from "@/db/schema";
import { systemContext } from "@/server/auth/actor";
import { DomainError } from "@/server/errors/domain-error";
import { log } from "@/server/log";
import { onRunFinished } from "@/server/workflows/registry";
import { cancelRun, hurryWaitingStep } from "@/server/workflows/runs";
import { inTransaction } from "@/server/workflows/transitions";
import { StepPause, StepWait } from "@/server/workflows/types";
import { isInMaintenanceWindow, nextMaintenanceWindow, windowsByOrg } from "./maintenance-windows";
import { lockInstanceRow, startUpgradeRun } from "./upgrade-instance";
import { ROLLOUT_WORKFLOWS } from "./workflow-names";

export type RolloutSettings = { pollMs: number };
const settings: RolloutSettings = { pollMs: 2_000 };
/** Tests and benchmarks look more often. */
export function configureRollouts(next: Partial<RolloutSettings>): void {
  Object.assign(settings, next);
}

const ctx = systemContext("rollout");
const STOPPED: RolloutStatus[] = ["aborted", "rolling_back", "rolled_back", "completed", "failed"];

type Rollout = typeof rollouts.$inferSelect;
type Version = typeof serviceVersions.$inferSelect;

async function countsOf(db: Db, rolloutId: string, maxWave?: number): Promise<Record<string, number>> {
  const rows = await db
    .select({ status: rolloutTargets.status, n: sql<number>`count(*)::int` })
    .from(rolloutTargets)
    .where(and(eq(rolloutTargets.rolloutId, rolloutId), maxWave ? lte(rolloutTargets.wave, maxWave) : undefined))
    .groupBy(rolloutTargets.status);
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

// A rollout's upgrade that failed is undone as soon as it ends, also while the rollout is paused (the rollout's own
// looks undo any this missed, e.g. when the process died in between).
// Either way the rollout's run looks again at once (a slot is free, the wave may be done) instead of at its next poll.
onRunFinished(async (run) => {
  if (run.type !== ROLLOUT_WORKFLOWS.upgrade || !run.input.rolloutId) return;
  const db = getDb();
  const rolloutId = String(run.input.rolloutId);
  const [row] = await db.select({ status: workflowRuns.status }).from(workflowRuns).where(eq(workflowRuns.id, run.id));
  if (row?.status === "failed" && run.input.purpose !== "rollback") await undoFailedUpgrades(db, rolloutId);
  const [rollout] = await db.select({ runId: rollouts.runId }).from(rollouts).where(eq(rollouts.id, rolloutId));
  if (rollout?.runId) await hurryWaitingStep(db, rollout.runId);
});

/** Failed upgrades of the rollout are undone (cancelling a failed run compensates it: the old version returns). */
export async function undoFailedUpgrades(db: Db, rolloutId: string): Promise<void> {
  const failed = await db
    .select({ runId: workflowRuns.id })
    .from(rolloutTargets)
    .innerJoin(workflowRuns, eq(workflowRuns.id, rolloutTargets.runId))
    .where(and(eq(rolloutTargets.rolloutId, rolloutId), eq(rolloutTargets.status, "failed"), eq(workflowRuns.status, "failed"), eq(workflowRuns.type, ROLLOUT_WORKFLOWS.upgrade)));
  for (const { runId } of failed) {
    await cancelRun(db, ctx, runId).catch((err) => {
      if (!(err instanceof DomainError)) throw err;
    });
  }
}

function thresholdReached(r: Rollout, counts: Record<string, number>): string | undefined {
  const failures = (counts.failed ?? 0) - r.failuresAcknowledged;
  if (failures <= 0) return undefined;
  const attempted = (counts.done ?? 0) + (counts.failed ?? 0) - r.failuresAcknowledged;
  const t = r.failureThreshold;
  if (t.count !== undefined && failures >= t.count) return `${failures} upgrade${failures === 1 ? "" : "s"} failed (threshold ${t.count}); the rest waits`;
  if (t.percent !== undefined && attempted > 0 && (failures * 100) / attempted >= t.percent) return `${Math.round((failures * 100) / attempted)} % of upgrades failed (threshold ${t.percent} %); the rest waits`;
  return undefined;
}

/**
 * Starts one target's upgrade: "started"; "taken" when someone (a customer's "upgrade now") claimed it first;
 * "stopped" when the rollout is no longer running (paused, aborted).
 */
async function startTarget(db: Db, r: Rollout, version: Version, t: { instanceId: string; status: string }): Promise<"started" | "taken" | "stopped"> {
  return inTransaction(db, async (tx, due) => {
    // The rollout row first (shared; pause and abort take it exclusively, then the targets): an abort either
    // happened before, and nothing starts, or waits until this start is recorded, and then cancels it.
    const [live] = await tx.select({ status: rollouts.status }).from(rollouts).where(eq(rollouts.id, r.id)).for("share");
    if (live?.status !== "running") return "stopped";
    const target = and(eq(rolloutTargets.rolloutId, r.id), eq(rolloutTargets.instanceId, t.instanceId));
    const claimed = await tx
      .update(rolloutTargets)
      .set({ status: "in_progress", detail: null, scheduledFor: null, startedAt: new Date(), updatedAt: new Date() })
      .where(and(target, eq(rolloutTargets.status, t.status as "pending")))
      .returning({ instanceId: rolloutTargets.instanceId });
    if (!claimed.length) return "taken";
    let row;
    try {
      row = await lockInstanceRow(tx, null, t.instanceId);
    } catch (err) {
      if (!(err instanceof DomainError && err.code === "NOT_FOUND")) throw err;
    }
    if (!row || row.desiredState === "deleted") {
      await tx.update(rolloutTargets).set({ status: "skipped", detail: row ? "the instance is being deleted" : "the instance was deleted", finishedAt: new Date() }).where(target);
      return "started";
    }
    const run = await startUpgradeRun(tx, due, ctx, row, version, { rolloutId: r.id });
    await tx.update(rolloutTargets).set({ runId: run.id }).where(target);
    return "started";
  });
}

/** Whether the version must now reach instances regardless of deferrals and windows. */
const pastDeadline = (v: Version, now: Date) => v.mandatory && !!v.deadlineAt && v.deadlineAt <= now;

async function startDueTargets(db: Db, r: Rollout, version: Version, wave: number, inFlight: number, now: Date): Promise<void> {
  const slots = r.maxParallel - inFlight;
  if (slots <= 0) return;
  const forced = pastDeadline(version, now);
  const statuses = forced ? (["pending", "scheduled", "deferred"] as const) : (["pending", "scheduled"] as const);
  const candidates = await db
    .select({ instanceId: rolloutTargets.instanceId, orgId: rolloutTargets.orgId, status: rolloutTargets.status, scheduledFor: rolloutTargets.scheduledFor })
    .from(rolloutTargets)
    .where(and(eq(rolloutTargets.rolloutId, r.id), lte(rolloutTargets.wave, wave), inArray(rolloutTargets.status, [...statuses])))
    .orderBy(rolloutTargets.wave, rolloutTargets.position);
  const windows = r.respectMaintenanceWindows && !forced ? await windowsByOrg(db) : undefined;
  const due: typeof candidates = [];
  for (const c of candidates) {
    const config = windows?.get(c.orgId);
    if (windows && !isInMaintenanceWindow(config, now)) {
      const next = nextMaintenanceWindow(config, now);
      if (c.status !== "scheduled" || c.scheduledFor?.getTime() !== next.getTime()) {
        await db
          .update(rolloutTargets)
          .set({ status: "scheduled", scheduledFor: next, detail: "waits for the organization's maintenance window", updatedAt: new Date() })
          .where(and(eq(rolloutTargets.rolloutId, r.id), eq(rolloutTargets.instanceId, c.instanceId), inArray(rolloutTargets.status, ["pending", "scheduled"])));
      }
      continue;
    }
    due.push(c);
    if (due.length >= slots) break;
  }
  // A few starts at once (each is its own short transaction): one after another caps a wave at ~20 starts/s.
  let next = 0;
  let stopped = false;
  const starter = async () => {
    while (!stopped && next < due.length) {
      const c = due[next++]!;
      if ((await startTarget(db, r, version, c)) === "stopped") stopped = true;
    }
  };
  await Promise.all(Array.from({ length: Math.min(START_CONCURRENCY, due.length) }, starter));
}

/** Upgrades started at once by one look of a rollout (each a transaction; the database pool is 20). */
const START_CONCURRENCY = 4;

/** Upgraded instances of the wave that the health monitor (or their own verify step) found unhealthy since. */
async function failUnhealthy(db: Db, r: Rollout, wave: number): Promise<number> {
  const sick = await db
    .select({ instanceId: rolloutTargets.instanceId, detail: instanceHealth.detail, status: instanceHealth.status })
    .from(rolloutTargets)
    .innerJoin(instanceHealth, eq(instanceHealth.instanceId, rolloutTargets.instanceId))
    .innerJoin(instances, eq(instances.id, rolloutTargets.instanceId))
    .where(
      and(
        eq(rolloutTargets.rolloutId, r.id),
        eq(rolloutTargets.wave, wave),
        eq(rolloutTargets.status, "done"),
        inArray(instanceHealth.status, ["unhealthy", "degraded"]),
        sql`${instanceHealth.checkedAt} >= ${rolloutTargets.finishedAt}`,
        eq(instances.observedState, "running"),
      ),
    );
  for (const s of sick) {
    await db
      .update(rolloutTargets)
      .set({ status: "failed", detail: `${s.status} after the upgrade: ${s.detail ?? "no detail"}`, updatedAt: new Date() })
      .where(and(eq(rolloutTargets.rolloutId, r.id), eq(rolloutTargets.instanceId, s.instanceId), eq(rolloutTargets.status, "done")));
  }
  return sick.length;
}

async function loadRollout(db: Db, rolloutId: string): Promise<{ r: Rollout; version: Version } | undefined> {
  const [row] = await db.select({ r: rollouts, version: serviceVersions }).from(rollouts).innerJoin(serviceVersions, eq(serviceVersions.id, rollouts.toVersionId)).where(eq(rollouts.id, rolloutId));
  return row;
}

/**
 * One look at wave `wave` of a rollout. Returns when the wave is done (and, for the last, the whole rollout);
 * throws StepWait to look again later, or StepPause when failures passed the threshold.
 */
export async function advanceWave(db: Db, rolloutId: string, wave: number, isLast: boolean, now = new Date()): Promise<Record<string, unknown>> {
  const loaded = await loadRollout(db, rolloutId);
  if (!loaded) return { gone: true };
  let { r } = loaded;
  const { version } = loaded;
  if (STOPPED.includes(r.status)) return { stopped: r.status };
  if (r.status === "paused") throw new StepPause(r.pauseReason ?? "paused");
  if (r.startsAt > now) throw new StepWait(Math.min(r.startsAt.getTime() - now.getTime(), 60_000), { startsAt: r.startsAt.toISOString() });
  if (r.status === "scheduled" || r.currentWave < wave) {
    const [updated] = await db
      .update(rollouts)
      .set({ status: "running", currentWave: sql`greatest(${rollouts.currentWave}, ${wave})`, soakStartedAt: r.currentWave < wave ? null : r.soakStartedAt, updatedAt: new Date() })
      .where(and(eq(rollouts.id, r.id), inArray(rollouts.status, ["scheduled", "running"])))
      .returning();
    if (!updated) return { stopped: true };
    r = updated;
  }
  await undoFailedUpgrades(db, r.id);
  let counts = await countsOf(db, r.id);
  const reason = thresholdReached(r, counts);
  if (reason) {
    await db.update(rollouts).set({ status: "paused", pauseReason: reason, updatedAt: new Date() }).where(and(eq(rollouts.id, r.id), eq(rollouts.status, "running")));
    log.warn("rollouts", "rollout paused at its failure threshold", { rolloutId: r.id, reason });
    throw new StepPause(reason);
  }
  await startDueTargets(db, r, version, wave, counts.in_progress ?? 0, now);
  const upToWave = await countsOf(db, r.id, wave);
  const busy = (upToWave.pending ?? 0) + (upToWave.in_progress ?? 0);
  if (busy > 0) throw new StepWait(settings.pollMs, { wave, ...upToWave });
  // The health gate: the wave's upgraded instances must stay healthy for the soak time.
  if (await failUnhealthy(db, r, wave)) throw new StepWait(0, { wave, note: "an upgraded instance is unhealthy" });
  if (!r.soakStartedAt) {
    [r] = await db.update(rollouts).set({ soakStartedAt: now, updatedAt: new Date() }).where(eq(rollouts.id, r.id)).returning() as [Rollout];
  }
  const soakLeft = r.soakSeconds * 1000 - (now.getTime() - r.soakStartedAt!.getTime());
  if (soakLeft > 0) throw new StepWait(Math.min(soakLeft, settings.pollMs * 5), { wave, soakingUntil: new Date(now.getTime() + soakLeft).toISOString() });
  if (!isLast) return { wave, ...upToWave };
  // The last wave: what waits for a maintenance window or (a mandatory patch) for its deadline is still to come.
  counts = await countsOf(db, r.id);
  const waitingForWindows = counts.scheduled ?? 0;
  const deferredUntilDeadline = version.mandatory && version.deadlineAt ? (counts.deferred ?? 0) : 0;
  if (waitingForWindows + deferredUntilDeadline > 0) {
    const deadlineIn = version.deadlineAt ? Math.max(0, version.deadlineAt.getTime() - now.getTime()) : Infinity;
    throw new StepWait(Math.min(settings.pollMs * 10, 60_000, deadlineIn), { waitingForWindows, deferredUntilDeadline });
  }
  await db.update(rollouts).set({ status: "completed", finishedAt: new Date(), updatedAt: new Date() }).where(and(eq(rollouts.id, r.id), eq(rollouts.status, "running")));
  return { completed: true, ...counts };
}

/** One look of the rollback run: starts rollbacks of upgraded instances (maxParallel at once) until none is left. */
export async function advanceRollback(db: Db, rolloutId: string): Promise<Record<string, unknown>> {
  const [r] = await db.select().from(rollouts).where(eq(rollouts.id, rolloutId));
  if (!r) return { gone: true };
  await undoFailedUpgrades(db, r.id);
  // Upgraded instances (done, or failed on the new version after it) that are not on their old version; a failed
  // rollback is not tried again by itself.
  const todo = await db.execute<{ instance_id: string; from_version_id: string; status: string }>(sql`
    select t.instance_id, t.from_version_id, t.status from rollout_targets t
    join instances i on i.id = t.instance_id and i.deleted_at is null
    left join workflow_runs wr on wr.id = t.run_id
    where t.rollout_id = ${r.id} and (t.status = 'done' or (t.status = 'failed' and wr.status = 'succeeded' and coalesce(wr.input->>'purpose', 'upgrade') = 'upgrade'))
      and i.version_id <> t.from_version_id
    order by t.wave desc, t.position`);
  const counts = await countsOf(db, r.id);
  let slots = r.maxParallel - (counts.rolling_back ?? 0);
  for (const t of todo.rows) {
    if (slots <= 0) break;
    const started = await inTransaction(db, async (tx, due) => {
      const claimed = await tx
        .update(rolloutTargets)
        .set({ status: "rolling_back", detail: null, startedAt: new Date(), finishedAt: null, updatedAt: new Date() })
        .where(and(eq(rolloutTargets.rolloutId, r.id), eq(rolloutTargets.instanceId, t.instance_id), eq(rolloutTargets.status, t.status as "done")))
        .returning();
      if (!claimed.length) return false;
      const row = await lockInstanceRow(tx, null, t.instance_id);
      const [from] = await tx.select().from(serviceVersions).where(eq(serviceVersions.id, t.from_version_id));
      const run = await startUpgradeRun(tx, due, ctx, row, from!, { rolloutId: r.id, purpose: "rollback" });
      await tx.update(rolloutTargets).set({ runId: run.id }).where(and(eq(rolloutTargets.rolloutId, r.id), eq(rolloutTargets.instanceId, t.instance_id)));
      return true;
    });
    if (started) slots--;
  }
  const after = await countsOf(db, r.id);
  if ((after.rolling_back ?? 0) > 0 || todo.rows.length > 0) throw new StepWait(settings.pollMs, { rollingBack: after.rolling_back ?? 0, left: todo.rows.length });
  await db.update(rollouts).set({ status: "rolled_back", finishedAt: new Date(), updatedAt: new Date() }).where(eq(rollouts.id, r.id));
  return { rolledBack: after.rolled_back ?? 0, failed: after.failed ?? 0 };
}
