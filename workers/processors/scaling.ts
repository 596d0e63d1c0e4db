// Scale to zero: gateway request counts drained into usage every 5 s; idle instances put to sleep every 15 s
// (after a drain, so the latest requests count as activity).
import { UnrecoverableError } from "bullmq";
import { getDb } from "@/db/client";
import { sleepIdleInstances } from "@/server/scaling/idle-detection";
import { drainRequestUsage } from "@/server/scaling/request-usage-drain";
import { QUEUES, type ProcessorRegistration } from "../queues";

export const scalingProcessor: ProcessorRegistration = {
  queue: QUEUES.scaling,
  concurrency: 1,
  schedules: [
    { id: "scaling-drain", every: 5_000, jobName: "drain-requests" },
    { id: "scaling-idle", every: 15_000, jobName: "sleep-idle" },
  ],
  async process(job) {
    const db = getDb();
    if (job.name === "drain-requests") return drainRequestUsage(db);
    if (job.name === "sleep-idle") {
      await drainRequestUsage(db);
      return { sleeping: await sleepIdleInstances(db) };
    }
    throw new UnrecoverableError(`unknown scaling job ${job.name}`);
  },
};
