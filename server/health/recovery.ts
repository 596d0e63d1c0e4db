// The recovery ladder: per cause, what to try, how often, and when to stop and ask a person. Every action is a
// workflow (audited, visible in the instance's runs); limits keep a bad day from becoming a stampede.
import { eq, inArray, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { incidents, services, instances, type HealthCause } from "@/db/schema";
import { systemContext } from "@/server/auth/actor";
import { DomainError } from "@/server/errors/domain-error";
import { changeAndRun, moveInstance } from "@/server/instances/instances";
import { log } from "@/server/log";
import { addIncidentEvent, type Incident } from "./incidents";
import { notifyIncident } from "@/server/notifications/incident-notifications";
import type { HealthVerdict } from "./instance-health";
import { HEALTH_WORKFLOWS } from "./workflows";

/** How many recoveries may be under way at once, fleet-wide: beyond it, incidents wait their turn. */
export const MAX_CONCURRENT_RECOVERIES = 25;

type Rung = { action: "restart" | "evict" | "move"; tries: number; backoffMs: number } | { action: "escalate"; why: string };

function ladder(cause: HealthCause, stateless: boolean): Rung {
  switch (cause) {
    case "crash_loop":
      return { action: "restart", tries: 3, backoffMs: 10_000 };
    case "not_ready":
      return { action: "restart", tries: 1, backoffMs: 30_000 };
    case "node_lost":
      return { action: "evict", tries: 3, backoffMs: 5_000 };
    case "unschedulable":
      return stateless ? { action: "move", tries: 1, backoffMs: 60_000 } : { action: "escalate", why: "a stateful instance is not moved automatically: its volumes stay where they are" };
    case "image_pull":
      return { action: "escalate", why: "a retry cannot fix an image that cannot be pulled" };
    case "cluster_unreachable":
      return { action: "escalate", why: "automatic failover between clusters is not enabled yet" };
  }
}

const ctx = systemContext("recovery");

async function escalate(db: Db, incident: Incident, why: string): Promise<void> {
  await db.update(incidents).set({ status: "needs_attention", nextActionAt: null }).where(eq(incidents.id, incident.id));
  await addIncidentEvent(db, incident.id, "escalated", `needs a person: ${why}`);
  await notifyIncident(db, incident, "escalated", why);
  log.warn("health", "incident needs attention", { incidentId: incident.id, why });
}

/** Takes the next step of the ladder for a live incident, when one is due. */
export async function advanceRecovery(db: Db, incident: Incident, verdict: HealthVerdict, now = new Date()): Promise<void> {
  if (!incident.autoRecovery || incident.status === "needs_attention" || !incident.instanceId) return;
  if (incident.nextActionAt && incident.nextActionAt > now) return;
  const [svc] = await db.select({ kind: services.kind }).from(instances).innerJoin(services, eq(services.id, instances.serviceId)).where(eq(instances.id, incident.instanceId));
  const rung = ladder(incident.kind, svc?.kind === "stateless");
  if (rung.action === "escalate") return escalate(db, incident, rung.why);
  if (incident.attempts >= rung.tries) return escalate(db, incident, `${incident.attempts} recovery attempt(s) did not help (${verdict.detail ?? verdict.cause})`);
  const [{ busy } = { busy: 0 }] = await db
    .select({ busy: sql<number>`count(*)::int` })
    .from(incidents)
    .where(inArray(incidents.status, ["recovering"]));
  if (incident.status !== "recovering" && busy >= MAX_CONCURRENT_RECOVERIES) return;
  // Claim the rung first (attempts + next time): a monitor running concurrently then finds nothing due.
  const claimed = await db
    .update(incidents)
    .set({ status: "recovering", attempts: incident.attempts + 1, nextActionAt: new Date(now.getTime() + rung.backoffMs * 2 ** incident.attempts) })
    .where(sql`${incidents.id} = ${incident.id} and ${incidents.attempts} = ${incident.attempts}`)
    .returning({ id: incidents.id });
  if (!claimed.length) return;
  try {
    const run =
      rung.action === "move"
        ? await moveInstance(db, ctx, incident.orgId!, incident.instanceId)
        : await changeAndRun(db, ctx, incident.orgId!, incident.instanceId, `instances.recover_${rung.action}`, rung.action === "restart" ? HEALTH_WORKFLOWS.restartPods : HEALTH_WORKFLOWS.evictLostPods, async () => ({ incident: incident.id, cause: incident.kind }));
    await addIncidentEvent(db, incident.id, "action", `${rung.action === "restart" ? "restarting the pods" : rung.action === "evict" ? "moving pods off the lost node" : "moving the instance to another cluster"} (attempt ${incident.attempts + 1} of ${rung.tries})`, { runId: run.runId });
  } catch (err) {
    const why = err instanceof DomainError ? err.message : "the recovery could not start";
    await addIncidentEvent(db, incident.id, "action", `could not act: ${why}`);
    if (!(err instanceof DomainError)) throw err;
  }
}
