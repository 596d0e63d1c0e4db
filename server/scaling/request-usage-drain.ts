// Drains what gateways counted in Redis into PostgreSQL: request counts (hash usage:requests, field
// "<instance>:<hour epoch s>") become usage events and request times (hash usage:activity) last activity.
// The hash is first renamed to a unique flush key, whose name is the flush id: a drain killed halfway leaves the
// key behind and the next drain processes it again without counting anything twice.
import { randomUUID } from "node:crypto";
import type { Db } from "@/db/client";
import { recordActivity, recordRequestUsage, type RequestCount } from "@/server/metering/request-usage";
import { getRedis, redisKey } from "@/server/redis/client";

export const REQUESTS_HASH = () => redisKey("usage", "requests");
export const ACTIVITY_HASH = () => redisKey("usage", "activity");

async function claim(hash: string): Promise<void> {
  try {
    await getRedis().rename(hash, `${hash}:flush:${randomUUID()}`);
  } catch (err) {
    if (!/no such key/i.test(String(err))) throw err;
  }
}

async function flushKeys(hash: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await getRedis().scan(cursor, "MATCH", `${hash}:flush:*`, "COUNT", 200);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== "0");
  return keys;
}

/** Drains every pending flush; returns how many request events were new. */
export async function drainRequestUsage(db: Db): Promise<{ events: number; instancesActive: number }> {
  const redis = getRedis();
  const requests = REQUESTS_HASH();
  const activity = ACTIVITY_HASH();
  await claim(requests);
  await claim(activity);
  let events = 0;
  for (const key of await flushKeys(requests)) {
    const fields = await redis.hgetall(key);
    const counts: RequestCount[] = Object.entries(fields).map(([field, n]) => {
      const [instanceId, hour] = field.split(":");
      return { instanceId: instanceId!, hour: new Date(Number(hour) * 1000), requests: Number(n) };
    });
    events += await recordRequestUsage(db, key.slice(key.lastIndexOf(":") + 1), counts);
    await redis.del(key);
  }
  const latest = new Map<string, Date>();
  const activityKeys = await flushKeys(activity);
  for (const key of activityKeys) {
    for (const [id, ms] of Object.entries(await redis.hgetall(key))) {
      const at = new Date(Number(ms));
      if (!latest.has(id) || latest.get(id)! < at) latest.set(id, at);
    }
  }
  await recordActivity(db, latest);
  if (activityKeys.length) await redis.del(...activityKeys);
  return { events, instancesActive: latest.size };
}
