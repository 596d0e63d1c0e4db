// Starting and steering workflow runs: start (queued behind the subject's active run), pause, resume, retry, cancel.
import { and, eq, inArray } from "drizzle-orm";
import type { Db, Tx } from "@/db/client";
import { workflowRuns, workflowSteps, workflowTypeSettings, type RunStatus } from "@/db/schema";
import { recordAudit, type AuditEntry } from "@/server/audit/record-audit";
import { actorLabel, type ActorContext } from "@/server/auth/actor";
import { DomainError } from "@/server/errors/domain-error";
import { queryNamed } from "./named-query";
import { promoteStepJob } from "./step-jobs";
import { getWorkflow, stepsOf } from "./registry";
import { ACTIVE, compensateFrom, inTransaction, lockRun, lockSubject, makeStepDue, type Due } from "./transitions";

export type StartRunInput = { type: string; subjectType: string; subjectId: string; orgId: string | null; input: Record<string, unknown> };

/**
 * Creates a run in the caller's transaction. It starts at once when its subject has no active run, else it
 * waits its turn ("queued"); a type held by operators starts paused. Push the returned jobs with `due` after commit.
 */
export async function createRun(tx: Tx, due: Due, ctx: ActorContext, start: StartRunInput, opts: { newSubject?: boolean; audits?: AuditEntry[] } = {}) {
  const def = getWorkflow(start.type);
  const input = def.input.parse(start.input) as Record<string, unknown>;
  const steps = stepsOf(start.type, input);
  let busy: { id: string } | undefined;
  // A subject created in this same transaction has no other run, and none can start before this commits.
  if (!opts.newSubject) {
    await lockSubject(tx, start.subjectId);
    [busy] = await tx
      .select({ id: workflowRuns.id })
      .from(workflowRuns)
      .where(and(eq(workflowRuns.subjectId, start.subjectId), inArray(workflowRuns.status, [...ACTIVE, "queued"])))
      .limit(1);
  }
  const held = await isTypeHeld(tx, start.type);
  const status = busy ? "queued" : held ? "paused" : "running";
  // The run and its steps in one statement; a running run's first step is due at once (written as such here).
  const now = new Date();
  const id = crypto.randomUUID();
  // The caller's audit entries (opts.audits) and the run's own are written by the same statement.
  const audits = [...(opts.audits ?? []), { orgId: start.orgId, action: "workflows.start", targetType: start.subjectType, targetId: start.subjectId, details: { runId: id, type: start.type } }];
  const [row] = await queryNamed<RunRow>(tx, "wf_create_run", CREATE_RUN_SQL, [
    id,
    start.type,
    start.subjectType,
    start.subjectId,
    start.orgId,
    status,
    input,
    steps.length,
    actorLabel(ctx.actor),
    held ? "new runs of this type are held by an operator" : null,
    status === "running" || status === "paused" ? now : null,
    steps.map((s) => s.name),
    status === "running" ? now : null,
    JSON.stringify(await Promise.all(audits.map((a) => auditRow(ctx, a)))),
  ]);
  const run = runOfRow(row!);
  if (status === "running") due.push({ job: { runId: run.id, stepIndex: 0, attempt: 1, kind: "run" }, delayMs: 0 });
  // The run it waits for may finish without seeing this one (see recheckQueued), so it is rechecked after commit.
  if (status === "queued") (due.queuedFor ??= []).push(start.subjectId);
  return run;
}

/** How long a type's "held" setting is reused by this process (setTypeHeld forgets it at once here). */
const HELD_TTL_MS = 1_000;
const heldCache = new Map<string, { at: number; held: boolean }>();

async function isTypeHeld(tx: Tx, type: string): Promise<boolean> {
  const hit = heldCache.get(type);
  if (hit && Date.now() - hit.at < HELD_TTL_MS) return hit.held;
  const [setting] = await tx.select({ held: workflowTypeSettings.pauseNewRuns }).from(workflowTypeSettings).where(eq(workflowTypeSettings.type, type));
  const held = setting?.held ?? false;
  heldCache.set(type, { at: Date.now(), held });
  return held;
}

