// BullMQ queue names and lazily created queues (the job-queue integration): producers anywhere call getQueue(name);
// nothing connects at import time.
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { getEnv } from "@/server/env";
import { createBullConnection } from "@/server/redis/client";

/** Every queue, by its kebab-case name. Later issues add theirs here. */
export const QUEUES = {
  maintenance: "maintenance",
  clusters: "clusters",
  workflowSteps: "workflow-steps",
  /** Metering, export to Stripe, grace periods, reconciliation: one job at a time per process. */
  billing: "billing",
  stripeEvents: "stripe-events",
  /** Scale to zero: request counts from gateways into usage, idle instances to sleep. */
  scaling: "scaling",
  /** Incident notices: webhook delivery attempts (with a sweep for lost ones) and outbox emails. */
  notifications: "notifications",
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

let connection: Redis | undefined;
const queues = new Map<QueueName, Queue>();

/** The one Redis connection shared by this process's queues (workers duplicate it for their blocking reads). */
export function getBullConnection(): Redis {
  connection ??= createBullConnection();
  return connection;
}

/** Key prefix of every queue: REDIS_PREFIX, so deployments and test files sharing a Redis stay apart. */
export function queuePrefix(): string {
  return getEnv().REDIS_PREFIX;
}

/** The queue `name`, created on first use. */
export function getQueue(name: QueueName): Queue {
  let queue = queues.get(name);
  if (!queue) {
    queue = new Queue(name, {
      connection: getBullConnection(),
      prefix: queuePrefix(),
      // Keep recent history for inspection without letting Redis grow forever.
      defaultJobOptions: { removeOnComplete: { count: 1000 }, removeOnFail: { count: 5000 } },
    });
    queues.set(name, queue);
  }
  return queue;
}

/** Closes every queue and the shared connection (graceful shutdown, tests). */
export async function closeQueues(): Promise<void> {
  const open = [...queues.values()];
  queues.clear();
  await Promise.all(open.map((q) => q.close().catch(() => {})));
  await connection?.quit().catch(() => {});
  connection = undefined;
}

