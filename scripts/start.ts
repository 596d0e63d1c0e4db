// `npm start` (and `npm run dev` with --dev): brings up the whole stack in one terminal with prefixed logs; Ctrl-C stops it all.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { EnvError, parseEnv, type Env } from "@/server/env";
import { runMigrations } from "@/db/migrate";
import { closeDb, getDb, type Db } from "@/db/client";
import crypto from "node:crypto";
import { loadOrCreateAuthSecret, loadOrCreateSecret } from "./lib/auth-secret";
import { buildReason } from "./lib/build";
import { startEmbeddedPostgres, type EmbeddedPg } from "./lib/embedded-postgres";
import { box, fail, say, warn } from "./lib/output";
import { Supervisor, type ChildEnv, type ExitInfo } from "./lib/processes";
import { ensureRedis, RedisUnavailableError } from "./lib/redis";
import { registerDevClusters } from "./lib/dev-clusters";

type SeedDemo = (db: Db) => Promise<{ created: boolean; credentials: { label: string; email: string; password: string }[] }>;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
process.chdir(root);
const dev = process.argv.includes("--dev");
const bin = (name: string) => path.join(root, "node_modules", ".bin", name);

let shuttingDown = false;
let embeddedPg: EmbeddedPg | undefined;
const supervisor = new Supervisor((info) => void shutdown(1, `${info.name} exited unexpectedly (${describeExit(info)})`));

function describeExit(info: ExitInfo): string {
  return info.signal ? `signal ${info.signal}` : `exit code ${info.code}`;
}

/** Stops the apps, then PostgreSQL, then Redis (the apps need both while they drain), and exits. */
async function shutdown(code: number, reason?: string): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  if (reason) fail("start", reason);
  if (!embeddedPg && !supervisor.hasRunning) process.exit(code);
  say("start", "stopping…");
  await supervisor.stopAll(10_000, ["redis"]);
  await closeDb().catch(() => {});
  if (embeddedPg) {
    say("db", "stopping PostgreSQL");
    await embeddedPg.stop().catch((err: unknown) => fail("db", `stop failed: ${String(err)}`));
  }
  await supervisor.stopAll(10_000);
  say("start", code === 0 ? "stopped" : "stopped after an error");
  process.exit(code);
}

for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(sig, () => {
    if (shuttingDown) {
      fail("start", `${sig} again: killing everything now`);
      supervisor.killAllNow();
      process.exit(1);
    }
    void shutdown(0);
  });
}
// Synchronous safety net for crashes: never leave a child group running behind us.
process.on("exit", () => supervisor.killAllNow());

/** Validates everything we do not provide ourselves, before starting anything. */
function checkEnvEarly(env: ChildEnv): void {
  const placeholder = { DATABASE_URL: env.DATABASE_URL || "postgres://x@127.0.0.1/x", AUTH_SECRET: env.AUTH_SECRET || "x".repeat(32) };
  parseEnv({ ...env, ...placeholder });
  const port = env.EMBEDDED_PG_PORT;
  if (port !== undefined && port !== "" && !/^\d{1,5}$/.test(port)) {
    throw new EnvError(`Invalid configuration (see .env.example):\n  EMBEDDED_PG_PORT: must be a port number`);
  }
}

async function seed(enabled: boolean): Promise<void> {
  if (!enabled) {
    say("start", "SEED_DEMO=false: skipping the demo seed");
    return;
  }
  const seedFile = path.join(root, "db", "seed.ts");
  if (!fs.existsSync(seedFile)) {
    warn("start", "db/seed.ts does not exist yet: skipping the demo seed");
    return;
  }
  const mod = (await import(pathToFileURL(seedFile).href)) as { seedDemo?: SeedDemo };
  if (typeof mod.seedDemo !== "function") {
    warn("start", "db/seed.ts exports no seedDemo(): skipping the demo seed");
    return;
  }
  const result = await mod.seedDemo(getDb());
  if (result.created && result.credentials.length > 0) {
    const lines = result.credentials.flatMap((c) => [`${c.label}`, `  email:    ${c.email}`, `  password: ${c.password}`]);
    process.stdout.write("\n" + box("Demo users (shown once; change the passwords in real use)", lines) + "\n\n");
  } else {
    say("start", "demo users already exist");
  }
}