// $1 id, $2 type, $3 subject type, $4 subject, $5 org, $6 status, $7 input, $8 step count, $9 requested by,
// $10 pause requested, $11 started at, $12 step names in order, $13 the first step's next attempt, $14 audit rows (json).
const CREATE_RUN_SQL = `
  with run as (
    insert into workflow_runs (id, type, subject_type, subject_id, org_id, status, input, step_count, requested_by, pause_requested, started_at)
    values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
    returning *
  ), steps as (
    insert into workflow_steps (run_id, index, name, next_attempt_at)
    select $1, s.ord - 1, s.name, case when s.ord = 1 then $13::timestamptz end
    from unnest($12::text[]) with ordinality as s(name, ord)
  ), audits as (
    insert into audit_log (org_id, actor_type, actor_id, actor_label, action, target_type, target_id, ip, user_agent, request_id, details)
    select org_id, actor_type, actor_id, actor_label, action, target_type, target_id, ip, user_agent, request_id, details
    from json_populate_recordset(null::audit_log, $14::json)
  )
  select * from run`;

/**
 * The audit row recordAudit writes for `entry` (column names as keys), for a statement of ours to write along with
 * others: recordAudit is handed a stand-in that keeps the row instead of inserting it, so the row stays its own.
 */
async function auditRow(ctx: ActorContext, entry: AuditEntry): Promise<Record<string, unknown>> {
  let row: Record<string, unknown> = {};
  const keep = { insert: () => ({ values: (values: Record<string, unknown>) => void (row = values) }) };
  await recordAudit(keep as unknown as Tx, ctx, entry);
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), v]));
}

type RunRow = {
  id: string; type: string; subject_type: string; subject_id: string; org_id: string | null; status: RunStatus; input: Record<string, unknown>;
  current_step: number; step_count: number; pause_requested: string | null; error: string | null; requested_by: string; seq: number;
  created_at: Date; started_at: Date | null; finished_at: Date | null; updated_at: Date;
};

const runOfRow = (r: RunRow): typeof workflowRuns.$inferSelect => ({
  id: r.id, type: r.type, subjectType: r.subject_type, subjectId: r.subject_id, orgId: r.org_id, status: r.status, input: r.input,
  currentStep: r.current_step, stepCount: r.step_count, pauseRequested: r.pause_requested, error: r.error, requestedBy: r.requested_by, seq: r.seq,
  createdAt: r.created_at, startedAt: r.started_at, finishedAt: r.finished_at, updatedAt: r.updated_at,
});

/** Starts a run in its own transaction and enqueues its first step. */
export async function startRun(db: Db, ctx: ActorContext, start: StartRunInput) {
  return inTransaction(db, (tx, due) => createRun(tx, due, ctx, start));
}

async function requireRun(tx: Tx, runId: string, orgId?: string | null) {
  const run = await lockRun(tx, runId);
  // Another organization's run does not exist for the caller.
  if (!run || (orgId !== undefined && run.orgId !== orgId)) throw new DomainError("NOT_FOUND", "Workflow run not found");
  return run;
}

/** Pauses a run before its next step (a step already running finishes first). */
export async function pauseRun(db: Db, ctx: ActorContext, runId: string, orgId?: string | null) {
  return inTransaction(db, async (tx) => {
    const run = await requireRun(tx, runId, orgId);
    if (run.status !== "running" && run.status !== "queued") throw new DomainError("PRECONDITION_FAILED", `A ${run.status} run cannot be paused`);
    const steps = await tx.select().from(workflowSteps).where(and(eq(workflowSteps.runId, runId), eq(workflowSteps.index, run.currentStep)));
    const midStep = steps[0]?.status === "running";
    await tx
      .update(workflowRuns)
      .set({ pauseRequested: `paused by ${actorLabel(ctx.actor)}`, status: run.status === "running" && !midStep ? "paused" : run.status, updatedAt: new Date() })
      .where(eq(workflowRuns.id, runId));
    await recordAudit(tx, ctx, { orgId: run.orgId, action: "workflows.pause", targetType: "workflow_run", targetId: runId });
  });
}

/** Resumes a paused run from the step it stopped before. */
export async function resumeRun(db: Db, ctx: ActorContext, runId: string, orgId?: string | null) {
  return inTransaction(db, async (tx, due) => {
    const run = await requireRun(tx, runId, orgId);
    if (run.status === "queued" || (run.status === "running" && run.pauseRequested)) {
      await tx.update(workflowRuns).set({ pauseRequested: null, updatedAt: new Date() }).where(eq(workflowRuns.id, runId));
    } else if (run.status === "paused") {
      await tx.update(workflowRuns).set({ status: "running", pauseRequested: null, updatedAt: new Date() }).where(eq(workflowRuns.id, runId));
      await makeStepDue(tx, due, runId, run.currentStep);
    } else {
      throw new DomainError("PRECONDITION_FAILED", `A ${run.status} run cannot be resumed`);
    }
    await recordAudit(tx, ctx, { orgId: run.orgId, action: "workflows.resume", targetType: "workflow_run", targetId: runId });
  });
}

