// The workers process: one BullMQ Worker per registered queue, recurring jobs declared once, graceful shutdown.
import { UnrecoverableError, type Worker } from "bullmq";
import { closeDb } from "@/db/client";
import { assertEnvOrExit } from "@/server/env";
import { log } from "@/server/log";
import { closeRedis, getRedis, redisKey } from "@/server/redis/client";
import { closeQueues, queuePrefix, QUEUES, type BackgroundTask, type ProcessorRegistration } from "./queues";
import { clustersProcessor, clusterWatchTask } from "./processors/clusters";
import { workflowStepsProcessor } from "./processors/workflows";
import { billingProcessor, stripeEventsProcessor } from "./processors/billing";
import { scalingProcessor } from "./processors/scaling";
import { notificationsProcessor } from "./processors/notifications";
import { startWorkers } from "./start-workers";

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
const registrations: ProcessorRegistration[] = [maintenance, clustersProcessor, workflowStepsProcessor, billingProcessor, stripeEventsProcessor, scalingProcessor, notificationsProcessor];

/** Long-running tasks besides queues. */
const backgroundTasks: BackgroundTask[] = [clusterWatchTask];

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

  workers = await startWorkers(registrations);

  stopTasks = backgroundTasks.map((t) => t.start());

  log.info("workers", "workers ready", { queues: registrations.map((r) => r.queue), prefix: queuePrefix() });
}

main().catch((err: unknown) => {
  log.error("workers", "failed to start", { error: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
