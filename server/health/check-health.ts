// Liveness of the portal's dependencies, for load balancers and `npm start`'s readiness wait.
import { sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { getRedis } from "@/server/redis/client";

type Check = { ok: boolean; latencyMs: number; error?: string };

async function timed(fn: () => Promise<unknown>): Promise<Check> {
  const start = performance.now();
  try {
    await Promise.race([fn(), new Promise((_, reject) => setTimeout(() => reject(new Error("timed out after 2 s")), 2000))]);
    return { ok: true, latencyMs: Math.round(performance.now() - start) };
  } catch {
    return { ok: false, latencyMs: Math.round(performance.now() - start), error: "unreachable" };
  }
}

export async function checkHealth() {
  const [database, redis] = await Promise.all([timed(() => getDb().execute(sql`select 1`)), timed(() => getRedis().ping())]);
  return { status: database.ok && redis.ok ? "ok" : "degraded", database, redis };
}
