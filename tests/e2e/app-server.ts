// Starts the built portal (`next start`) on a free port with the test file's database and Redis prefix, and stops it.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";

export type AppServer = { baseUrl: string; stop: () => Promise<void>; output: () => string };

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function requireEnv(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the browser tests with \`npm run test:e2e\` (vitest.e2e.config.ts sets up a database per file)`);
  return v;
}

/** Fails with a clear message when there is no production build to start. */
export function assertBuilt(root: string): void {
  if (!fs.existsSync(path.join(root, ".next", "BUILD_ID"))) {
    throw new Error("No production build in .next: run npm run build first (the browser tests start the built app).");
  }
}

/** `env` adds to or overrides the app's environment (a Stripe emulator's URL and keys, billing settings). */
export async function startAppServer(root: string, logFile: string, opts: { env?: Record<string, string> } = {}): Promise<AppServer> {
  assertBuilt(root);
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: requireEnv("DATABASE_URL"),
    REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
    REDIS_PREFIX: requireEnv("REDIS_PREFIX"),
    AUTH_SECRET: requireEnv("AUTH_SECRET"),
    APP_URL: baseUrl,
    PORT: String(port),
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    ...opts.env,
  };
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const log = fs.createWriteStream(logFile);
  let output = "";
  const child: ChildProcess = spawn(path.join(root, "node_modules", ".bin", "next"), ["start", "-p", String(port), "-H", "127.0.0.1"], {
    cwd: root,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group, so stop() ends everything it started
  });
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
    log.write(chunk);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  async function stop(): Promise<void> {
    if (child.exitCode === null && child.pid) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        /* already gone */
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          /* already gone */
        }
      }, 10_000);
      await exited;
      clearTimeout(timer);
    }
    log.end();
  }

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited with code ${child.exitCode}:\n${output}`);
    try {
      const res = await fetch(`${baseUrl}/api/health`);
      if (res.ok) break;
      if (Date.now() > deadline) throw new Error(`the app is not healthy: ${res.status} ${await res.text()}`);
    } catch (err) {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`the app did not answer within 60 s (${err instanceof Error ? err.message : String(err)}):\n${output}`, { cause: err });
      }
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { baseUrl, stop, output: () => output };
}
