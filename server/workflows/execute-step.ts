// Executes one step job: claims the attempt, runs the step outside any transaction, then records the outcome
// and moves the run on. Stale or duplicate jobs (a crash, a sweep, a double enqueue) find nothing to do.
import { and, asc, eq, inArray, lt, sql } from "drizzle-orm";
import type { Db, Tx } from "@/db/client";
import { workflowRuns, workflowSteps } from "@/db/schema";
import { DomainError } from "@/server/errors/domain-error";
import { log } from "@/server/log";
import { queryNamed } from "./named-query";
import { getWorkflow, stepsOf } from "./registry";
import { enqueueStepJob, type StepJob } from "./step-jobs";
import { compensateFrom, finishRun, inTransaction, lockRun, makeStepDue, noteFinished, runInfo, startNextQueued, type Due } from "./transitions";
import { DEFAULT_RETRY, StepFailure, StepPause, StepWait, type RetryPolicy, type StepContext } from "./types";

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

function policyOf(run: { type: string; input: Record<string, unknown> }, index: number): RetryPolicy {
  return { ...DEFAULT_RETRY, ...stepsOf(run.type, run.input)[index]?.retry };
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

/** How the job reached this process: `redelivered` when BullMQ handed it on after its worker died (stalled). */
export type StepJobDelivery = { redelivered?: boolean };

/**
 * Runs one step job to completion (or finds it stale). Safe to call any number of times for the same job.
 * A run job goes on with the run's next steps in this same job while they succeed (one statement records a
 * step and claims the next), so a step costs no queue round trip and no separate claim transaction.
 */
export async function executeStepJob(db: Db, job: StepJob, delivery: StepJobDelivery = {}): Promise<"done" | "stale"> {
  return job.kind === "run" ? executeRun(db, job, delivery) : executeCompensation(db, job);
}

type RunRef = { id: string; type: string; subjectId: string; orgId: string | null; input: Record<string, unknown>; stepCount: number };
/** A step this job owns now: the run, the step's index and name, and the attempt number it runs as. */
type Claim = { run: RunRef; index: number; name: string; attempt: number };
type ClaimRow = { name: string; id: string; type: string; subject_id: string; org_id: string | null; input: Record<string, unknown>; step_count: number };

const refOf = (r: ClaimRow): RunRef => ({ id: r.id, type: r.type, subjectId: r.subject_id, orgId: r.org_id, input: r.input, stepCount: r.step_count });
const runInfoOf = (r: RunRef) => ({ id: r.id, type: r.type, subjectId: r.subjectId, orgId: r.orgId, input: r.input });
const refOfRun = (r: typeof workflowRuns.$inferSelect): RunRef => ({ id: r.id, type: r.type, subjectId: r.subjectId, orgId: r.orgId, input: r.input, stepCount: r.stepCount });


// $1 run, $2 step index, $3 attempt.
const CLAIM_SQL = `
  with r as (
    select id, type, subject_id, org_id, input, step_count from workflow_runs
    where id = $1 and status = 'running' and current_step = $2 and pause_requested is null
    for update
  ), s as (
    update workflow_steps st set status = 'running', attempts = $3, started_at = now(), finished_at = null, next_attempt_at = null
    from r
    where st.run_id = r.id and st.index = $2 and st.status <> 'succeeded' and (st.attempts < $3 or (st.attempts = $3 and st.status = 'running'))
    returning st.name, r.id, r.type, r.subject_id, r.org_id, r.input, r.step_count
  ), touched as (
    update workflow_runs set updated_at = now() where id in (select id from s)
  )
  select * from s`;

// $1 run, $2 step index, $3 attempt, $4 output (json), $5 duration in ms.
const RECORD_AND_CLAIM_SQL = `
  with r as (
    select id from workflow_runs
    where id = $1 and status = 'running' and current_step = $2 and pause_requested is null and step_count > $2 + 1
    for update
  ), done as (
    update workflow_steps set status = 'succeeded', output = $4::jsonb, error = null, finished_at = now(), duration_ms = $5
    where run_id in (select id from r) and index = $2 and attempts = $3 and status = 'running'
    returning run_id
  ), moved as (
    update workflow_runs set current_step = $2 + 1, updated_at = now() where id in (select run_id from done)
  ), claimed as (
    update workflow_steps set status = 'running', attempts = attempts + 1, started_at = now(), finished_at = null, next_attempt_at = null
    where run_id in (select run_id from done) and index = $2 + 1
    returning name, attempts
  )
  select done.run_id, claimed.name, claimed.attempts from done left join claimed on true`;

/**
 * The common claim in one statement: the run is running at this step with no pause asked, and this attempt is
 * the next one (or the same one, still marked running: its worker died). Anything else → the full check.
 */
async function claimFast(db: Db, job: StepJob): Promise<Claim | undefined> {
  const rows = await queryNamed<ClaimRow>(db, "wf_claim_step", CLAIM_SQL, [job.runId, job.stepIndex, job.attempt]);
  const row = rows[0];
  return row ? { run: refOf(row), index: job.stepIndex, name: row.name, attempt: job.attempt } : undefined;
}

/** The full claim: stale and paused runs, and a chain whose worker died part-way through (taken over). */
async function claimSlow(db: Db, job: StepJob, delivery: StepJobDelivery): Promise<Claim | undefined> {
  return inTransaction(db, async (tx) => {
    const run = await lockRun(tx, job.runId);
    // A look (or retry) due while the run was paused: its attempt number is used up, so the resume's job gets a
    // new id (BullMQ keeps finished ids and would drop a second job with this one).
    if (run?.status === "paused" && run.currentStep === job.stepIndex) await consumeAttempt(tx, run.id, job);
    if (!run || run.status !== "running") return undefined;
    if (run.currentStep !== job.stepIndex) {
      // This job ran the run's steps up to the current one and its worker died there: run that step again
      // (steps are idempotent), as the same attempt. A job that merely lost a race is never redelivered.
      if (!delivery.redelivered || run.currentStep < job.stepIndex || run.currentStep >= run.stepCount) return undefined;
      const [current] = await tx.select().from(workflowSteps).where(and(eq(workflowSteps.runId, run.id), eq(workflowSteps.index, run.currentStep)));
      if (current?.status !== "running") return undefined;
      await tx.update(workflowSteps).set({ startedAt: new Date(), finishedAt: null }).where(and(eq(workflowSteps.runId, run.id), eq(workflowSteps.index, run.currentStep)));
      await tx.update(workflowRuns).set({ updatedAt: new Date() }).where(eq(workflowRuns.id, run.id));
      return { run: refOfRun(run), index: run.currentStep, name: current.name, attempt: current.attempts };
    }
    const [step] = await tx.select().from(workflowSteps).where(and(eq(workflowSteps.runId, run.id), eq(workflowSteps.index, job.stepIndex)));
    if (!step || step.status === "succeeded") return undefined;
    // A newer attempt exists, or this one already ended. The same attempt still "running" means its worker died
    // and BullMQ handed the stalled job on: run it again (steps are idempotent).
    if (step.attempts > job.attempt || (step.attempts === job.attempt && step.status !== "running")) return undefined;
    if (run.pauseRequested) {
      await tx.update(workflowRuns).set({ status: "paused", updatedAt: new Date() }).where(eq(workflowRuns.id, run.id));
      await tx.update(workflowSteps).set({ status: "pending" }).where(and(eq(workflowSteps.runId, run.id), eq(workflowSteps.index, job.stepIndex)));
      await consumeAttempt(tx, run.id, job);
      return undefined;
    }
    await tx
      .update(workflowSteps)
      .set({ status: "running", attempts: job.attempt, startedAt: new Date(), finishedAt: null, nextAttemptAt: null })
      .where(and(eq(workflowSteps.runId, run.id), eq(workflowSteps.index, job.stepIndex)));
    await tx.update(workflowRuns).set({ updatedAt: new Date() }).where(eq(workflowRuns.id, run.id));
    return { run: refOfRun(run), index: job.stepIndex, name: step.name, attempt: job.attempt };
  });
}

/** Marks a job's attempt as taken without counting it against the step's retry budget. */
async function consumeAttempt(tx: Tx, runId: string, job: StepJob): Promise<void> {
  await tx
    .update(workflowSteps)
    .set({ attempts: job.attempt, retryBase: sql`${workflowSteps.retryBase} + 1` })
    .where(and(eq(workflowSteps.runId, runId), eq(workflowSteps.index, job.stepIndex), lt(workflowSteps.attempts, job.attempt), inArray(workflowSteps.status, ["pending", "waiting_retry"])));
}

type Outcome = { output?: Record<string, unknown>; failure?: unknown; failed: boolean; durationMs: number };

async function runStep(db: Db, claim: Claim, memo: Map<string, unknown>): Promise<Outcome> {
  const stepDef = stepsOf(claim.run.type, claim.run.input)[claim.index]!;
  const policy = policyOf(claim.run, claim.index);
  const started = Date.now();
  try {
    const ctx: StepContext<Record<string, unknown>> = { db, run: runInfoOf(claim.run), stepIndex: claim.index, attempt: claim.attempt, output: outputReader(db, claim.run.id), signal: new AbortController().signal, memo };
    const output = (await withTimeout((signal) => stepDef.run({ ...ctx, signal }), policy.timeoutMs)) ?? {};
    return { output, failed: false, durationMs: Date.now() - started };
  } catch (err) {
    return { failure: err, failed: true, durationMs: Date.now() - started };
  }
}

/**
 * The common success in one statement: records the step and claims the next one for this job, when this attempt
 * still owns the step, the run is running with no pause asked, and a next step exists. Otherwise changes nothing.
 */
async function recordAndClaimNext(db: Db, claim: Claim, outcome: Outcome): Promise<Claim | "unchanged" | "lost"> {
  const next = claim.index + 1;
  const rows = await queryNamed<{ run_id: string; name: string | null; attempts: number | null }>(db, "wf_record_and_claim_next", RECORD_AND_CLAIM_SQL, [
    claim.run.id,
    claim.index,
    claim.attempt,
    JSON.stringify(outcome.output ?? {}),
    outcome.durationMs,
  ]);
  const row = rows[0];
  if (!row) return "unchanged";
  // Cannot happen (every step has its row); the sweep re-enqueues the run's next step if it ever does.
  if (row.name === null || row.attempts === null) return "lost";
  return { run: claim.run, index: next, name: row.name, attempt: row.attempts };
}

async function executeRun(db: Db, job: StepJob, delivery: StepJobDelivery): Promise<"done" | "stale"> {
  let claim = (await claimFast(db, job)) ?? (await claimSlow(db, job, delivery));
  if (!claim) return "stale";
  const memo = new Map<string, unknown>();
  for (;;) {
    // Execute outside any transaction (steps talk to clusters and may take long).
    const outcome = await runStep(db, claim, memo);
    if (!outcome.failed && claim.index + 1 >= claim.run.stepCount) {
      if (await finishFast(db, claim, outcome)) return "done";
    } else if (!outcome.failed) {
      const next = await recordAndClaimNext(db, claim, outcome);
      if (next === "lost") {
        log.error("workflows", "a step succeeded but the next one has no row", { runId: claim.run.id, step: claim.name });
        return "done";
      }
      if (next !== "unchanged") {
        claim = next;
        continue;
      }
    }
    await recordOutcome(db, claim, outcome);
    return "done";
  }
}

// $1 run, $2 step index, $3 attempt, $4 output (json), $5 duration in ms, $6 the run's subject. `seen` is the run's row
// as of the statement's snapshot, `r` the row as locked (the latest): they differ when a transaction the snapshot
// does not include changed the row.
const FINISH_SQL = `
  with seen as (
    select updated_at from workflow_runs where id = $1
  ), r as (
    select id, updated_at from workflow_runs where id = $1 and status = 'running' and current_step = $2 for update
  ), done as (
    update workflow_steps set status = 'succeeded', output = $4::jsonb, error = null, finished_at = now(), duration_ms = $5
    where run_id in (select id from r) and index = $2 and attempts = $3 and status = 'running'
    returning run_id
  )
  update workflow_runs set current_step = $2 + 1, status = 'succeeded', error = null, finished_at = now(), updated_at = now(), pause_requested = null
  where id in (select run_id from done)
  returning id,
    exists (select 1 from r, seen where r.updated_at is distinct from seen.updated_at) as touched,
    exists (select 1 from workflow_runs q where q.subject_id = $6 and q.status = 'queued') as queued_seen`;

/**
 * The last step succeeded: records it and ends the run in one statement (then the run's onFinish and the subject's
 * next queued run, as finishRun does), when this attempt still owns the step and the run is not being cancelled.
 */
async function finishFast(db: Db, claim: Claim, outcome: Outcome): Promise<boolean> {
  return inTransaction(db, async (tx, due) => {
    const [row] = await queryNamed<{ id: string; touched: boolean; queued_seen: boolean }>(tx, "wf_finish_run", FINISH_SQL, [
      claim.run.id,
      claim.index,
      claim.attempt,
      JSON.stringify(outcome.output ?? {}),
      outcome.durationMs,
      claim.run.subjectId,
    ]);
    if (!row) return false;
    const def = getWorkflow(claim.run.type);
    if (def.onFinish) await def.onFinish({ db: tx as unknown as Db, run: runInfoOf(claim.run), status: "succeeded", error: null });
    noteFinished(due, runInfoOf(claim.run));
    // Nothing queued for the subject as of the statement, and its run row unchanged since: nothing can be waiting.
    // A run queued behind this one by a transaction the statement could not see touches this run's row after it
    // commits (see recheckQueued), so either the row changed (touched) or that queued run was visible.
    if (row.touched || row.queued_seen) await startNextQueued(tx, due, claim.run.subjectId);
    return true;
  });
}

/** Records an outcome the one-statement path does not cover: failures, the last step, pauses, cancellations. */
async function recordOutcome(db: Db, claim: Claim, outcome: Outcome): Promise<void> {
  const { run, index: stepIndex, attempt, name } = claim;
  const policy = policyOf(run, stepIndex);
  const { output, failure, durationMs } = outcome;
  // Only if this attempt still owns the step (a sweep may have started a newer one).
  await inTransaction(db, async (tx, due) => {
    const current = await lockRun(tx, run.id);
    const [now] = await tx.select().from(workflowSteps).where(and(eq(workflowSteps.runId, run.id), eq(workflowSteps.index, stepIndex)));
    if (!current || !now || now.attempts !== attempt || now.status !== "running") return;
    const where = and(eq(workflowSteps.runId, run.id), eq(workflowSteps.index, stepIndex));
    if (!outcome.failed) {
      await tx.update(workflowSteps).set({ status: "succeeded", output, error: null, finishedAt: new Date(), durationMs }).where(where);
      await onStepSucceeded(db, tx, due, current, stepIndex);
      return;
    }
    // Waiting and pausing are not failures: the attempt is not counted against the budget (retryBase moves on).
    if ((failure instanceof StepWait || failure instanceof StepPause) && current.status !== "cancelling") {
      const note = failure instanceof StepWait ? { waiting: true, ...failure.note } : { paused: failure.reason };
      await tx.update(workflowSteps).set({ retryBase: now.retryBase + 1, error: null, output: note, finishedAt: new Date(), durationMs }).where(where);
      const pauseReason = failure instanceof StepPause ? failure.reason : current.pauseRequested;
      if (pauseReason) {
        await tx.update(workflowSteps).set({ status: "pending" }).where(where);
        await tx.update(workflowRuns).set({ status: "paused", pauseRequested: pauseReason, updatedAt: new Date() }).where(eq(workflowRuns.id, run.id));
        return;
      }
      await tx.update(workflowRuns).set({ updatedAt: new Date() }).where(eq(workflowRuns.id, run.id));
      await makeStepDue(tx, due, run.id, stepIndex, (failure as StepWait).delayMs);
      return;
    }
    if (failure instanceof StepWait || failure instanceof StepPause) {
      // Cancelled while it waited: nothing of this step was done; undo the steps before it.
      await tx.update(workflowSteps).set({ status: "skipped", finishedAt: new Date(), durationMs }).where(where);
      return compensateFrom(db, tx, due, current, stepIndex - 1);
    }
    const text = message(failure);
    const inBudget = attempt - now.retryBase;
    if (current.status === "running" && isRetryable(failure) && inBudget < policy.attempts) {
      const delay = backoffMs(policy, inBudget);
      await tx.update(workflowSteps).set({ error: text, finishedAt: new Date(), durationMs }).where(where);
      await makeStepDue(tx, due, run.id, stepIndex, delay);
      log.warn("workflows", "step failed; retrying", { runId: run.id, step: name, attempt, delayMs: delay, error: text });
      return;
    }
    await tx.update(workflowSteps).set({ status: "failed", error: text, finishedAt: new Date(), durationMs }).where(where);
    log.warn("workflows", "step failed", { runId: run.id, step: name, attempt, error: failure instanceof Error ? failure.stack : String(failure) });
    if (current.status === "cancelling") await compensateFrom(db, tx, due, current, stepIndex - 1);
    else await finishRun(db, tx, due, current, "failed", `${name}: ${text}`);
  });
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
  const defs = stepsOf(run.type, run.input);
  const policy = policyOf(run, job.stepIndex);
  let failure: unknown;
  try {
    await withTimeout(
      (signal) => defs[job.stepIndex]!.compensate!({ db, run: runInfo(run), stepIndex: job.stepIndex, attempt: job.attempt, output: outputReader(db, run.id), signal, memo: new Map() }),
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
      const policy = policyOf(run, run.currentStep);
      const lostRunning = step.status === "running" && (step.startedAt?.getTime() ?? 0) < Date.now() - policy.timeoutMs - graceMs;
      const lostPending = step.status === "pending" || (step.status === "waiting_retry" && (step.nextAttemptAt?.getTime() ?? 0) < Date.now() - graceMs);
      if (!lostRunning && !lostPending) return;
      await tx.update(workflowRuns).set({ updatedAt: new Date() }).where(eq(workflowRuns.id, run.id));
      await makeStepDue(tx, due, run.id, run.currentStep);
      healed++;
      log.warn("workflows", "re-enqueued a stuck run", { runId: run.id, step: step.name, stepStatus: step.status });
    });
  }
  // A queued run whose subject may have nothing active (its creator died between commit and recheckQueued): start
  // it if so (a no-op while a run holds the subject).
  const waiting = await db
    .selectDistinct({ subjectId: workflowRuns.subjectId })
    .from(workflowRuns)
    .where(and(eq(workflowRuns.status, "queued"), lt(workflowRuns.updatedAt, new Date(Date.now() - graceMs))))
    .limit(500);
  for (const w of waiting) await inTransaction(db, (tx, due) => startNextQueued(tx, due, w.subjectId));
  return healed;
}
