// What the gateway needs to route one instance: where it answers, whether it sleeps, whether its organization
// is suspended. Read from PostgreSQL at gateway start and again for an instance whenever it changes.
import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "@/db/client";
import { billingAccounts, instances, plans, type DesiredState, type ObservedState } from "@/db/schema";

export type GatewayRoute = {
  instanceId: string;
  orgId: string;
  name: string;
  namespace: string;
  observedState: ObservedState;
  desiredState: DesiredState;
  endpointHost: string | null;
  endpointPort: number | null;
  statusMessage: string | null;
  orgSuspended: boolean;
  scaleToZero: boolean;
};

function query(db: Db) {
  return db
    .select({
      instanceId: instances.id,
      orgId: instances.orgId,
      name: instances.name,
      namespace: instances.namespace,
      observedState: instances.observedState,
      desiredState: instances.desiredState,
      endpointHost: instances.endpointHost,
      endpointPort: instances.endpointPort,
      statusMessage: instances.statusMessage,
      accountStatus: billingAccounts.status,
      scaleToZero: plans.scaleToZero,
    })
    .from(instances)
    .innerJoin(plans, eq(plans.id, instances.planId))
    .leftJoin(billingAccounts, eq(billingAccounts.orgId, instances.orgId));
}

const toRoute = ({ accountStatus, ...r }: Awaited<ReturnType<ReturnType<typeof query>["where"]>>[number]): GatewayRoute => ({ ...r, orgSuspended: accountStatus === "suspended" });

/** Every instance that still exists. */
export async function loadRoutes(db: Db): Promise<GatewayRoute[]> {
  return (await query(db).where(isNull(instances.deletedAt))).map(toRoute);
}

/** One instance's route; null when it was deleted or never existed. */
export async function loadRoute(db: Db, instanceId: string): Promise<GatewayRoute | null> {
  const [row] = await query(db).where(and(eq(instances.id, instanceId), isNull(instances.deletedAt)));
  return row ? toRoute(row) : null;
}
