// Organizations' webhook endpoints: created with a signing secret (shown once, encrypted at rest and bound to the
// row), enabled or disabled, subscribed to incident events, tested with a ping; their recent deliveries.
import { randomUUID } from "node:crypto";
import { and, count, desc, eq, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db, DbOrTx } from "@/db/client";
import { orgWebhooks, webhookDeliveries, webhookEventTypes } from "@/db/schema";
import { generateSecret } from "@/server/apikeys/secrets";
import { recordAudit } from "@/server/audit/record-audit";
import type { ActorContext } from "@/server/auth/actor";
import { getKeyring } from "@/server/crypto/keyring";
import { decryptSecret, encryptSecret } from "@/server/crypto/secret-box";
import { getEnv } from "@/server/env";
import { DomainError } from "@/server/errors/domain-error";
import { log } from "@/server/log";
import { enqueueWebhookAttempt } from "./webhook-jobs";

/** Endpoints per organization: enough for real use, bounded so one organization cannot fan out without limit. */
export const MAX_WEBHOOKS_PER_ORG = 10;

export function webhookSecretAad(webhookId: string): string {
  return `webhook:${webhookId}:secret`;
}

/** Plain http is allowed only where endpoints are local by nature (NODE_ENV development or test). */
function plainHttpAllowed(): boolean {
  const env = getEnv().NODE_ENV;
  return env === "development" || env === "test";
}

const webhookUrl = z
  .string()
  .trim()
  .min(1, "is required")
  .max(2000)
  .superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: "custom", message: "must be a full URL such as https://example.com/hooks/fleetplane" });
      return;
    }
    if (url.protocol === "https:") {
      // fine
    } else if (url.protocol === "http:") {
      if (!plainHttpAllowed()) ctx.addIssue({ code: "custom", message: "must use https:// (plain http:// is accepted only when NODE_ENV is development or test)" });
    } else {
      ctx.addIssue({ code: "custom", message: `must be an https:// URL${plainHttpAllowed() ? " (or http:// here, as NODE_ENV is development or test)" : ""}` });
    }
    if (url.username || url.password) ctx.addIssue({ code: "custom", message: "must not contain a user name or password; authenticate requests with the signature" });
  });

const events = z.array(z.enum(webhookEventTypes)).min(1, "pick at least one event").max(webhookEventTypes.length);

export const createWebhookInput = z.object({ orgId: z.uuid(), url: webhookUrl, events });
export const updateWebhookInput = z.object({ orgId: z.uuid(), webhookId: z.uuid(), enabled: z.boolean().optional(), events: events.optional() });
export const webhookRefInput = z.object({ orgId: z.uuid(), webhookId: z.uuid() });
export const listDeliveriesInput = z.object({ orgId: z.uuid(), webhookId: z.uuid().optional(), limit: z.number().int().min(1).max(100).default(25) });

const publicColumns = {
  id: orgWebhooks.id,
  url: orgWebhooks.url,
  events: orgWebhooks.events,
  enabled: orgWebhooks.enabled,
  createdAt: orgWebhooks.createdAt,
  lastDeliveryAt: orgWebhooks.lastDeliveryAt,
  lastStatus: orgWebhooks.lastStatus,
};

/** Creates an endpoint; returns its signing secret, which is never shown again. */
export async function createWebhook(db: Db, ctx: ActorContext, input: z.infer<typeof createWebhookInput>) {
  const id = randomUUID();
  const secret = generateSecret("whsec");
  const uniqueEvents = [...new Set(input.events)];
  return db.transaction(async (tx) => {
    // Serialize creations of one organization so the limit holds under concurrent calls.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`org_webhooks:${input.orgId}`}))`);
    const [existing] = await tx.select({ n: count() }).from(orgWebhooks).where(eq(orgWebhooks.orgId, input.orgId));
    if ((existing?.n ?? 0) >= MAX_WEBHOOKS_PER_ORG) {
      throw new DomainError("PRECONDITION_FAILED", `An organization can have at most ${MAX_WEBHOOKS_PER_ORG} webhooks; delete one first`);
    }
    const [row] = await tx
      .insert(orgWebhooks)
      .values({ id, orgId: input.orgId, url: input.url, events: uniqueEvents, secretEncrypted: encryptSecret(secret, getKeyring(), webhookSecretAad(id)) })
      .returning(publicColumns);
    if (!row) throw new Error("insert returned nothing");
    await recordAudit(tx, ctx, { orgId: input.orgId, action: "webhooks.create", targetType: "webhook", targetId: id, details: { url: input.url, events: uniqueEvents } });
    return { ...row, secret };
  });
}

/** The organization's endpoints, newest first, without secrets. */
export async function listWebhooks(db: Db, orgId: string) {
  return db.select(publicColumns).from(orgWebhooks).where(eq(orgWebhooks.orgId, orgId)).orderBy(desc(orgWebhooks.createdAt));
}

