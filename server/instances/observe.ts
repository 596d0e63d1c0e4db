// Writes what workers observed about an instance (state, replicas, endpoint, message).
import { eq } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { instances, type ObservedState } from "@/db/schema";
import { publishInstanceChange } from "./instance-events";

export async function setObserved(
  db: DbOrTx,
  instanceId: string,
  changes: { observedState?: ObservedState; observedReplicas?: number; statusMessage?: string | null; endpointHost?: string | null; endpointPort?: number | null; clusterId?: string | null },
): Promise<void> {
  await db.update(instances).set({ ...changes, updatedAt: new Date() }).where(eq(instances.id, instanceId));
  await publishInstanceChange(instanceId);
}
