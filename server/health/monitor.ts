// The health monitor: after every view of a cluster (watch events, full resyncs) it judges each running instance
// there, keeps instance_health current, opens incidents for problems that last, resolves them when the instance
// is healthy again, and hands live incidents to the recovery ladder.
import type { V1Node, V1Pod } from "@kubernetes/client-node";
import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { instanceHealth, instances, workflowRuns, type HealthCause } from "@/db/schema";
import { isNodeReady } from "@/server/clusters/node-snapshot";
import { log } from "@/server/log";
import { publishInstanceChange } from "@/server/instances/instance-events";
import { addIncidentEvent, ensureIncident, liveIncidentsOf, resolveIncident } from "./incidents";
import { judgeInstanceHealth, type HealthVerdict } from "./instance-health";
import { advanceRecovery } from "./recovery";
import { configureHealth, healthSettings } from "./settings";
import { notifyIncident } from "@/server/notifications/incident-notifications";

/** Tests and benchmarks shorten the timers (see settings.ts). */
export const configureMonitor = configureHealth;

const IMMEDIATE: HealthCause[] = ["crash_loop", "node_lost", "image_pull"];

/** Judges every running instance of a cluster from a view of its pods and nodes. */
export async function monitorClusterHealth(db: Db, clusterId: string, view: { pods: Iterable<V1Pod>; nodes: Iterable<V1Node>; reachable: boolean }, now = new Date()): Promise<void> {
  const live = await db
    .select({ id: instances.id, orgId: instances.orgId, name: instances.name, namespace: instances.namespace, desiredReplicas: instances.desiredReplicas })
    .from(instances)
    .where(
      and(
        eq(instances.clusterId, clusterId),
        isNull(instances.deletedAt),
        eq(instances.desiredState, "running"),
        eq(instances.observedState, "running"),
        // A run under way (deploy, restart, recovery) changes the pods on purpose: judge it when it is done.
        sql`not exists (select 1 from ${workflowRuns} r where r.subject_id = ${instances.id} and r.status in ('queued', 'running', 'paused', 'cancelling'))`,
      ),
    );
  if (live.length === 0) return;
  // An instance owns its namespace: its pods are the pods there.
  const namespaces = new Set(live.map((i) => i.namespace));
  const byNamespace = new Map<string, V1Pod[]>();
  for (const p of view.pods) {
    const ns = p.metadata?.namespace;
    if (ns && namespaces.has(ns)) byNamespace.set(ns, [...(byNamespace.get(ns) ?? []), p]);
  }
  const ready = new Map([...view.nodes].map((n) => [n.metadata!.name!, isNodeReady(n)] as const));
  const previous = new Map((await db.select().from(instanceHealth).where(inArray(instanceHealth.instanceId, live.map((i) => i.id)))).map((h) => [h.instanceId, h]));
  for (const inst of live) {
    const verdict = judgeInstanceHealth({ pods: byNamespace.get(inst.namespace) ?? [], nodeReady: ready, desiredReplicas: inst.desiredReplicas, clusterReachable: view.reachable, now: now.getTime(), notReadyGraceMs: healthSettings().notReadyGraceMs });
    const { since } = await saveVerdict(db, inst.id, verdict, previous.get(inst.id), now);
    try {
      await actOn(db, { id: inst.id, orgId: inst.orgId, name: inst.name, clusterId }, verdict, since, now);
    } catch (err) {
      log.error("health", "acting on an instance's health failed", { instanceId: inst.id, error: err instanceof Error ? err.message : String(err) });
    }
  }
}

/**
 * Stores a verdict as the instance's health (`since` carried over while status and cause stay the same) and tells
 * the portal when it changed.
 */
export async function saveVerdict(db: Db, instanceId: string, verdict: HealthVerdict, before: typeof instanceHealth.$inferSelect | undefined, now: Date): Promise<{ since: Date }> {
  const same = before && before.status === verdict.status && before.cause === verdict.cause;
  const since = same ? before.since : now;
  const values = { status: verdict.status, cause: verdict.cause, detail: verdict.detail, readyReplicas: verdict.readyReplicas, restarts: verdict.restarts, since, checkedAt: now };
  await db.insert(instanceHealth).values({ instanceId, ...values }).onConflictDoUpdate({ target: instanceHealth.instanceId, set: values });
  if (!same) await publishInstanceChange(instanceId);
  return { since };
}

async function actOn(db: Db, inst: { id: string; orgId: string; name: string; clusterId: string }, verdict: HealthVerdict, since: Date, now: Date): Promise<void> {
  const open = await liveIncidentsOf(db, inst.id);
  if (verdict.status === "healthy") {
    for (const incident of open) {
      const message = incident.attempts > 0 ? "healthy again after recovery" : "healthy again by itself";
      await resolveIncident(db, incident, incident.attempts > 0 ? "recovered" : "healed", message, now);
      await notifyIncident(db, incident, "resolved", message);
    }
    return;
  }
  if (!verdict.cause) return;
  const lasted = now.getTime() - since.getTime();
  if (!IMMEDIATE.includes(verdict.cause) && lasted < healthSettings().confirmMs) return;
  const { incident, opened } = await ensureIncident(db, { orgId: inst.orgId, instanceId: inst.id, clusterId: inst.clusterId, name: inst.name }, verdict.cause, verdict.detail ?? verdict.cause);
  if (opened) {
    log.warn("health", "incident opened", { instanceId: inst.id, cause: verdict.cause, detail: verdict.detail });
    await notifyIncident(db, incident, "opened", verdict.detail ?? verdict.cause);
  }
  // A different problem replaced the one an older incident was about: that one is over.
  for (const other of open) if (other.kind !== verdict.cause) await resolveIncident(db, other, "healed", `replaced by: ${verdict.cause.replace("_", " ")}`, now);
  if (!opened && incident.status === "needs_attention") return;
  await advanceRecovery(db, incident, verdict, now);
  if (opened) await addIncidentEvent(db, incident.id, "note", `${verdict.readyReplicas} replica(s) ready, ${verdict.restarts} restart(s)`);
}
