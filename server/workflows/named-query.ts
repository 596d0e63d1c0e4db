// Hot statements as named prepared statements on the connection in hand (the pool, or a transaction's client):
// PostgreSQL parses and plans each once per connection, and no query is built per call.
import type { DbOrTx } from "@/db/client";

type Queryable = { query: (config: { name: string; text: string; values: unknown[] }) => Promise<{ rows: unknown[] }> };

/**
 * Runs `text` as the prepared statement `name` (one name, one text, for the life of the process) through `db`: a
 * transaction's own client inside a transaction, else the pool. Rows come back as the driver parses them.
 */
export async function queryNamed<T>(db: DbOrTx, name: string, text: string, values: unknown[]): Promise<T[]> {
  // drizzle's node-postgres session holds the pool (or, in a transaction, the pooled client); the types hide it.
  const client = (db as unknown as { session: { client: Queryable } }).session.client;
  const result = await client.query({ name, text, values });
  return result.rows as T[];
}
