// Writes what workers observed about an instance (state, replicas, endpoint, message), and keeps its usage
// segment in step in the same transaction, so what is billed always matches what was observed.
import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { instances, type ObservedState } from "@/db/schema";
import { recordUsageState } from "@/server/metering/usage-segments";
import { publishInstanceChange } from "./instance-events";

export async function setObserved(
  db: Db,
  instanceId: string,
  changes: { observedState?: ObservedState; observedReplicas?: number; statusMessage?: string | null; endpointHost?: string | null; endpointPort?: number | null; clusterId?: string | null; deletedAt?: Date; desiredState?: "deleted" },
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.update(instances).set({ ...changes, updatedAt: new Date() }).where(eq(instances.id, instanceId));
    await recordUsageState(tx, instanceId);
  });
  await publishInstanceChange(instanceId);
}
