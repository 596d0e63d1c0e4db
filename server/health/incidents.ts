// Incidents: one live incident per instance and cause, with a timeline of what was detected, done and decided.
import { and, desc, eq, ne } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { incidentEvents, incidents, type HealthCause } from "@/db/schema";
import { isUniqueViolation } from "@/server/errors/domain-error";

export type Incident = typeof incidents.$inferSelect;

const TITLES: Record<HealthCause, string> = {
  crash_loop: "Crash loop",
  image_pull: "Image cannot be pulled",
  unschedulable: "Pods cannot be scheduled",
  node_lost: "Node lost",
  cluster_unreachable: "Cluster unreachable",
  not_ready: "Not ready",
};

/** The live incident of this instance and cause, opened (with a "detected" event) when there is none. */
export async function ensureIncident(db: DbOrTx, at: { orgId: string; instanceId: string; clusterId: string | null; name: string }, cause: HealthCause, detail: string): Promise<{ incident: Incident; opened: boolean }> {
  const live = await liveIncident(db, at.instanceId, cause);
  if (live) return { incident: live, opened: false };
  try {
    const [incident] = await db
      .insert(incidents)
      .values({ orgId: at.orgId, instanceId: at.instanceId, clusterId: at.clusterId, kind: cause, title: `${TITLES[cause]}: ${at.name}` })
      .returning();
    await addIncidentEvent(db, incident!.id, "detected", detail);
    return { incident: incident!, opened: true };
  } catch (err) {
    // Another monitor opened it at the same moment.
    if (!isUniqueViolation(err, "incidents_live_key")) throw err;
    return { incident: (await liveIncident(db, at.instanceId, cause))!, opened: false };
  }
}

export async function liveIncident(db: DbOrTx, instanceId: string, cause: HealthCause): Promise<Incident | undefined> {
  const [row] = await db.select().from(incidents).where(and(eq(incidents.instanceId, instanceId), eq(incidents.kind, cause), ne(incidents.status, "resolved")));
  return row;
}

export async function liveIncidentsOf(db: DbOrTx, instanceId: string): Promise<Incident[]> {
  return db.select().from(incidents).where(and(eq(incidents.instanceId, instanceId), ne(incidents.status, "resolved"))).orderBy(desc(incidents.detectedAt));
}

export async function addIncidentEvent(db: DbOrTx, incidentId: string, kind: string, message: string, extra: { actor?: string; runId?: string } = {}): Promise<void> {
  await db.insert(incidentEvents).values({ incidentId, kind, message: message.slice(0, 1000), actor: extra.actor ?? "fleetplane", runId: extra.runId ?? null });
}

/** Ends an incident: outcome "recovered" (our action worked), "healed" (it passed by itself) or "stopped". */
export async function resolveIncident(db: DbOrTx, incident: Incident, outcome: "recovered" | "healed" | "stopped", message: string, now = new Date()): Promise<void> {
  const ttrMs = now.getTime() - incident.detectedAt.getTime();
  await db.update(incidents).set({ status: "resolved", outcome, resolvedAt: now, ttrMs, nextActionAt: null }).where(eq(incidents.id, incident.id));
  await addIncidentEvent(db, incident.id, "outcome", `${message} (time to recover ${(ttrMs / 1000).toFixed(1)} s)`);
}
