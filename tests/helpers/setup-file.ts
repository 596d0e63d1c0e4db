// Vitest setupFiles: gives each test file its own database (cloned from the migrated template) and Redis key prefix, removed afterwards.
import { afterAll, inject } from "vitest";
import { closeDb } from "@/db/client";
import { closeRedis } from "@/server/redis/client";
import { cloneDatabase, deleteRedisKeys, dropDatabase, randomId } from "./test-db";

const REDIS_URL = "redis://127.0.0.1:6379";
const id = `t_${randomId()}`;
const template = inject("templateDatabase") ?? process.env.FLEETPLANE_TEMPLATE_DB;
if (!template) throw new Error("no template database: tests/helpers/global-setup.ts did not run (see vitest.config.ts)");

Object.assign(process.env, {
  DATABASE_URL: await cloneDatabase(id, template),
  REDIS_PREFIX: id,
  REDIS_URL,
  AUTH_SECRET: "test-secret-not-for-production-0123456789abcdef",
  NODE_ENV: "test",
  SEED_DEMO: "false",
  LOG_LEVEL: "warn",
});

afterAll(async () => {
  await closeDb().catch(() => {});
  await closeRedis().catch(() => {});
  await dropDatabase(id);
  await deleteRedisKeys(id, REDIS_URL);
});
