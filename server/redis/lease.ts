// A leadership lease in Redis: one process at a time runs singleton work (like watching clusters); if it dies,
// the lease expires and another takes over.
import { randomUUID } from "node:crypto";
import { getRedis, redisKey } from "./client";

const RENEW = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;

export class Lease {
  private readonly token = randomUUID();
  private readonly key: string;
  constructor(name: string, private readonly ttlMs = 30_000) {
    this.key = redisKey("leases", name);
  }

  /** Takes the lease when free or renews it when ours; false when another process holds it. */
  async acquireOrRenew(): Promise<boolean> {
    const redis = getRedis();
    if ((await redis.eval(RENEW, 1, this.key, this.token, String(this.ttlMs))) === 1) return true;
    return (await redis.set(this.key, this.token, "PX", this.ttlMs, "NX")) === "OK";
  }

  async release(): Promise<void> {
    await getRedis().eval(RELEASE, 1, this.key, this.token);
  }
}