/** Retries a failed run from its failed step, with a fresh retry budget, when its subject is free. */
export async function retryRun(db: Db, ctx: ActorContext, runId: string, orgId?: string | null) {
  return inTransaction(db, async (tx, due) => {
    const run = await requireRun(tx, runId, orgId);
    if (run.status !== "failed") throw new DomainError("PRECONDITION_FAILED", `Only a failed run can be retried; this one is ${run.status}`);
    await lockSubject(tx, run.subjectId);
    const [other] = await tx
      .select({ id: workflowRuns.id, type: workflowRuns.type })
      .from(workflowRuns)
      .where(and(eq(workflowRuns.subjectId, run.subjectId), inArray(workflowRuns.status, [...ACTIVE, "queued"])))
      .limit(1);
    if (other) throw new DomainError("CONFLICT", `Another run (${other.type}) is in progress for this instance; retry when it ends`);
    const [step] = await tx.select().from(workflowSteps).where(and(eq(workflowSteps.runId, runId), eq(workflowSteps.index, run.currentStep)));
    await tx.update(workflowSteps).set({ retryBase: step?.attempts ?? 0, error: null }).where(and(eq(workflowSteps.runId, runId), eq(workflowSteps.index, run.currentStep)));
    await tx.update(workflowRuns).set({ status: "running", error: null, finishedAt: null, updatedAt: new Date() }).where(eq(workflowRuns.id, runId));
    await makeStepDue(tx, due, runId, run.currentStep);
    await recordAudit(tx, ctx, { orgId: run.orgId, action: "workflows.retry", targetType: "workflow_run", targetId: runId, details: { fromStep: step?.name } });
  });
}

/**
 * Cancels a run: completed steps are compensated in reverse order, then the run is cancelled. A step that is
 * running finishes first; a queued run is cancelled at once.
 */
export async function cancelRun(db: Db, ctx: ActorContext, runId: string, orgId?: string | null) {
  return inTransaction(db, async (tx, due) => {
    const run = await requireRun(tx, runId, orgId);
    if (!["queued", "running", "paused", "failed"].includes(run.status)) throw new DomainError("PRECONDITION_FAILED", `A ${run.status} run cannot be cancelled`);
    await recordAudit(tx, ctx, { orgId: run.orgId, action: "workflows.cancel", targetType: "workflow_run", targetId: runId });
    const [step] = await tx.select().from(workflowSteps).where(and(eq(workflowSteps.runId, runId), eq(workflowSteps.index, run.currentStep)));
    await tx.update(workflowRuns).set({ status: "cancelling", pauseRequested: null, updatedAt: new Date() }).where(eq(workflowRuns.id, runId));
    if (step?.status === "running") return; // the step's completion continues the cancellation
    if (step && (step.status === "pending" || step.status === "waiting_retry")) {
      await tx.update(workflowSteps).set({ status: "skipped" }).where(and(eq(workflowSteps.runId, runId), eq(workflowSteps.index, run.currentStep)));
    }
    await compensateFrom(db, tx, due, { ...run, status: "cancelling" }, run.currentStep);
  });
}

/** Holds (or releases) every new run of a type: they start paused until resumed one by one. */
export async function setTypeHeld(db: Db, ctx: ActorContext, type: string, held: boolean) {
  getWorkflow(type);
  heldCache.delete(type);
  await db.transaction(async (tx) => {
    await tx
      .insert(workflowTypeSettings)
      .values({ type, pauseNewRuns: held })
      .onConflictDoUpdate({ target: workflowTypeSettings.type, set: { pauseNewRuns: held, updatedAt: new Date() } });
    heldCache.delete(type);
    await recordAudit(tx, ctx, { orgId: null, action: held ? "workflows.hold_type" : "workflows.release_type", targetType: "workflow_type", targetId: type });
  });
}

/**
 * A run whose current step waits (StepWait) looks again now rather than at its scheduled time: for callers that know
 * what it waits for has happened. Harmless at any other moment.
 */
export async function hurryWaitingStep(db: Db, runId: string): Promise<void> {
  const [row] = await db
    .select({ status: workflowRuns.status, index: workflowSteps.index, stepStatus: workflowSteps.status, attempts: workflowSteps.attempts })
    .from(workflowRuns)
    .innerJoin(workflowSteps, and(eq(workflowSteps.runId, workflowRuns.id), eq(workflowSteps.index, workflowRuns.currentStep)))
    .where(eq(workflowRuns.id, runId));
  if (!row || row.status !== "running" || row.stepStatus !== "waiting_retry") return;
  await promoteStepJob({ runId, stepIndex: row.index, attempt: row.attempts + 1, kind: "run" });
}
