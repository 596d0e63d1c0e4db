// Everything a lifecycle step needs to know about an instance, read in one place.
import { eq, sql } from "drizzle-orm";
import { PgTransaction } from "drizzle-orm/pg-core";
import type { DbOrTx } from "@/db/client";
import { instances, plans, reservations, services, serviceVersions } from "@/db/schema";
import { DomainError } from "@/server/errors/domain-error";

export type InstanceSpec = Awaited<ReturnType<typeof loadInstanceSpec>>;

function specQuery(db: DbOrTx) {
  return db
    .select({
      instance: instances,
      plan: plans,
      service: services,
      version: serviceVersions,
      // Where the instance holds capacity, read with the rest (the place step needs it; one index lookup).
      reserved: sql<{ clusterId: string; nodes: string[] } | null>`(select json_build_object('clusterId', min(r.cluster_id::text), 'nodes', json_agg(r.node_name order by r.replica)) from ${reservations} r where r.subject_id = ${instances.id} having count(*) > 0)`,
    })
    .from(instances)
    .innerJoin(plans, eq(plans.id, instances.planId))
    .innerJoin(services, eq(services.id, instances.serviceId))
    .innerJoin(serviceVersions, eq(serviceVersions.id, instances.versionId))
    .where(eq(instances.id, sql.placeholder("id")));
}

/** The query prepared once per database handle (built and planned once, not per step). */
const prepared = new WeakMap<object, ReturnType<ReturnType<typeof specQuery>["prepare"]>>();

function preparedFor(db: DbOrTx) {
  let query = prepared.get(db);
  if (!query) {
    query = specQuery(db).prepare("instance_spec");
    prepared.set(db, query);
  }
  return query;
}

/**
 * The instance with its plan, service and version, and `reserved`: its reservations as of this read (null: none).
 * Throws NOT_FOUND when it does not exist.
 */
export async function loadInstanceSpec(db: DbOrTx, instanceId: string) {
  // Inside a transaction, through it (a prepared statement is bound to the handle it was built on).
  const [row] = db instanceof PgTransaction ? await specQuery(db).execute({ id: instanceId }) : await preparedFor(db).execute({ id: instanceId });
  if (!row) throw new DomainError("NOT_FOUND", "Instance not found");
  return { ...row, workloadKind: row.service.kind === "stateful" ? ("StatefulSet" as const) : ("Deployment" as const), credentialsSecret: `${row.instance.name}-credentials` };
}

/** Namespace of an instance: unique across the fleet, readable, and a valid RFC 1123 label. */
export function namespaceFor(instanceId: string, name: string): string {
  return `fp-${instanceId.slice(0, 8)}-${name}`.slice(0, 63).replace(/-+$/, "");
}
