// Redis connections, created lazily; every key we write goes through `redisKey` so test files and deployments can share one Redis.
import { Redis } from "ioredis";
import { getEnv } from "@/server/env";

let client: Redis | undefined;

/** The shared Redis client for commands (not for BullMQ workers, which need their own connections). */
export function getRedis(): Redis {
  client ??= new Redis(getEnv().REDIS_URL, { maxRetriesPerRequest: 2, lazyConnect: false, enableOfflineQueue: true });
  return client;
}

/** A fresh connection for BullMQ (workers require maxRetriesPerRequest: null). */
export function createBullConnection(): Redis {
  return new Redis(getEnv().REDIS_URL, { maxRetriesPerRequest: null });
}

export function redisKey(...parts: string[]): string {
  return [getEnv().REDIS_PREFIX, ...parts].join(":");
}

export async function closeRedis(): Promise<void> {
  await client?.quit().catch(() => {});
  client = undefined;
}
