// One BullMQ job per step execution, with a deterministic id (run, step, attempt), so a duplicate enqueue is a no-op.
import { z } from "zod";
import { getQueue, QUEUES } from "@/server/jobs/queues";

export const stepJobPayload = z.object({
  runId: z.uuid(),
  stepIndex: z.number().int().min(0),
  attempt: z.number().int().min(1),
  /** "run" executes the step; "compensate" undoes it during cancellation. */
  kind: z.enum(["run", "compensate"]),
  /** Set by the sweep when it re-enqueues a compensation, whose earlier job may linger under the same id. */
  nonce: z.string().regex(/^[a-z0-9]+$/).optional(),
});
export type StepJob = z.infer<typeof stepJobPayload>;

export function stepJobId(job: StepJob): string {
  return `wf-${job.runId}-${job.kind === "run" ? "s" : "c"}${job.stepIndex}-a${job.attempt}${job.nonce ? `-${job.nonce}` : ""}`;
}

/** Enqueues a step execution (after the transaction that made it due has committed). */
export async function enqueueStepJob(job: StepJob, delayMs = 0): Promise<void> {
  await getQueue(QUEUES.workflowSteps).add(job.kind, job, {
    jobId: stepJobId(job),
    delay: Math.max(0, Math.round(delayMs)),
    // Retries are the engine's business (recorded per step in PostgreSQL), not BullMQ's.
    attempts: 1,
    removeOnComplete: { age: 3600, count: 10_000 },
    removeOnFail: { age: 24 * 3600 },
  });
}

/** Runs a delayed step job now (a waiting step whose awaited event happened); no-op when it is not delayed. */
export async function promoteStepJob(job: StepJob): Promise<void> {
  const found = await getQueue(QUEUES.workflowSteps).getJob(stepJobId(job));
  if (found && (await found.isDelayed())) await found.promote().catch(() => {});
}
