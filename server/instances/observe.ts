// Writes what workers observed about an instance (state, replicas, endpoint, message), and keeps its usage
// segment in step in the same transaction, so what is billed always matches what was observed.
import { eq } from "drizzle-orm";
import { PgTransaction } from "drizzle-orm/pg-core";
import type { Db, DbOrTx } from "@/db/client";
import { instances, type ObservedState } from "@/db/schema";
import { recordUsageState } from "@/server/metering/usage-segments";
import { publishInstanceChange } from "./instance-events";

export async function setObserved(
  db: Db,
  instanceId: string,
  changes: { observedState?: ObservedState; observedReplicas?: number; statusMessage?: string | null; endpointHost?: string | null; endpointPort?: number | null; clusterId?: string | null; deletedAt?: Date; desiredState?: "deleted" },
): Promise<void> {
  // What is billed follows the observed state, replicas and deletion only (billableShape): an endpoint or a
  // message alone cannot change it, so it needs no usage check (a plain update instead of a 6-statement transaction).
  if (changes.observedState === undefined && changes.observedReplicas === undefined && changes.deletedAt === undefined) {
    await db.update(instances).set({ ...changes, updatedAt: new Date() }).where(eq(instances.id, instanceId));
    if (!(db instanceof PgTransaction)) await publishInstanceChange(instanceId);
    return;
  }
  const write = async (tx: DbOrTx) => {
    await tx.update(instances).set({ ...changes, updatedAt: new Date() }).where(eq(instances.id, instanceId));
    await recordUsageState(tx, instanceId);
  };
  // Called inside a transaction already (a run's onFinish): that one makes both writes atomic, no savepoint needed,
  // and the change is announced after it commits (instance workflows announce every finished run).
  if (db instanceof PgTransaction) return write(db);
  await db.transaction(write);
  await publishInstanceChange(instanceId);
}
