// The workers process: one BullMQ Worker per registered queue, recurring jobs declared once, graceful shutdown.
import { UnrecoverableError, Worker, type Job } from "bullmq";
import { closeDb } from "@/db/client";
import { assertEnvOrExit } from "@/server/env";
import { DomainError } from "@/server/errors/domain-error";
import { log } from "@/server/log";
import { closeRedis, getRedis, redisKey } from "@/server/redis/client";
import { closeQueues, getBullConnection, getQueue, queuePrefix, QUEUES, type BackgroundTask, type ProcessorRegistration } from "./queues";
import { clustersProcessor, clusterWatchTask } from "./processors/clusters";

/** Housekeeping: a heartbeat every minute so health checks can tell the workers are alive. */
const maintenance: ProcessorRegistration = {
  queue: QUEUES.maintenance,
  schedules: [{ id: "maintenance-heartbeat", every: 60_000, jobName: "heartbeat" }],
  async process(job) {
    if (job.name === "heartbeat") {
      const now = new Date().toISOString();
      await getRedis().set(redisKey("workers", "heartbeat"), now);
      log.info("workers", "heartbeat", { at: now });
      return { at: now };
    }
    throw new UnrecoverableError(`unknown maintenance job ${job.name}`);
  },
};

/** Every processed queue. Later issues add one line each. */
const registrations: ProcessorRegistration[] = [maintenance, clustersProcessor];

/** Long-running tasks besides queues. */
const backgroundTasks: BackgroundTask[] = [clusterWatchTask];

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

async function main(): Promise<void> {
  assertEnvOrExit();
  let workers: Worker[] = [];
  let stopTasks: (() => Promise<void>)[] = [];
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      log.warn("workers", `${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    log.info("workers", "shutting down", { signal });
    await Promise.all(stopTasks.map((stop) => stop().catch(() => {})));
    await Promise.all(workers.map((w) => w.close().catch(() => {})));
    await closeQueues();
    await closeDb().catch(() => {});
    await closeRedis();
    log.info("workers", "stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));

  workers = registrations.map((r) => {
    const worker = new Worker(r.queue, withErrorMapping(r.process), {
      connection: getBullConnection(),
      prefix: queuePrefix(),
      concurrency: r.concurrency ?? 1,
    });
    worker.on("failed", (job, err) =>
      log.warn("workers", "job failed", { queue: r.queue, job: job?.name, id: job?.id, attempts: job?.attemptsMade, error: err.message }),
    );
    worker.on("error", (err) => log.error("workers", "worker error", { queue: r.queue, error: err.message }));
    return worker;
  });

  for (const r of registrations) {
    for (const s of r.schedules ?? []) {
      await getQueue(r.queue).upsertJobScheduler(s.id, { every: s.every }, {
        name: s.jobName,
        data: s.data ?? {},
        opts: { removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } },
      });
    }
  }

  stopTasks = backgroundTasks.map((t) => t.start());

  log.info("workers", "workers ready", { queues: registrations.map((r) => r.queue), prefix: queuePrefix() });
}

main().catch((err: unknown) => {
  log.error("workers", "failed to start", { error: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
