// What the instance page shows about traffic and scale to zero: requests per second (gateway counters), last
// activity, and the sleep/wake history with how long each took.
import { and, desc, eq, inArray } from "drizzle-orm";
import type { Db } from "@/db/client";
import { instances, workflowRuns } from "@/db/schema";
import { getEnv } from "@/server/env";
import { DomainError } from "@/server/errors/domain-error";
import { readRequestRate } from "@/server/gateway/request-rate";
import { SCALING_WORKFLOWS } from "./workflows";

export async function getInstanceTraffic(db: Db, orgId: string, instanceId: string, minutes = 60) {
  const [row] = await db
    .select({ lastActivityAt: instances.lastActivityAt, namespace: instances.namespace })
    .from(instances)
    .where(and(eq(instances.id, instanceId), eq(instances.orgId, orgId)));
  if (!row) throw new DomainError("NOT_FOUND", "Instance not found");
  const runs = await db
    .select()
    .from(workflowRuns)
    .where(and(eq(workflowRuns.subjectId, instanceId), inArray(workflowRuns.type, [SCALING_WORKFLOWS.sleep, SCALING_WORKFLOWS.wake])))
    .orderBy(desc(workflowRuns.seq))
    .limit(50);
  const buckets = await readRequestRate(instanceId, minutes);
  const env = getEnv();
  const port = env.GATEWAY_PORT === 80 ? "" : `:${env.GATEWAY_PORT}`;
  return {
    lastActivityAt: row.lastActivityAt,
    /** Where clients reach it: by host name, or by path on the gateway's own host. */
    gatewayUrl: `http://${row.namespace}.${env.FLEETPLANE_GATEWAY_DOMAIN}${port}/`,
    gatewayPathUrl: `http://${env.FLEETPLANE_GATEWAY_DOMAIN}${port}/i/${row.namespace}/`,
    /** Requests per second, per 10-second bucket. */
    rate: buckets.map((b) => ({ t: b.t, perSecond: b.requests / 10 })),
    history: runs.map((r) => ({
      runId: r.id,
      kind: r.type === SCALING_WORKFLOWS.sleep ? ("sleep" as const) : ("wake" as const),
      status: r.status,
      requestedBy: r.requestedBy,
      at: r.createdAt,
      durationMs: r.finishedAt ? r.finishedAt.getTime() - r.createdAt.getTime() : null,
    })),
  };
}