async function waitForHttp(url: string, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until && !shuttingDown) {
    try {
      await fetch(url, { signal: AbortSignal.timeout(2000) });
      return true;
    } catch {
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  return false;
}

async function main(): Promise<void> {
  const env: ChildEnv = { ...process.env };
  env.NODE_ENV ||= dev ? "development" : "production";
  env.NEXT_TELEMETRY_DISABLED ||= "1";
  if (process.stdout.isTTY && !env.NO_COLOR) env.FORCE_COLOR ||= "1";
  checkEnvEarly(env);

  // (a) PostgreSQL
  if (!env.DATABASE_URL) {
    const port = Number(env.EMBEDDED_PG_PORT || 54329);
    embeddedPg = await startEmbeddedPostgres(path.join(root, ".data", "pg"), port);
    env.DATABASE_URL = embeddedPg.url;
    say("db", `embedded PostgreSQL ready on 127.0.0.1:${port} (data in .data/pg)`);
    void embeddedPg.exited.then(() =>
      setTimeout(() => {
        if (!shuttingDown) void shutdown(1, "embedded PostgreSQL exited unexpectedly (see the [db] lines above)");
      }, 300),
    );
  } else {
    say("db", `using DATABASE_URL (${new URL(env.DATABASE_URL).host})`);
  }
  if (shuttingDown) return;

  // (b) Redis
  const redis = await ensureRedis(process.env.REDIS_URL, supervisor, env);
  env.REDIS_URL = redis.url;
  say("redis", redis.started ? `started redis-server on ${redis.url}` : `using ${redis.url}`);
  if (shuttingDown) return;

  // (c) AUTH_SECRET
  if (!env.AUTH_SECRET) {
    const { secret, created } = loadOrCreateAuthSecret(path.join(root, ".data", "auth-secret"));
    env.AUTH_SECRET = secret;
    if (created) say("start", "generated AUTH_SECRET in .data/auth-secret");
  }

  // (c2) Stripe: the bundled emulator unless a real key is configured
  const useStripeEmulator = !env.STRIPE_SECRET_KEY || env.STRIPE_SECRET_KEY === "sk_test_emulator";
  if (useStripeEmulator) {
    env.STRIPE_SECRET_KEY = "sk_test_emulator";
    env.STRIPE_API_URL ||= `http://127.0.0.1:${env.STRIPE_EMULATOR_PORT || 12111}`;
    env.STRIPE_WEBHOOK_SECRET ||= loadOrCreateSecret(path.join(root, ".data", "stripe-webhook-secret"), () => `whsec_${crypto.randomBytes(24).toString("hex")}`);
  }

  // (d) validate the final environment; this process's own getEnv() reads it from process.env
  const parsed: Env = parseEnv(env);
  Object.assign(process.env, env);

  // (e) migrations
  say("db", "applying migrations");
  await runMigrations(env.DATABASE_URL);
  if (shuttingDown) return;

  // (f) demo seed
  await seed(parsed.SEED_DEMO);
  await closeDb();
  if (shuttingDown) return;

  // (g) production build when missing or stale
  if (!dev) {
    const reason = buildReason(root);
    if (reason) {
      say("build", `next build (${reason})`);
      const code = await supervisor.run("build", bin("next"), ["build"], { ...env, NODE_ENV: "production" });
      if (shuttingDown) return;
      if (code !== 0) return shutdown(1, `next build failed (exit code ${code}); fix the errors above and run npm start again`);
    } else {
      say("build", "production build is up to date");
    }
  }

  // (h) the processes
  const port = String(parsed.PORT);
  supervisor.spawn("web", bin("next"), dev ? ["dev", "-p", port] : ["start", "-p", port], env);
  supervisor.spawn("workers", process.execPath, ["--import", "tsx", "workers/main.ts"], env);
  supervisor.spawn("gateway", process.execPath, ["--import", "tsx", "server/gateway/main.ts"], env);
  if (useStripeEmulator) {
    const stripeUrl = new URL(env.STRIPE_API_URL!);
    supervisor.spawn(
      "stripe",
      process.execPath,
      ["--import", "tsx", "stripe-emulator/main.ts", "--port", stripeUrl.port, "--webhook-url", `http://127.0.0.1:${port}/api/webhooks/stripe`, "--webhook-secret", env.STRIPE_WEBHOOK_SECRET!, "--state-file", path.join(root, ".data", "stripe.json"), "--public-url", stripeUrl.origin],
      env,
    );
  }
  if (fs.existsSync(path.join(root, "kubesim", "main.ts"))) {
    supervisor.spawn("kubesim", process.execPath, ["--import", "tsx", "kubesim/main.ts"], env);
    void registerDevClusters(root);
  }

  if (await waitForHttp(`http://127.0.0.1:${port}/`, 120_000)) {
    say("start", `Fleetplane is up: ${parsed.APP_URL}  (Ctrl-C stops everything)`);
    say("start", `gateway: http://<namespace>.${parsed.FLEETPLANE_GATEWAY_DOMAIN}:${parsed.GATEWAY_PORT}/ or http://127.0.0.1:${parsed.GATEWAY_PORT}/i/<namespace>/`);
  }
}

main().catch((err: unknown) => {
  if (err instanceof EnvError || err instanceof RedisUnavailableError) return shutdown(1, err.message);
  const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
  return shutdown(1, `start failed: ${message}`);
});
