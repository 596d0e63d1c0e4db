// Requests per 10-second bucket for an instance's requests/s chart, read from the gateway's Redis counters.
import { getRedis, redisKey } from "@/server/redis/client";
import { RATE_BUCKET_SECONDS } from "./metering";

/** Redis hash holding an instance's 10-second request buckets (written by the gateway, kept 2 hours). */
export function requestRateKey(instanceId: string): string {
  return redisKey("gateway", "rate", instanceId);
}

/**
 * Request counts of the last `minutes` (at most 120, what Redis keeps) in 10-second buckets, oldest first, one
 * entry per bucket including empty ones: `t` is the bucket's start (epoch ms), `requests` the count in it (÷ 10
 * for requests per second). Counters reach Redis every ~2 s, so the newest bucket may still grow.
 */
export async function readRequestRate(instanceId: string, minutes: number, now = Date.now()): Promise<{ t: number; requests: number }[]> {
  const span = Math.max(1, Math.min(120, Math.floor(minutes))) * 60;
  const last = Math.floor(now / 1000 / RATE_BUCKET_SECONDS) * RATE_BUCKET_SECONDS;
  const first = last - span + RATE_BUCKET_SECONDS;
  const raw = await getRedis().hgetall(requestRateKey(instanceId));
  const out: { t: number; requests: number }[] = [];
  for (let b = first; b <= last; b += RATE_BUCKET_SECONDS) out.push({ t: b * 1000, requests: Number(raw[String(b)] ?? 0) });
  return out;
}
