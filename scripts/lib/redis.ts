// Redis for `npm start`: use REDIS_URL, else 127.0.0.1:6379, starting a local redis-server when nothing answers there.
import fs from "node:fs";
import path from "node:path";
import { Redis } from "ioredis";
import type { ChildEnv, Supervisor } from "./processes";

export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";

/** True when a PING at `url` answers within `timeoutMs`. */
export async function pingRedis(url: string, timeoutMs = 1500): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
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

function onPath(command: string): boolean {
  return (process.env.PATH ?? "").split(path.delimiter).some((dir) => {
    try {
      fs.accessSync(path.join(dir, command), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export class RedisUnavailableError extends Error {}

/**
 * Makes sure Redis answers. With an explicit REDIS_URL we only check it; with the default we start
 * `redis-server` (no persistence, loopback only) under the supervisor when it is installed.
 */
export async function ensureRedis(explicitUrl: string | undefined, supervisor: Supervisor, env: ChildEnv): Promise<{ url: string; started: boolean }> {
  const url = explicitUrl || DEFAULT_REDIS_URL;
  if (await pingRedis(url)) return { url, started: false };
  if (explicitUrl) {
    throw new RedisUnavailableError(`Redis at REDIS_URL=${explicitUrl} does not answer. Start it, or unset REDIS_URL to use a local redis-server.`);
  }
  if (!onPath("redis-server")) {
    throw new RedisUnavailableError(
      "Nothing answers on 127.0.0.1:6379 and redis-server is not installed.\n" +
        "Install it (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) or set REDIS_URL to a running Redis.",
    );
  }
  supervisor.spawn("redis", "redis-server", ["--port", "6379", "--save", "", "--appendonly", "no", "--bind", "127.0.0.1"], env);
  for (let i = 0; i < 50; i++) {
    if (await pingRedis(url, 500)) return { url, started: true };
    if (supervisor.isStopping) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new RedisUnavailableError("redis-server was started but does not answer on 127.0.0.1:6379 (see the [redis] lines above).");
}
