// Request metering in memory, flushed to Redis every few seconds in one MULTI: hourly request counts and last
// activity (drained into usage events by the workers), 10-second request buckets for the requests/s chart, and
// never-drained gateway totals (requests, bytes) that /api/metrics exposes as counters.
import type { Redis } from "ioredis";
import { log } from "@/server/log";
import { redisKey } from "@/server/redis/client";

export const RATE_BUCKET_SECONDS = 10;
export const RATE_TTL_SECONDS = 2 * 60 * 60;

export type MeterKeys = {
  /** Hash `<instanceId>:<hourStartEpochSeconds>` → requests. */
  requests: string;
  /** Hash instanceId → last request epoch ms (only ever raised). */
  activity: string;
  /** Hash per instance: `<10-second bucket epoch seconds>` → requests. */
  rate: (instanceId: string) => string;
  /** Hash `requests`, `bytes_in`, `bytes_out` → totals of every gateway since ever; default redisKey("gateway", "totals"). */
  totals?: string;
};

type Pending = { requests: number; lastAt: number; byHour: Map<number, number>; byBucket: Map<number, number> };

export type InstanceTraffic = { requests: number; bytesIn: number; bytesOut: number; lastAt: number };

// Raises the field to ARGV[2] unless it already holds a later time.
const HSET_MAX = `local c = redis.call('HGET', KEYS[1], ARGV[1])
if (not c) or tonumber(c) < tonumber(ARGV[2]) then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
return 0`;

export class RequestMeter {
  private pending = new Map<string, Pending>();
  private pendingBytes = { in: 0, out: 0 };
  private readonly totalsKey: string;
  /** Totals since start, per instance (stats, benchmarks). */
  readonly totals = new Map<string, InstanceTraffic>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly keys: MeterKeys,
    private readonly flushEveryMs = 2000,
  ) {
    this.totalsKey = keys.totals ?? redisKey("gateway", "totals");
  }

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.flushEveryMs);
    this.timer.unref();
  }

  /** One request for the instance, now. */
  countRequest(instanceId: string, now = Date.now()): void {
    let p = this.pending.get(instanceId);
    if (!p) {
      p = { requests: 0, lastAt: 0, byHour: new Map(), byBucket: new Map() };
      this.pending.set(instanceId, p);
    }
    p.requests++;
    if (now > p.lastAt) p.lastAt = now;
    const hour = Math.floor(now / 3_600_000) * 3600;
    p.byHour.set(hour, (p.byHour.get(hour) ?? 0) + 1);
    const bucket = Math.floor(now / (RATE_BUCKET_SECONDS * 1000)) * RATE_BUCKET_SECONDS;
    p.byBucket.set(bucket, (p.byBucket.get(bucket) ?? 0) + 1);
    const t = this.total(instanceId);
    t.requests++;
    if (now > t.lastAt) t.lastAt = now;
  }

  countBytes(instanceId: string, bytesIn: number, bytesOut: number): void {
    const t = this.total(instanceId);
    t.bytesIn += bytesIn;
    t.bytesOut += bytesOut;
    this.pendingBytes.in += bytesIn;
    this.pendingBytes.out += bytesOut;
  }

  private total(instanceId: string): InstanceTraffic {
    let t = this.totals.get(instanceId);
    if (!t) {
      t = { requests: 0, bytesIn: 0, bytesOut: 0, lastAt: 0 };
      this.totals.set(instanceId, t);
    }
    return t;
  }

  /** Writes what was counted since the last flush; on failure keeps it for the next one. */
  flush(): Promise<void> {
    this.flushing ??= this.doFlush().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async doFlush(): Promise<void> {
    if (this.pending.size === 0 && this.pendingBytes.in === 0 && this.pendingBytes.out === 0) return;
    const batch = this.pending;
    const bytes = this.pendingBytes;
    this.pending = new Map();
    this.pendingBytes = { in: 0, out: 0 };
    const multi = this.redis.multi();
    let requests = 0;
    for (const [id, p] of batch) {
      requests += p.requests;
      for (const [hour, n] of p.byHour) multi.hincrby(this.keys.requests, `${id}:${hour}`, n);
      multi.eval(HSET_MAX, 1, this.keys.activity, id, String(p.lastAt));
      const rateKey = this.keys.rate(id);
      for (const [bucket, n] of p.byBucket) multi.hincrby(rateKey, String(bucket), n);
      multi.expire(rateKey, RATE_TTL_SECONDS);
    }
    if (requests > 0) multi.hincrby(this.totalsKey, "requests", requests);
    if (bytes.in > 0) multi.hincrby(this.totalsKey, "bytes_in", bytes.in);
    if (bytes.out > 0) multi.hincrby(this.totalsKey, "bytes_out", bytes.out);
    try {
      const results = await multi.exec();
      if (!results) throw new Error("transaction aborted");
      // A command that failed inside an applied transaction would fail again: log it, do not count twice.
      const failed = results.find(([err]) => err);
      if (failed) log.warn("gateway", "a request counter update failed", { error: failed[0]!.message });
    } catch (err) {
      log.warn("gateway", "request counter flush failed; retrying with the next flush", { error: (err as Error).message });
      this.restore(batch, bytes);
    }
  }

  private restore(batch: Map<string, Pending>, bytes: { in: number; out: number }): void {
    this.pendingBytes.in += bytes.in;
    this.pendingBytes.out += bytes.out;
    for (const [id, p] of batch) {
      const cur = this.pending.get(id);
      if (!cur) {
        this.pending.set(id, p);
        continue;
      }
      cur.requests += p.requests;
      cur.lastAt = Math.max(cur.lastAt, p.lastAt);
      for (const [h, n] of p.byHour) cur.byHour.set(h, (cur.byHour.get(h) ?? 0) + n);
      for (const [b, n] of p.byBucket) cur.byBucket.set(b, (cur.byBucket.get(b) ?? 0) + n);
    }
  }

  /** Stops the timer and flushes what is left. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    await this.flush();
  }
}
