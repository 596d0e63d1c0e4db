// Tells people about incidents: email to the organization's owners and admins (outbox) and signed webhooks to the
// organization's endpoints. Called after the incident change is written; each notice goes out once per incident.
import { and, arrayContains, eq, inArray } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import { incidentNotices, incidents, memberships, organizations, orgWebhooks, users, webhookDeliveries, type WebhookEventType } from "@/db/schema";
import { getEnv } from "@/server/env";
import { log } from "@/server/log";
import { deliverMail, enqueueMail } from "@/server/mail/send-mail";
import { enqueueMailDelivery, enqueueWebhookAttempt } from "./webhook-jobs";

export type IncidentNotice = "opened" | "escalated" | "resolved";
type Incident = typeof incidents.$inferSelect;

/** Emails of the organization's owners and admins: who hears about incidents. */
export async function incidentContacts(db: DbOrTx, orgId: string): Promise<string[]> {
  const rows = await db
    .select({ email: users.email })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.orgId, orgId), inArray(memberships.role, ["owner", "admin"])));
  return rows.map((r) => r.email);
}

export function incidentUrl(orgSlug: string, incidentId: string): string {
  return `${getEnv().APP_URL}/o/${orgSlug}/incidents/${incidentId}`;
}

const headline: Record<IncidentNotice, string> = { opened: "Incident opened", escalated: "Incident needs attention", resolved: "Incident resolved" };

/** The webhook event: `{id, type, created, data: {incident, message}}`; `id` is the receiver's idempotency key. */
export function incidentEvent(incident: Incident, notice: IncidentNotice, message: string, url: string) {
  return {
    id: `${incident.id}:${notice}`,
    type: `incident.${notice}` as WebhookEventType,
    created: Math.floor(Date.now() / 1000),
    data: {
      incident: {
        id: incident.id,
        orgId: incident.orgId,
        instanceId: incident.instanceId,
        clusterId: incident.clusterId,
        kind: incident.kind,
        status: incident.status,
        title: incident.title,
        outcome: incident.outcome,
        attempts: incident.attempts,
        detectedAt: incident.detectedAt.toISOString(),
        resolvedAt: incident.resolvedAt?.toISOString() ?? null,
        ttrMs: incident.ttrMs,
        url,
      },
      message,
    },
  };
}

function mailText(incident: Incident, notice: IncidentNotice, message: string, url: string): string {
  const lines = [
    `${headline[notice]}: ${incident.title}`,
    "",
    message,
    "",
    `Status: ${incident.status.replace("_", " ")}${incident.outcome ? ` (${incident.outcome})` : ""}`,
    `Cause: ${incident.kind.replace("_", " ")}`,
    `Detected: ${incident.detectedAt.toISOString()}`,
  ];
  if (incident.resolvedAt) lines.push(`Resolved: ${incident.resolvedAt.toISOString()}${incident.ttrMs !== null ? ` (time to recover ${Math.round(incident.ttrMs / 1000)} s)` : ""}`);
  lines.push(`Recovery actions taken: ${incident.attempts}`, "", `Details: ${url}`);
  return lines.join("\n");
}

/**
 * Sends an incident notice once: emails the organization's owners and admins and queues one signed delivery per
 * enabled webhook subscribed to `incident.<notice>`. A repeated call for the same incident and notice does nothing.
 * Never throws: a notification problem must not stop recovery (it is logged instead).
 */
export async function notifyIncident(db: Db, incident: Incident, notice: IncidentNotice, message: string): Promise<void> {
  try {
    await sendIncidentNotice(db, incident, notice, message);
  } catch (err) {
    log.error("notifications", "incident notice failed", { incidentId: incident.id, notice, error: err instanceof Error ? err.message : String(err) });
  }
}

async function sendIncidentNotice(db: Db, given: Incident, notice: IncidentNotice, message: string): Promise<void> {
  // Callers may hold the row as it was before their change (e.g. before resolving it): read it again.
  const [incident = given] = await db.select().from(incidents).where(eq(incidents.id, given.id));
  if (!incident.orgId) return;
  const orgId = incident.orgId;
  const type = `incident.${notice}` as WebhookEventType;
  const queued = await db.transaction(async (tx) => {
    const [first] = await tx.insert(incidentNotices).values({ incidentId: incident.id, notice }).onConflictDoNothing().returning();
    if (!first) return null;
    const [org] = await tx.select({ slug: organizations.slug }).from(organizations).where(eq(organizations.id, orgId));
    if (!org) return null;
    const url = incidentUrl(org.slug, incident.id);
    const mailIds: string[] = [];
    for (const to of await incidentContacts(tx, orgId)) {
      mailIds.push(await enqueueMail(tx, { to, subject: `[Fleetplane] ${headline[notice]}: ${incident.title}`, text: mailText(incident, notice, message, url) }));
    }
    const hooks = await tx
      .select({ id: orgWebhooks.id })
      .from(orgWebhooks)
      .where(and(eq(orgWebhooks.orgId, orgId), eq(orgWebhooks.enabled, true), arrayContains(orgWebhooks.events, [type])));
    const event = incidentEvent(incident, notice, message, url);
    const deliveries = hooks.length
      ? await tx
          .insert(webhookDeliveries)
          .values(hooks.map((h) => ({ webhookId: h.id, eventId: event.id, eventType: type, payload: event, nextAttemptAt: new Date() })))
          .onConflictDoNothing({ target: [webhookDeliveries.webhookId, webhookDeliveries.eventId] })
          .returning({ id: webhookDeliveries.id })
      : [];
    return { mailIds, deliveryIds: deliveries.map((d) => d.id) };
  });
  if (!queued) return;
  // After commit: wake the senders. A lost webhook job is re-enqueued by the sweep; a mail job that cannot be
  // queued is sent from here instead.
  for (const id of queued.deliveryIds) {
    await enqueueWebhookAttempt(id, 1).catch((err: unknown) => log.warn("notifications", "enqueue failed; the sweep will send it", { deliveryId: id, error: String(err) }));
  }
  for (const id of queued.mailIds) {
    await enqueueMailDelivery(id).catch(async (err: unknown) => {
      log.warn("notifications", "mail job not queued; sending now", { mailId: id, error: String(err) });
      await deliverMail(db, id);
    });
  }
}
