// The recovery ladder: per cause, what to try, how often, and when to stop and ask a person. Every action is a
// workflow (audited, visible in the instance's runs); limits keep a bad day from becoming a stampede.
import { and, desc, eq, gt, inArray, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { clusters, incidentEvents, incidents, services, instances, workflowRuns, type HealthCause } from "@/db/schema";
import { systemContext } from "@/server/auth/actor";
import { DomainError } from "@/server/errors/domain-error";
import { changeAndRun, moveInstance } from "@/server/instances/instances";
import { log } from "@/server/log";
import { addIncidentEvent, type Incident } from "./incidents";
import { notifyIncident } from "@/server/notifications/incident-notifications";
import type { HealthVerdict } from "./instance-health";
import { healthSettings } from "./settings";
import { HEALTH_WORKFLOWS } from "./workflows";

/** How many recoveries may be under way at once, fleet-wide and per cluster: beyond it, incidents wait their turn. */
export const MAX_CONCURRENT_RECOVERIES = 25;
export const MAX_CONCURRENT_RECOVERIES_PER_CLUSTER = 10;

type Rung = { action: "restart" | "evict" | "move" | "failover"; tries: number; backoffMs: number } | { action: "escalate"; why: string };

function ladder(cause: HealthCause, stateless: boolean): Rung {
  switch (cause) {
    case "crash_loop":
      return { action: "restart", tries: 3, backoffMs: 4_000 };
    case "not_ready":
      return { action: "restart", tries: 1, backoffMs: 30_000 };
    case "node_lost":
      return { action: "evict", tries: 3, backoffMs: 5_000 };
    case "unschedulable":
      return stateless ? { action: "move", tries: 1, backoffMs: 60_000 } : { action: "escalate", why: "a stateful instance is not moved automatically: its volumes stay where they are" };
    case "image_pull":
      return { action: "escalate", why: "a retry cannot fix an image that cannot be pulled" };
    case "cluster_unreachable":
      return stateless
        ? { action: "failover", tries: 1, backoffMs: 60_000 }
        : { action: "escalate", why: "a stateful instance is never run twice: it waits for its cluster or for a person to restore it elsewhere" };
  }
}

const ctx = systemContext("recovery");

async function escalate(db: Db, incident: Incident, why: string): Promise<void> {
  await db.update(incidents).set({ status: "needs_attention", nextActionAt: null }).where(eq(incidents.id, incident.id));
  await addIncidentEvent(db, incident.id, "escalated", `needs a person: ${why}`);
  await notifyIncident(db, incident, "escalated", why);
  log.warn("health", "incident needs attention", { incidentId: incident.id, why });
}

/** Notes why a failover waits, once per reason (the monitor asks again on every pass). */
async function holdFailover(db: Db, incident: Incident, why: string): Promise<false> {
  const [last] = await db.select({ message: incidentEvents.message }).from(incidentEvents).where(eq(incidentEvents.incidentId, incident.id)).orderBy(desc(incidentEvents.at)).limit(1);
  if (last?.message !== why) await addIncidentEvent(db, incident.id, "note", why);
  return false;
}

/**
 * A failover waits until the cluster has been away for the failover delay, never runs while too many clusters look
 * down at once (then the fault is more likely our own network), and never moves an instance again soon after a move.
 */
async function failoverAllowed(db: Db, incident: Incident, now: Date): Promise<boolean> {
  const s = healthSettings();
  if (now.getTime() - incident.detectedAt.getTime() < s.failoverDelayMs) return false;
  const all = await db.select({ status: clusters.status }).from(clusters).where(eq(clusters.cordoned, false));
  const down = all.filter((c) => c.status === "unreachable").length;
  if (all.length > 0 && down / all.length > s.maxUnreachableShare) {
    return holdFailover(db, incident, `holding: ${down} of ${all.length} clusters look unreachable at once, which points at our own network; no mass failover`);
  }
  const [recent] = await db
    .select({ id: workflowRuns.id })
    .from(workflowRuns)
    .where(and(eq(workflowRuns.subjectId, incident.instanceId!), eq(workflowRuns.type, "instance-move"), gt(workflowRuns.createdAt, new Date(now.getTime() - s.flapWindowMs))));
  if (recent) return holdFailover(db, incident, "holding: the instance was moved recently; its clusters look unstable, so it is not moved again yet");
  return true;
}

/** Takes the next step of the ladder for a live incident, when one is due. */
export async function advanceRecovery(db: Db, incident: Incident, verdict: HealthVerdict, now = new Date()): Promise<void> {
  if (!incident.autoRecovery || incident.status === "needs_attention" || !incident.instanceId) return;
  if (incident.nextActionAt && incident.nextActionAt > now) return;
  const [svc] = await db.select({ kind: services.kind }).from(instances).innerJoin(services, eq(services.id, instances.serviceId)).where(eq(instances.id, incident.instanceId));
  const rung = ladder(incident.kind, svc?.kind === "stateless");
  if (rung.action === "escalate") return escalate(db, incident, rung.why);
  if (incident.attempts >= rung.tries) return escalate(db, incident, `${incident.attempts} recovery attempt(s) did not help (${verdict.detail ?? verdict.cause})`);
  if (rung.action === "failover" && !(await failoverAllowed(db, incident, now))) return;
  const [{ busy, busyHere } = { busy: 0, busyHere: 0 }] = await db
    .select({ busy: sql<number>`count(*)::int`, busyHere: sql<number>`(count(*) filter (where ${incidents.clusterId} = ${incident.clusterId}))::int` })
    .from(incidents)
    .where(inArray(incidents.status, ["recovering"]));
  // A cluster loss is many incidents at once (one per instance): a failover is exempt from the per-cluster limit.
  const perClusterFull = rung.action !== "failover" && busyHere >= MAX_CONCURRENT_RECOVERIES_PER_CLUSTER;
  if (incident.status !== "recovering" && (busy >= MAX_CONCURRENT_RECOVERIES || perClusterFull)) return;
  // Claim the rung first (attempts + next time): a monitor running concurrently then finds nothing due.
  const claimed = await db
    .update(incidents)
    .set({ status: "recovering", attempts: incident.attempts + 1, nextActionAt: new Date(now.getTime() + rung.backoffMs * 2 ** incident.attempts) })
    .where(sql`${incidents.id} = ${incident.id} and ${incidents.attempts} = ${incident.attempts}`)
    .returning({ id: incidents.id });
  if (!claimed.length) return;
  try {
    const run =
      rung.action === "move" || rung.action === "failover"
        ? await moveInstance(db, ctx, incident.orgId!, incident.instanceId)
        : await changeAndRun(db, ctx, incident.orgId!, incident.instanceId, `instances.recover_${rung.action}`, rung.action === "restart" ? HEALTH_WORKFLOWS.restartPods : HEALTH_WORKFLOWS.evictLostPods, async () => ({ incident: incident.id, cause: incident.kind }));
    const what = { restart: "restarting the pods", evict: "moving pods off the lost node", move: "moving the instance to another cluster", failover: "failing over to another cluster (the old copy is removed when its cluster is back)" }[rung.action];
    await addIncidentEvent(db, incident.id, "action", `${what} (attempt ${incident.attempts + 1} of ${rung.tries})`, { runId: run.runId });
  } catch (err) {
    const why = err instanceof DomainError ? err.message : "the recovery could not start";
    await addIncidentEvent(db, incident.id, "action", `could not act: ${why}`);
    if (!(err instanceof DomainError)) throw err;
  }
}
