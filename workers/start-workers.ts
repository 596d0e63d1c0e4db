// Starts BullMQ Workers for processor registrations (the workers process, and tests that need real processing).
import { UnrecoverableError, Worker, type Job } from "bullmq";
import { DomainError } from "@/server/errors/domain-error";
import { log } from "@/server/log";
import { getBullConnection, getQueue, queuePrefix } from "@/server/jobs/queues";
import type { ProcessorRegistration } from "./queues";

/** Worker settings a registration may tune beyond ProcessorRegistration. */
export type WorkerTuning = {
  /** How many times a job of a dead worker is handed on before BullMQ fails it (BullMQ's default: once). */
  maxStalledCount?: number;
};

/** Domain errors that a retry cannot fix fail the job at once; the rest retry with the job's backoff. */
const retryable = new Set(["TOO_MANY_REQUESTS", "CONFLICT"]);
function withErrorMapping(fn: ProcessorRegistration["process"]) {
  return async (job: Job) => {
    try {
      return await fn(job);
    } catch (err) {
      if (err instanceof DomainError && !retryable.has(err.code)) throw new UnrecoverableError(`${err.code}: ${err.message}`);
      throw err;
    }
  };
}

/** One Worker per registration, plus its recurring jobs (upserted, so restarts do not duplicate them). */
export async function startWorkers(registrations: (ProcessorRegistration & WorkerTuning)[], opts: { schedules?: boolean } = {}): Promise<Worker[]> {
  const workers = registrations.map((r) => {
    const worker = new Worker(r.queue, withErrorMapping(r.process), {
      connection: getBullConnection(),
      prefix: queuePrefix(),
      concurrency: r.concurrency ?? 1,
      ...(r.stalledIntervalMs ? { stalledInterval: r.stalledIntervalMs, lockDuration: r.stalledIntervalMs } : {}),
      ...(r.maxStalledCount !== undefined ? { maxStalledCount: r.maxStalledCount } : {}),
    });
    worker.on("failed", (job, err) => log.warn("workers", "job failed", { queue: r.queue, job: job?.name, id: job?.id, attempts: job?.attemptsMade, error: err.message }));
    worker.on("error", (err) => log.error("workers", "worker error", { queue: r.queue, error: err.message }));
    return worker;
  });
  if (opts.schedules !== false) {
    for (const r of registrations) {
      for (const s of r.schedules ?? []) {
        await getQueue(r.queue).upsertJobScheduler(s.id, { every: s.every }, { name: s.jobName, data: s.data ?? {}, opts: { removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } } });
      }
    }
  }
  return workers;
}
