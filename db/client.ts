// The PostgreSQL client: one lazily created pool per process (never at import time, so `next build` connects to nothing).
import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import { Pool } from "pg";
import { getEnv } from "@/server/env";
import * as schema from "./schema";

export type Db = NodePgDatabase<typeof schema>;
/** A transaction handle; domain functions accept either so they compose inside one transaction. */
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
export type DbOrTx = Db | Tx;

let pool: Pool | undefined;
let db: Db | undefined;

/** The shared database handle of this process. */
export function getDb(): Db {
  if (!db) {
    const url = getEnv().DATABASE_URL;
    if (!url) throw new Error("DATABASE_URL is not set (npm start sets it for the embedded PostgreSQL)");
    pool = new Pool({ connectionString: url, max: 20 });
    pool.on("error", (err) => console.error("[db] idle client error", err.message));
    db = drizzle(pool, { schema });
  }
  return db;
}

/** Closes the pool (tests, graceful shutdown). */
export async function closeDb(): Promise<void> {
  await pool?.end();
  pool = undefined;
  db = undefined;
}
