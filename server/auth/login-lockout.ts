// Brute-force protection: failed sign-ins are counted per email+IP in Redis; past the limit the pair cools off.
import { createHash } from "node:crypto";
import { getEnv } from "@/server/env";
import { getRedis, redisKey } from "@/server/redis/client";

function lockKey(email: string, ip: string | null): string {
  const id = createHash("sha256").update(`${email.toLowerCase()}|${ip ?? "unknown"}`).digest("hex").slice(0, 32);
  return redisKey("login-failures", id);
}

/** Seconds until this email+IP may try again, or 0 when it may try now. */
export async function lockoutRemainingSeconds(email: string, ip: string | null): Promise<number> {
  const { LOGIN_MAX_ATTEMPTS } = getEnv();
  const key = lockKey(email, ip);
  const [count, ttl] = await Promise.all([getRedis().get(key), getRedis().ttl(key)]);
  return Number(count ?? 0) >= LOGIN_MAX_ATTEMPTS ? Math.max(ttl, 1) : 0;
}

/** Counts a failed attempt; the window starts at the first failure and the lock lasts the rest of it. */
export async function recordLoginFailure(email: string, ip: string | null): Promise<void> {
  const key = lockKey(email, ip);
  const count = await getRedis().incr(key);
  if (count === 1) await getRedis().expire(key, getEnv().LOGIN_WINDOW_SECONDS);
}

export async function clearLoginFailures(email: string, ip: string | null): Promise<void> {
  await getRedis().del(lockKey(email, ip));
}