async function lockWebhook(tx: DbOrTx, orgId: string, webhookId: string) {
  const [row] = await tx.select().from(orgWebhooks).where(and(eq(orgWebhooks.id, webhookId), eq(orgWebhooks.orgId, orgId))).for("update");
  if (!row) throw new DomainError("NOT_FOUND", "Webhook not found");
  return row;
}

/** Enables or disables an endpoint, or changes its events. A disabled endpoint gets no new deliveries. */
export async function updateWebhook(db: Db, ctx: ActorContext, input: z.infer<typeof updateWebhookInput>) {
  if (input.enabled === undefined && input.events === undefined) throw new DomainError("BAD_REQUEST", "Nothing to change: give enabled or events");
  return db.transaction(async (tx) => {
    const before = await lockWebhook(tx, input.orgId, input.webhookId);
    const set = { ...(input.enabled !== undefined ? { enabled: input.enabled } : {}), ...(input.events ? { events: [...new Set(input.events)] } : {}) };
    const [row] = await tx.update(orgWebhooks).set(set).where(eq(orgWebhooks.id, input.webhookId)).returning(publicColumns);
    await recordAudit(tx, ctx, {
      orgId: input.orgId,
      action: "webhooks.update",
      targetType: "webhook",
      targetId: input.webhookId,
      details: { url: before.url, before: { enabled: before.enabled, events: before.events }, after: set },
    });
    return row!;
  });
}

/** Deletes an endpoint with its deliveries; nothing is sent to it any more. */
export async function deleteWebhook(db: Db, ctx: ActorContext, orgId: string, webhookId: string): Promise<void> {
  await db.transaction(async (tx) => {
    const row = await lockWebhook(tx, orgId, webhookId);
    await tx.delete(orgWebhooks).where(eq(orgWebhooks.id, webhookId));
    await recordAudit(tx, ctx, { orgId, action: "webhooks.delete", targetType: "webhook", targetId: webhookId, details: { url: row.url } });
  });
}

/** Queues a `ping` event to the endpoint (enabled or not), to check the receiver and its signature check. */
export async function sendTestWebhook(db: Db, ctx: ActorContext, orgId: string, webhookId: string) {
  const eventId = `ping:${randomUUID()}`;
  const created = Math.floor(Date.now() / 1000);
  const delivery = await db.transaction(async (tx) => {
    const hook = await lockWebhook(tx, orgId, webhookId);
    const payload = { id: eventId, type: "ping", created, data: { webhookId: hook.id, orgId, message: "A test event from Fleetplane" } };
    const [row] = await tx
      .insert(webhookDeliveries)
      .values({ webhookId, eventId, eventType: "ping", payload, nextAttemptAt: new Date() })
      .returning({ id: webhookDeliveries.id, eventId: webhookDeliveries.eventId, status: webhookDeliveries.status });
    await recordAudit(tx, ctx, { orgId, action: "webhooks.test", targetType: "webhook", targetId: webhookId, details: { url: hook.url, eventId } });
    return row!;
  });
  await enqueueWebhookAttempt(delivery.id, 1).catch((err: unknown) => log.warn("notifications", "enqueue failed; the sweep will send it", { deliveryId: delivery.id, error: String(err) }));
  return delivery;
}

/** Recent deliveries of the organization's endpoints (or one of them), newest first, without payloads. */
export async function listDeliveries(db: Db, input: z.infer<typeof listDeliveriesInput>) {
  const hooks = await db
    .select({ id: orgWebhooks.id })
    .from(orgWebhooks)
    .where(and(eq(orgWebhooks.orgId, input.orgId), input.webhookId ? eq(orgWebhooks.id, input.webhookId) : undefined));
  if (input.webhookId && hooks.length === 0) throw new DomainError("NOT_FOUND", "Webhook not found");
  if (hooks.length === 0) return [];
  return db
    .select({
      id: webhookDeliveries.id,
      webhookId: webhookDeliveries.webhookId,
      eventId: webhookDeliveries.eventId,
      eventType: webhookDeliveries.eventType,
      status: webhookDeliveries.status,
      attempts: webhookDeliveries.attempts,
      nextAttemptAt: webhookDeliveries.nextAttemptAt,
      lastError: webhookDeliveries.lastError,
      responseStatus: webhookDeliveries.responseStatus,
      createdAt: webhookDeliveries.createdAt,
      deliveredAt: webhookDeliveries.deliveredAt,
    })
    .from(webhookDeliveries)
    .where(inArray(webhookDeliveries.webhookId, hooks.map((h) => h.id)))
    .orderBy(desc(webhookDeliveries.createdAt))
    .limit(input.limit);
}

/** The decrypted signing secret of an endpoint: for the delivery worker only, never returned by the API. */
export function openWebhookSecret(row: { id: string; secretEncrypted: string }): string {
  return decryptSecret(row.secretEncrypted, getKeyring(), webhookSecretAad(row.id));
}
