// What the workers process runs: queue registrations and background tasks. Queues themselves live in server/jobs.
import type { Job } from "bullmq";
import type { QueueName } from "@/server/jobs/queues";

export { QUEUES, closeQueues, getBullConnection, getQueue, queuePrefix, type QueueName } from "@/server/jobs/queues";

/**
 * How a queue is processed: the workers process starts one BullMQ Worker per registration.
 * `process` stays thin: parse `job.data` with the producer's zod schema, call server/* functions.
 */
export type ProcessorRegistration = {
  queue: QueueName;
  process: (job: Job) => Promise<unknown>;
  concurrency?: number;
  /** How soon a job of a dead worker is handed to another (BullMQ stalled-job check); default 30 s. */
  stalledIntervalMs?: number;
  /** Recurring jobs of this queue, declared once and upserted at every start (idempotent). Ids without ':'. */
  schedules?: { id: string; every: number; jobName: string; data?: Record<string, unknown> }[];
};

/** Long-running work of the workers process besides queues (watches); `start` returns its stop function. */
export type BackgroundTask = { name: string; start: () => () => Promise<void> };
