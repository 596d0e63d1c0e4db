// A throwaway environment for one benchmark: its own migrated database and Redis key prefix, removed afterwards.
import { cloneDatabase, deleteRedisKeys, dropDatabase, ensureTemplate, randomId } from "@/tests/helpers/test-db";

export type BenchEnvironment = { databaseUrl: string; prefix: string; cleanup(): Promise<void> };

/**
 * Creates `bench_<name>_<random>` from the migrations (through the test template) and points this
 * process's env at it. Call before importing anything that reads the env (getEnv caches it).
 */
export async function createBenchEnvironment(name: string): Promise<BenchEnvironment> {
  const id = `bench_${name.replace(/[^a-z0-9]/g, "_")}_${randomId()}`;
  const redisUrl = process.env.REDIS_URL || "redis://127.0.0.1:6379";
  const databaseUrl = await cloneDatabase(id, await ensureTemplate());
  Object.assign(process.env, {
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    REDIS_PREFIX: id,
    AUTH_SECRET: process.env.AUTH_SECRET || "bench-secret-not-for-production-0123456789abcdef",
    NODE_ENV: "production",
    LOG_LEVEL: "warn",
    SEED_DEMO: "false",
  });
  return {
    databaseUrl,
    prefix: id,
    async cleanup() {
      const { closeDb } = await import("@/db/client");
      const { closeRedis } = await import("@/server/redis/client");
      await closeDb().catch(() => {});
      await closeRedis().catch(() => {});
      await dropDatabase(id);
      await deleteRedisKeys(id, redisUrl);
    },
  };
}
