// Executes one step job: claims the attempt, runs the step outside any transaction, then records the outcome
// and moves the run on. Stale or duplicate jobs (a crash, a sweep, a double enqueue) find nothing to do.
import { and, asc, eq, inArray, lt } from "drizzle-orm";
import type { Db, Tx } from "@/db/client";
import { workflowRuns, workflowSteps } from "@/db/schema";
import { DomainError } from "@/server/errors/domain-error";
import { log } from "@/server/log";
import { getWorkflow } from "./registry";
import { enqueueStepJob, type StepJob } from "./step-jobs";
import { compensateFrom, finishRun, inTransaction, lockRun, makeStepDue, runInfo, type Due } from "./transitions";
import { DEFAULT_RETRY, StepFailure, type RetryPolicy, type StepContext } from "./types";

/** Domain errors a retry cannot fix; the rest (and every other error) are retried per the step's policy. */
const PERMANENT = new Set(["BAD_REQUEST", "FORBIDDEN", "NOT_FOUND", "PRECONDITION_FAILED", "UNAUTHORIZED"]);

function isRetryable(err: unknown): boolean {
  if (err instanceof StepFailure) return err.retryable;
  if (err instanceof DomainError) return !PERMANENT.has(err.code);
  return true;
}

export function backoffMs(policy: RetryPolicy, attemptInBudget: number): number {
  const base = Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** Math.max(0, attemptInBudget - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

function policyOf(type: string, index: number): RetryPolicy {
  return { ...DEFAULT_RETRY, ...getWorkflow(type).steps[index]?.retry };
}

function message(err: unknown): string {
  if (err instanceof StepFailure || err instanceof DomainError) return err.message;
  // Raw driver or Kubernetes text stays in the log; users see a summary they can act on.
  const text = err instanceof Error ? err.message : String(err);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

function outputReader(db: Db | Tx, runId: string) {
  return async (stepName: string) => {
    const [step] = await db
      .select({ output: workflowSteps.output })
      .from(workflowSteps)
      .where(and(eq(workflowSteps.runId, runId), eq(workflowSteps.name, stepName), inArray(workflowSteps.status, ["succeeded", "compensating"])))
      .orderBy(asc(workflowSteps.index))
      .limit(1);
    return step?.output ?? undefined;
  };
}

async function withTimeout<T>(fn: (signal: AbortSignal) => Promise<T>, ms: number): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      fn(controller.signal),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          controller.abort();
          reject(new StepFailure(`timed out after ${Math.round(ms / 1000)} s`, { retryable: true }));
        }, ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs one step job to completion (or finds it stale). Safe to call any number of times for the same job. */
export async function executeStepJob(db: Db, job: StepJob): Promise<"done" | "stale"> {
  return job.kind === "run" ? executeRun(db, job) : executeCompensation(db, job);
}

async function executeRun(db: Db, job: StepJob): Promise<"done" | "stale"> {
  // 1. Claim: the run must be running at this step, and this attempt must be the next one.
  const claim = await inTransaction(db, async (tx, due) => {
    const run = await lockRun(tx, job.runId);
    if (!run || run.status !== "running" || run.currentStep !== job.stepIndex) return null;
    const [step] = await tx.select().from(workflowSteps).where(and(eq(workflowSteps.runId, run.id), eq(workflowSteps.index, job.stepIndex)));
    if (!step || step.status === "succeeded") return null;
    // A newer attempt exists, or this one already ended. The same attempt still "running" means its worker died
    // and BullMQ handed the stalled job on: run it again (steps are idempotent).
    if (step.attempts > job.attempt || (step.attempts === job.attempt && step.status !== "running")) return null;
    if (run.pauseRequested) {
      await tx.update(workflowRuns).set({ status: "paused", updatedAt: new Date() }).where(eq(workflowRuns.id, run.id));
      await tx.update(workflowSteps).set({ status: "pending" }).where(and(eq(workflowSteps.runId, run.id), eq(workflowSteps.index, job.stepIndex)));
      return null;
    }
    void due;
    await tx
      .update(workflowSteps)
      .set({ status: "running", attempts: job.attempt, startedAt: new Date(), finishedAt: null, nextAttemptAt: null })
      .where(and(eq(workflowSteps.runId, run.id), eq(workflowSteps.index, job.stepIndex)));
    await tx.update(workflowRuns).set({ updatedAt: new Date() }).where(eq(workflowRuns.id, run.id));
    return { run, step };
  });
  if (!claim) return "stale";
  const { run, step } = claim;
  const def = getWorkflow(run.type);
  const stepDef = def.steps[job.stepIndex]!;
  const policy = policyOf(run.type, job.stepIndex);

  // 2. Execute, outside any transaction (steps talk to clusters and may take long).
  const started = Date.now();
  let output: Record<string, unknown> | undefined;
  let failure: unknown;
  try {
    const ctx: StepContext<Record<string, unknown>> = { db, run: runInfo(run), stepIndex: job.stepIndex, attempt: job.attempt, output: outputReader(db, run.id), signal: new AbortController().signal };
    output = (await withTimeout((signal) => stepDef.run({ ...ctx, signal }), policy.timeoutMs)) ?? {};
  } catch (err) {
    failure = err;
  }
  const durationMs = Date.now() - started;

  // 3. Record, only if this attempt still owns the step (a sweep may have started a newer one).
  await inTransaction(db, async (tx, due) => {
    const current = await lockRun(tx, run.id);
    const [now] = await tx.select().from(workflowSteps).where(and(eq(workflowSteps.runId, run.id), eq(workflowSteps.index, job.stepIndex)));
    if (!current || !now || now.attempts !== job.attempt || now.status !== "running") return;
    const where = and(eq(workflowSteps.runId, run.id), eq(workflowSteps.index, job.stepIndex));
    if (failure === undefined) {
      await tx.update(workflowSteps).set({ status: "succeeded", output, error: null, finishedAt: new Date(), durationMs }).where(where);
      await onStepSucceeded(db, tx, due, current, job.stepIndex);
      return;
    }
    const text = message(failure);
    const inBudget = job.attempt - now.retryBase;
    if (current.status === "running" && isRetryable(failure) && inBudget < policy.attempts) {
      const delay = backoffMs(policy, inBudget);
      await tx.update(workflowSteps).set({ error: text, finishedAt: new Date(), durationMs }).where(where);
      await makeStepDue(tx, due, run.id, job.stepIndex, delay);
      log.warn("workflows", "step failed; retrying", { runId: run.id, step: step.name, attempt: job.attempt, delayMs: delay, error: text });
      return;
    }
    await tx.update(workflowSteps).set({ status: "failed", error: text, finishedAt: new Date(), durationMs }).where(where);
    log.warn("workflows", "step failed", { runId: run.id, step: step.name, attempt: job.attempt, error: failure instanceof Error ? failure.stack : String(failure) });
    if (current.status === "cancelling") await compensateFrom(db, tx, due, current, job.stepIndex - 1);
    else await finishRun(db, tx, due, current, "failed", `${step.name}: ${text}`);
  });
  return "done";
}

async function onStepSucceeded(db: Db, tx: Tx, due: Due, run: typeof workflowRuns.$inferSelect, index: number): Promise<void> {
  if (run.status === "cancelling") return compensateFrom(db, tx, due, run, index);
  const next = index + 1;
  if (next >= run.stepCount) {
    await tx.update(workflowRuns).set({ currentStep: next }).where(eq(workflowRuns.id, run.id));
    return finishRun(db, tx, due, { ...run, currentStep: next }, "succeeded", null);
  }
  const paused = !!run.pauseRequested;
  await tx.update(workflowRuns).set({ currentStep: next, status: paused ? "paused" : "running", updatedAt: new Date() }).where(eq(workflowRuns.id, run.id));
  if (!paused) await makeStepDue(tx, due, run.id, next);
}

async function executeCompensation(db: Db, job: StepJob): Promise<"done" | "stale"> {
  const [run] = await db.select().from(workflowRuns).where(eq(workflowRuns.id, job.runId));
  const [step] = await db.select().from(workflowSteps).where(and(eq(workflowSteps.runId, job.runId), eq(workflowSteps.index, job.stepIndex)));
  if (!run || run.status !== "cancelling" || step?.status !== "compensating") return "stale";
  const def = getWorkflow(run.type);
  const policy = policyOf(run.type, job.stepIndex);
  let failure: unknown;
  try {
    await withTimeout(
      (signal) => def.steps[job.stepIndex]!.compensate!({ db, run: runInfo(run), stepIndex: job.stepIndex, attempt: job.attempt, output: outputReader(db, run.id), signal }),
      policy.timeoutMs,
    );
  } catch (err) {
    failure = err;
  }
  await inTransaction(db, async (tx, due) => {
    const current = await lockRun(tx, run.id);
    const [now] = await tx.select().from(workflowSteps).where(and(eq(workflowSteps.runId, run.id), eq(workflowSteps.index, job.stepIndex)));
    if (!current || current.status !== "cancelling" || now?.status !== "compensating") return;
    const where = and(eq(workflowSteps.runId, run.id), eq(workflowSteps.index, job.stepIndex));
    if (failure === undefined) {
      await tx.update(workflowSteps).set({ status: "compensated" }).where(where);
      return compensateFrom(db, tx, due, current, job.stepIndex - 1);
    }
    if (job.attempt < policy.attempts) {
      due.push({ job: { ...job, attempt: job.attempt + 1 }, delayMs: backoffMs(policy, job.attempt) });
      return;
    }
    await tx.update(workflowSteps).set({ status: "failed", error: `undo failed: ${message(failure)}` }).where(where);
    await finishRun(db, tx, due, current, "failed", `cancelling: undoing ${now.name} failed: ${message(failure)}`);
  });
  return "done";
}

/**
 * Heals runs whose next job was lost (a crash between commit and enqueue, a worker killed mid-step): running runs
 * idle past a grace period get their current step enqueued again with a fresh attempt number.
 */
export async function sweepStuckRuns(db: Db, graceMs = 30_000): Promise<number> {
  const stale = await db
    .select()
    .from(workflowRuns)
    .where(and(inArray(workflowRuns.status, ["running", "cancelling"]), lt(workflowRuns.updatedAt, new Date(Date.now() - graceMs))))
    .limit(500);
  let healed = 0;
  for (const candidate of stale) {
    if (candidate.status === "cancelling") {
      const [undoing] = await db.select().from(workflowSteps).where(and(eq(workflowSteps.runId, candidate.id), eq(workflowSteps.status, "compensating")));
      if (undoing) {
        await db.update(workflowRuns).set({ updatedAt: new Date() }).where(eq(workflowRuns.id, candidate.id));
        await enqueueStepJob({ runId: candidate.id, stepIndex: undoing.index, attempt: 1, kind: "compensate", nonce: Date.now().toString(36) });
        healed++;
      }
      continue;
    }
    await inTransaction(db, async (tx, due) => {
      const run = await lockRun(tx, candidate.id);
      if (!run || run.status !== "running" || run.updatedAt.getTime() > Date.now() - graceMs) return;
      const [step] = await tx.select().from(workflowSteps).where(and(eq(workflowSteps.runId, run.id), eq(workflowSteps.index, run.currentStep)));
      if (!step) return;
      const policy = policyOf(run.type, run.currentStep);
      const lostRunning = step.status === "running" && (step.startedAt?.getTime() ?? 0) < Date.now() - policy.timeoutMs - graceMs;
      const lostPending = step.status === "pending" || (step.status === "waiting_retry" && (step.nextAttemptAt?.getTime() ?? 0) < Date.now() - graceMs);
      if (!lostRunning && !lostPending) return;
      await tx.update(workflowRuns).set({ updatedAt: new Date() }).where(eq(workflowRuns.id, run.id));
      await makeStepDue(tx, due, run.id, run.currentStep);
      healed++;
      log.warn("workflows", "re-enqueued a stuck run", { runId: run.id, step: step.name, stepStatus: step.status });
    });
  }
  return healed;
}
