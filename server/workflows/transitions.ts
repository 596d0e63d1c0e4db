// Run state changes shared by the engine's entry points, each inside the caller's transaction; jobs that become
// due are collected and enqueued only after commit (a crash in between is healed by the sweep).
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { Db, Tx } from "@/db/client";
import { workflowRuns, workflowSteps, type RunStatus } from "@/db/schema";
import { queryNamed } from "./named-query";
import { getWorkflow, notifyRunFinished, stepsOf } from "./registry";
import { enqueueStepJob, type StepJob } from "./step-jobs";
import type { RunInfo } from "./types";

/**
 * Step jobs that became due in a transaction, the runs it ended, and the subjects it queued a run for: all acted on
 * only after commit.
 */
export type Due = { job: StepJob; delayMs: number }[] & { finished?: RunInfo<Record<string, unknown>>[]; queuedFor?: string[] };

/** Runs `fn` in a transaction, then enqueues what it made due, rechecks the subjects it queued runs for and announces the runs it ended. */
export async function inTransaction<T>(db: Db, fn: (tx: Tx, due: Due) => Promise<T>): Promise<T> {
  const due: Due = [];
  const result = await db.transaction((tx) => fn(tx, due));
  for (const d of due) await enqueueStepJob(d.job, d.delayMs);
  for (const subjectId of due.queuedFor ?? []) await recheckQueued(db, subjectId);
  for (const run of due.finished ?? []) await notifyRunFinished(run);
  return result;
}

/**
 * After a run was queued behind a subject's running run (and committed): touches that run's row, so a finish that
 * could not see the queued run (its snapshot predates this commit) finds the row changed and starts the queue the
 * full way (finishFast). No running run any more → starts the queue here.
 */
export async function recheckQueued(db: Db, subjectId: string): Promise<void> {
  const touched = await queryNamed(
    db,
    "wf_touch_running",
    "update workflow_runs set updated_at = greatest(now(), updated_at + interval '1 microsecond') where subject_id = $1 and status = 'running' returning id",
    [subjectId],
  );
  if (!touched.length) await inTransaction(db, (tx, due) => startNextQueued(tx, due, subjectId));
}

/** Remembers that the transaction ends `run` (see inTransaction). */
export function noteFinished(due: Due, run: RunInfo<Record<string, unknown>>): void {
  (due.finished ??= []).push(run);
}

/** Statuses that hold the subject: later runs of the same subject wait while one of these exists. */
export const ACTIVE: RunStatus[] = ["running", "paused", "cancelling"];

export async function lockSubject(tx: Tx, subjectId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${"wf:" + subjectId}))`);
}

export async function lockRun(tx: Tx, runId: string) {
  const [run] = await tx.select().from(workflowRuns).where(eq(workflowRuns.id, runId)).for("update");
  return run;
}

export function runInfo(run: typeof workflowRuns.$inferSelect): RunInfo<Record<string, unknown>> {
  return { id: run.id, type: run.type, subjectId: run.subjectId, orgId: run.orgId, input: run.input };
}

/** Ends a run and lets the next queued run of its subject start. */
export async function finishRun(db: Db, tx: Tx, due: Due, run: typeof workflowRuns.$inferSelect, status: "succeeded" | "failed" | "cancelled", error: string | null) {
  await tx
    .update(workflowRuns)
    .set({ status, error, finishedAt: new Date(), updatedAt: new Date(), pauseRequested: null })
    .where(eq(workflowRuns.id, run.id));
  const def = getWorkflow(run.type);
  if (def.onFinish) await def.onFinish({ db: tx as unknown as Db, run: runInfo(run), status, error });
  noteFinished(due, runInfo(run));
  await startNextQueued(tx, due, run.subjectId);
}

/** Starts the oldest queued run of a subject when none is active. */
export async function startNextQueued(tx: Tx, due: Due, subjectId: string): Promise<void> {
  await lockSubject(tx, subjectId);
  // One read: an active run (if any) holds the subject; else the oldest queued one goes next.
  const waiting = await tx
    .select()
    .from(workflowRuns)
    .where(and(eq(workflowRuns.subjectId, subjectId), inArray(workflowRuns.status, [...ACTIVE, "queued"])))
    .orderBy(asc(workflowRuns.seq));
  if (waiting.some((r) => r.status !== "queued")) return;
  const next = waiting[0];
  if (!next) return;
  const paused = !!next.pauseRequested;
  await tx
    .update(workflowRuns)
    .set({ status: paused ? "paused" : "running", startedAt: new Date(), updatedAt: new Date() })
    .where(eq(workflowRuns.id, next.id));
  if (!paused) await makeStepDue(tx, due, next.id, 0);
}

/** Marks step `index` of a run pending and schedules its next attempt. */
export async function makeStepDue(tx: Tx, due: Due, runId: string, index: number, delayMs = 0): Promise<void> {
  const [step] = await tx
    .select({ attempts: workflowSteps.attempts })
    .from(workflowSteps)
    .where(and(eq(workflowSteps.runId, runId), eq(workflowSteps.index, index)));
  if (!step) return;
  await tx
    .update(workflowSteps)
    .set({ status: delayMs > 0 ? "waiting_retry" : "pending", nextAttemptAt: new Date(Date.now() + delayMs) })
    .where(and(eq(workflowSteps.runId, runId), eq(workflowSteps.index, index)));
  due.push({ job: { runId, stepIndex: index, attempt: step.attempts + 1, kind: "run" }, delayMs });
}

/** Starts compensation from the highest step at or below `from` that succeeded and can be undone; none → cancelled. */
export async function compensateFrom(db: Db, tx: Tx, due: Due, run: typeof workflowRuns.$inferSelect, from: number): Promise<void> {
  const defs = stepsOf(run.type, run.input);
  const steps = await tx.select().from(workflowSteps).where(eq(workflowSteps.runId, run.id));
  for (let i = Math.min(from, defs.length - 1); i >= 0; i--) {
    const step = steps.find((s) => s.index === i);
    if (step?.status === "succeeded" && defs[i]?.compensate) {
      await tx.update(workflowSteps).set({ status: "compensating" }).where(and(eq(workflowSteps.runId, run.id), eq(workflowSteps.index, i)));
      await tx.update(workflowRuns).set({ updatedAt: new Date() }).where(eq(workflowRuns.id, run.id));
      due.push({ job: { runId: run.id, stepIndex: i, attempt: 1, kind: "compensate" }, delayMs: 0 });
      return;
    }
  }
  await finishRun(db, tx, due, run, "cancelled", null);
}
