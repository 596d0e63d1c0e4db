// Starting and steering workflow runs: start (queued behind the subject's active run), pause, resume, retry, cancel.
import { and, eq, inArray } from "drizzle-orm";
import type { Db, Tx } from "@/db/client";
import { workflowRuns, workflowSteps, workflowTypeSettings } from "@/db/schema";
import { recordAudit } from "@/server/audit/record-audit";
import { actorLabel, type ActorContext } from "@/server/auth/actor";
import { DomainError } from "@/server/errors/domain-error";
import { getWorkflow } from "./registry";
import { ACTIVE, compensateFrom, inTransaction, lockRun, lockSubject, makeStepDue, type Due } from "./transitions";

export type StartRunInput = { type: string; subjectType: string; subjectId: string; orgId: string | null; input: Record<string, unknown> };

/**
 * Creates a run in the caller's transaction. It starts at once when its subject has no active run, else it
 * waits its turn ("queued"); a type held by operators starts paused. Push the returned jobs with `due` after commit.
 */
export async function createRun(tx: Tx, due: Due, ctx: ActorContext, start: StartRunInput, opts: { newSubject?: boolean } = {}) {
  const def = getWorkflow(start.type);
  const input = def.input.parse(start.input) as Record<string, unknown>;
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
  const [setting] = await tx.select().from(workflowTypeSettings).where(eq(workflowTypeSettings.type, start.type));
  const held = setting?.pauseNewRuns ?? false;
  const status = busy ? "queued" : held ? "paused" : "running";
  const [run] = await tx
    .insert(workflowRuns)
    .values({
      type: start.type,
      subjectType: start.subjectType,
      subjectId: start.subjectId,
      orgId: start.orgId,
      status,
      input,
      stepCount: def.steps.length,
      requestedBy: actorLabel(ctx.actor),
      pauseRequested: held ? "new runs of this type are held by an operator" : null,
      startedAt: status === "running" || status === "paused" ? new Date() : null,
    })
    .returning();
  // A running run's first step is due at once: written as such here rather than updated afterwards.
  const now = new Date();
  await tx
    .insert(workflowSteps)
    .values(def.steps.map((s, index) => ({ runId: run!.id, index, name: s.name, ...(index === 0 && status === "running" ? { nextAttemptAt: now } : {}) })));
  await recordAudit(tx, ctx, { orgId: start.orgId, action: "workflows.start", targetType: start.subjectType, targetId: start.subjectId, details: { runId: run!.id, type: start.type } });
  if (status === "running") due.push({ job: { runId: run!.id, stepIndex: 0, attempt: 1, kind: "run" }, delayMs: 0 });
  return run!;
}

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
  await db.transaction(async (tx) => {
    await tx
      .insert(workflowTypeSettings)
      .values({ type, pauseNewRuns: held })
      .onConflictDoUpdate({ target: workflowTypeSettings.type, set: { pauseNewRuns: held, updatedAt: new Date() } });
    await recordAudit(tx, ctx, { orgId: null, action: held ? "workflows.hold_type" : "workflows.release_type", targetType: "workflow_type", targetId: type });
  });
}
