// Everything a lifecycle step needs to know about an instance, read in one place.
import { eq } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { instances, plans, services, serviceVersions } from "@/db/schema";
import { DomainError } from "@/server/errors/domain-error";

export type InstanceSpec = Awaited<ReturnType<typeof loadInstanceSpec>>;

export async function loadInstanceSpec(db: DbOrTx, instanceId: string) {
  const [row] = await db
    .select({ instance: instances, plan: plans, service: services, version: serviceVersions })
    .from(instances)
    .innerJoin(plans, eq(plans.id, instances.planId))
    .innerJoin(services, eq(services.id, instances.serviceId))
    .innerJoin(serviceVersions, eq(serviceVersions.id, instances.versionId))
    .where(eq(instances.id, instanceId));
  if (!row) throw new DomainError("NOT_FOUND", "Instance not found");
  return { ...row, workloadKind: row.service.kind === "stateful" ? ("StatefulSet" as const) : ("Deployment" as const), credentialsSecret: `${row.instance.name}-credentials` };
}

/** Namespace of an instance: unique across the fleet, readable, and a valid RFC 1123 label. */
export function namespaceFor(instanceId: string, name: string): string {
  return `fp-${instanceId.slice(0, 8)}-${name}`.slice(0, 63).replace(/-+$/, "");
}
