// Shared database helpers for tests and benchmarks: one migrated template per migration set, cheap clones per test file.
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { Redis } from "ioredis";
import pg from "pg";
import { runMigrations, migrationsFolder } from "@/db/migrate";

declare module "vitest" {
  export interface ProvidedContext {
    /** Name of the migrated template database that each test file clones. */
    templateDatabase: string;
  }
}

/** Connection URL of a superuser on the test PostgreSQL (trust auth on this machine). */
export function adminUrl(): string {
  return process.env.TEST_PG_URL || "postgres://postgres@127.0.0.1:5432/postgres";
}

/** The same server as `adminUrl`, database `name`. */
export function databaseUrl(name: string, base = adminUrl()): string {
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on("error", () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Throws a message saying how to start PostgreSQL when it does not answer. */
export async function assertPostgresAnswers(url = adminUrl()): Promise<void> {
  try {
    await withClient(url, (c) => c.query("select 1"));
  } catch (err) {
    const where = new URL(url);
    throw new Error(
      `PostgreSQL does not answer at ${where.host} (${err instanceof Error ? err.message : String(err)}).\n` +
        "Start it (pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start) or set TEST_PG_URL to a superuser URL.",
      { cause: err },
    );
  }
}

function listFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]))
    .sort();
}

/** First 8 hex characters of a sha256 over every migration file (names and contents). */
export function migrationsHash(folder = migrationsFolder): string {
  const hash = createHash("sha256");
  for (const file of listFiles(folder)) {
    hash.update(path.relative(folder, file));
    hash.update("\0");
    hash.update(fs.readFileSync(file));
    hash.update("\0");
  }
  return hash.digest("hex").slice(0, 8);
}

export const TEMPLATE_PREFIX = "fleetplane_template_";

export function templateName(): string {
  return `${TEMPLATE_PREFIX}${migrationsHash()}`;
}

const TEMPLATE_LOCK = 727275;
/** Other checkouts on this machine may share the PostgreSQL: only templates unused this long are dropped. */
const STALE_MS = 60 * 60 * 1000;
const MARK = "fleetplane-test";

function markComment(): string {
  return `${MARK} ${new Date().toISOString()}`;
}

function markedAt(comment: string | null): number | null {
  const m = comment?.match(/^fleetplane-test (\S+)$/);
  return m?.[1] ? Date.parse(m[1]) : null;
}

/**
 * Creates the migrated template database for the current migrations when it does not exist
 * (built under a temporary name and renamed, so a crash never leaves a half-migrated template),
 * marks it as used now, and drops templates and test databases left unused for an hour.
 * Concurrent callers are serialised by an advisory lock.
 */
export async function ensureTemplate(url = adminUrl()): Promise<string> {
  const name = templateName();
  await withClient(url, async (admin) => {
    await admin.query("select pg_advisory_lock($1)", [TEMPLATE_LOCK]);
    try {
      const exists = await admin.query("select 1 from pg_database where datname = $1", [name]);
      if (!exists.rowCount) {
        const building = `${name}_build`;
        await admin.query(`drop database if exists ${quoteIdent(building)} with (force)`);
        await admin.query(`create database ${quoteIdent(building)}`);
        await runMigrations(databaseUrl(building, url));
        await admin.query(`alter database ${quoteIdent(building)} rename to ${quoteIdent(name)}`);
        // Nobody may connect to the template, so cloning never meets "being accessed by other users".
        await admin.query(`alter database ${quoteIdent(name)} with allow_connections false`);
      }
      await admin.query(`comment on database ${quoteIdent(name)} is '${markComment()}'`);
      await dropStale(admin, name);
    } finally {
      await admin.query("select pg_advisory_unlock($1)", [TEMPLATE_LOCK]).catch(() => {});
    }
  });
  return name;
}

async function dropStale(admin: pg.Client, keep: string): Promise<void> {
  const { rows } = await admin.query<{ datname: string; comment: string | null }>(
    `select datname, shobj_description(oid, 'pg_database') as comment from pg_database
      where datname like 'fleetplane\\_template\\_%' or datname like 't\\_%' or datname like 'bench\\_%'`,
  );
  for (const row of rows) {
    if (row.datname === keep) continue;
    const at = markedAt(row.comment);
    const isTemplate = row.datname.startsWith(TEMPLATE_PREFIX);
    // Test databases carry our mark; a template without one predates the mark and is ours by name.
    if (at === null ? !isTemplate : Date.now() - at < STALE_MS) continue;
    await admin.query(`drop database if exists ${quoteIdent(row.datname)} with (force)`).catch(() => {});
  }
}

function pgCode(err: unknown): string | undefined {
  return (err as { code?: string })?.code;
}

/**
 * `CREATE DATABASE name TEMPLATE template`, retrying while PostgreSQL reports the template busy,
 * and rebuilding the template if another checkout dropped it meanwhile.
 */
export async function cloneDatabase(name: string, template: string, url = adminUrl()): Promise<string> {
  await withClient(url, async (admin) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.query(`create database ${quoteIdent(name)} template ${quoteIdent(template)}`);
        break;
      } catch (err) {
        const code = pgCode(err);
        if (code === "55006" && attempt < 100) {
          await new Promise((r) => setTimeout(r, 50 + Math.random() * 200));
        } else if (code === "3D000" && attempt < 3) {
          template = await ensureTemplate(url);
        } else {
          throw err;
        }
      }
    }
    await admin.query(`comment on database ${quoteIdent(name)} is '${markComment()}'`);
  });
  return databaseUrl(name, url);
}

export async function dropDatabase(name: string, url = adminUrl()): Promise<void> {
  await withClient(url, (admin) => admin.query(`drop database if exists ${quoteIdent(name)} with (force)`));
}

/** A short random id usable in database names and Redis prefixes. */
export function randomId(): string {
  return randomBytes(5).toString("hex");
}

/** Deletes every Redis key under `prefix:` (SCAN + DEL); a Redis that does not answer has none of ours. */
export async function deleteRedisKeys(prefix: string, url = "redis://127.0.0.1:6379"): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 1500, maxRetriesPerRequest: 1, retryStrategy: () => null });
  client.on("error", () => {});
  try {
    await client.connect();
    let cursor = "0";
    do {
      const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 500);
      cursor = next;
      if (keys.length > 0) await client.del(...keys);
    } while (cursor !== "0");
  } catch {
    /* Redis down: nothing of ours to remove */
  } finally {
    client.disconnect();
  }
}
