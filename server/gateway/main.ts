// The gateway process (`npm run gateway`): validates the environment, serves on GATEWAY_PORT, and on SIGTERM/SIGINT
// stops accepting, answers held requests 503, lets proxied ones finish and flushes the request counters.
import { closeDb } from "@/db/client";
import { assertEnvOrExit } from "@/server/env";
import { log } from "@/server/log";
import { closeRedis } from "@/server/redis/client";
import { startGateway } from "./gateway";

async function main(): Promise<void> {
  const env = assertEnvOrExit();
  const gateway = await startGateway({ port: env.GATEWAY_PORT });
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      log.warn("gateway", `${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    log.info("gateway", "shutting down", { signal });
    await gateway.stop().catch((err: Error) => log.error("gateway", "stop failed", { error: err.message }));
    await closeDb().catch(() => {});
    await closeRedis();
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

main().catch((err: unknown) => {
  log.error("gateway", "start failed", { error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  process.exit(1);
});
