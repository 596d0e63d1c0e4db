// Vitest globalSetup: checks PostgreSQL and Redis, then builds (once per migration set) the template database every test file clones.
import type { TestProject } from "vitest/node";
import { Redis } from "ioredis";
import { assertPostgresAnswers, ensureTemplate } from "./test-db";

async function redisAnswers(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 1500, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  client.on("error", () => {});
  try {
    await client.connect();
    return (await client.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

export default async function setup(project: TestProject): Promise<void> {
  await assertPostgresAnswers();
  if (!(await redisAnswers("redis://127.0.0.1:6379"))) {
    console.warn(
      "[global-setup] Redis does not answer on 127.0.0.1:6379; tests that need it will fail. " +
        'Start it: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no',
    );
  }
  const template = await ensureTemplate();
  project.provide("templateDatabase", template);
  process.env.FLEETPLANE_TEMPLATE_DB = template;
}
