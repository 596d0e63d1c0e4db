// What people do with incidents: customers list their instances' incidents and read the timeline; platform
// staff see all, acknowledge, add notes, stop automatic recovery or trigger the next step at once.
import { and, asc, desc, eq, inArray, ne, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { incidentEvents, incidents, incidentStatuses, instances, organizations } from "@/db/schema";
import { recordAudit } from "@/server/audit/record-audit";
import { actorLabel, type ActorContext } from "@/server/auth/actor";
import { DomainError } from "@/server/errors/domain-error";
import { addIncidentEvent, resolveIncident } from "./incidents";

export const incidentFilterInput = z.object({
  status: z.array(z.enum(incidentStatuses)).max(4).optional(),
  instanceId: z.uuid().optional(),
  limit: z.number().int().min(1).max(200).default(50),
});

/** Incidents, newest first: of one organization (`orgId`), or all (platform staff, `orgId` null). */
export async function listIncidents(db: Db, orgId: string | null, filter: z.output<typeof incidentFilterInput>) {
  const where: (SQL | undefined)[] = [
    orgId ? eq(incidents.orgId, orgId) : undefined,
    filter.status?.length ? inArray(incidents.status, filter.status) : undefined,
    filter.instanceId ? eq(incidents.instanceId, filter.instanceId) : undefined,
  ];
  return db
    .select({
      id: incidents.id,
      orgId: incidents.orgId,
      orgName: organizations.name,
      instanceId: incidents.instanceId,
      instanceName: instances.name,
      clusterId: incidents.clusterId,
      kind: incidents.kind,
      status: incidents.status,
      title: incidents.title,
      outcome: incidents.outcome,
      attempts: incidents.attempts,
      autoRecovery: incidents.autoRecovery,
      detectedAt: incidents.detectedAt,
      acknowledgedAt: incidents.acknowledgedAt,
      acknowledgedBy: incidents.acknowledgedBy,
      resolvedAt: incidents.resolvedAt,
      ttrMs: incidents.ttrMs,
    })
    .from(incidents)
    .leftJoin(instances, eq(instances.id, incidents.instanceId))
    .leftJoin(organizations, eq(organizations.id, incidents.orgId))
    .where(and(...where))
    .orderBy(desc(incidents.detectedAt))
    .limit(filter.limit);
}

/** One incident with its timeline; another organization's answers NOT_FOUND. */
export async function getIncident(db: Db, orgId: string | null, incidentId: string) {
  const [row] = (await listIncidentsById(db, incidentId)).filter((i) => orgId === null || i.orgId === orgId);
  if (!row) throw new DomainError("NOT_FOUND", "Incident not found");
  const timeline = await db.select().from(incidentEvents).where(eq(incidentEvents.incidentId, incidentId)).orderBy(asc(incidentEvents.at));
  return { ...row, timeline };
}

async function listIncidentsById(db: Db, incidentId: string) {
  return db.select().from(incidents).where(eq(incidents.id, incidentId));
}

async function liveIncident(db: Db, incidentId: string) {
  const [row] = await db.select().from(incidents).where(and(eq(incidents.id, incidentId), ne(incidents.status, "resolved")));
  if (!row) throw new DomainError("PRECONDITION_FAILED", "This incident is resolved");
  return row;
}

export const incidentActionInput = z.object({ incidentId: z.uuid() });
export const incidentNoteInput = z.object({ incidentId: z.uuid(), note: z.string().trim().min(1, "write something").max(2000) });

export async function acknowledgeIncident(db: Db, ctx: ActorContext, incidentId: string) {
  const incident = await liveIncident(db, incidentId);
  if (incident.acknowledgedAt) return { acknowledged: true };
  await db.update(incidents).set({ acknowledgedAt: new Date(), acknowledgedBy: actorLabel(ctx.actor) }).where(eq(incidents.id, incidentId));
  await addIncidentEvent(db, incidentId, "acknowledged", "acknowledged", { actor: actorLabel(ctx.actor) });
  await recordAudit(db, ctx, { orgId: incident.orgId, action: "incidents.acknowledge", targetType: "incident", targetId: incidentId });
  return { acknowledged: true };
}

export async function addIncidentNote(db: Db, ctx: ActorContext, incidentId: string, note: string) {
  const [incident] = await listIncidentsById(db, incidentId);
  if (!incident) throw new DomainError("NOT_FOUND", "Incident not found");
  await addIncidentEvent(db, incidentId, "note", note, { actor: actorLabel(ctx.actor) });
  await recordAudit(db, ctx, { orgId: incident.orgId, action: "incidents.note", targetType: "incident", targetId: incidentId });
  return { ok: true };
}

/** Stops automatic recovery (a person takes over); `resolve` also closes the incident. */
export async function stopRecovery(db: Db, ctx: ActorContext, incidentId: string, resolve: boolean) {
  const incident = await liveIncident(db, incidentId);
  await db.update(incidents).set({ autoRecovery: false, nextActionAt: null, status: resolve ? incident.status : "needs_attention" }).where(eq(incidents.id, incidentId));
  await addIncidentEvent(db, incidentId, "note", "automatic recovery stopped", { actor: actorLabel(ctx.actor) });
  if (resolve) await resolveIncident(db, incident, "stopped", `closed by ${actorLabel(ctx.actor)}`);
  await recordAudit(db, ctx, { orgId: incident.orgId, action: resolve ? "incidents.close" : "incidents.stop_recovery", targetType: "incident", targetId: incidentId });
  return { ok: true };
}

/** Turns automatic recovery back on and makes its next step due now (the monitor takes it on its next pass). */
export async function triggerRecovery(db: Db, ctx: ActorContext, incidentId: string) {
  const incident = await liveIncident(db, incidentId);
  await db.update(incidents).set({ autoRecovery: true, nextActionAt: null, status: "open", attempts: 0 }).where(eq(incidents.id, incidentId));
  await addIncidentEvent(db, incidentId, "note", "recovery triggered again", { actor: actorLabel(ctx.actor) });
  await recordAudit(db, ctx, { orgId: incident.orgId, action: "incidents.trigger_recovery", targetType: "incident", targetId: incidentId });
  return { ok: true };
}
