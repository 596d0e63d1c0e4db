// A small structured logger: one JSON line per event, so logs of all processes can be merged and grepped.
import { getEnv } from "@/server/env";

const order = { debug: 10, info: 20, warn: 30, error: 40 } as const;
type Level = keyof typeof order;

function emit(level: Level, scope: string, msg: string, fields?: Record<string, unknown>) {
  let threshold: Level = "info";
  try {
    threshold = getEnv().LOG_LEVEL;
  } catch {
    /* env not valid yet: keep info */
  }
  if (order[level] < order[threshold]) return;
  const line = JSON.stringify({ t: new Date().toISOString(), level, scope, msg, ...fields });
  (level === "error" || level === "warn" ? process.stderr : process.stdout).write(line + "\n");
}

export const log = {
  debug: (scope: string, msg: string, fields?: Record<string, unknown>) => emit("debug", scope, msg, fields),
  info: (scope: string, msg: string, fields?: Record<string, unknown>) => emit("info", scope, msg, fields),
  warn: (scope: string, msg: string, fields?: Record<string, unknown>) => emit("warn", scope, msg, fields),
  error: (scope: string, msg: string, fields?: Record<string, unknown>) => emit("error", scope, msg, fields),
};
