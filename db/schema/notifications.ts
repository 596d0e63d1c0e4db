// Notifications: organizations' signed webhook endpoints, each webhook delivery with its retries, and which incident
// notices were already sent (so a repeated notice sends no second email or webhook).
import { sql } from "drizzle-orm";
import { boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { organizations } from "./identity";
import { incidents } from "./health";

/** Events an endpoint can subscribe to; `ping` (a test) is sent on request to any endpoint. */
export const webhookEventTypes = ["incident.opened", "incident.escalated", "incident.resolved"] as const;
export type WebhookEventType = (typeof webhookEventTypes)[number];

export const orgWebhooks = pgTable(
  "org_webhooks",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    orgId: uuid("org_id").notNull().references(() => organizations.id, { onDelete: "cascade" }),
    url: text("url").notNull(),
    /** The signing secret in a secret box bound to this row (server/notifications/webhooks.ts); shown once at creation. */
    secretEncrypted: text("secret_encrypted").notNull(),
    events: text("events").array().notNull(),
    enabled: boolean("enabled").notNull().default(true),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    lastDeliveryAt: timestamp("last_delivery_at", { withTimezone: true }),
    /** Outcome of the last attempt: "200", "HTTP 500", "timeout"… */
    lastStatus: text("last_status"),
  },
  (t) => [index("org_webhooks_org_idx").on(t.orgId)],
);

export const webhookDeliveryStatuses = ["pending", "delivered", "failed"] as const;
export type WebhookDeliveryStatus = (typeof webhookDeliveryStatuses)[number];

export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    webhookId: uuid("webhook_id").notNull().references(() => orgWebhooks.id, { onDelete: "cascade" }),
    /** Deterministic per event (`<incidentId>:<notice>`, `ping:<uuid>`): the receiver's idempotency key. */
    eventId: text("event_id").notNull(),
    eventType: text("event_type").notNull(),
    payload: jsonb("payload").notNull(),
    status: text("status", { enum: webhookDeliveryStatuses }).notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    /** When the next attempt is due; while an attempt runs, a short lease so no one else sends it meanwhile. */
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }).notNull().defaultNow(),
    lastError: text("last_error"),
    responseStatus: integer("response_status"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    deliveredAt: timestamp("delivered_at", { withTimezone: true }),
  },
  (t) => [
    // A notice is queued once per endpoint, however often it is raised.
    uniqueIndex("webhook_deliveries_event_key").on(t.webhookId, t.eventId),
    index("webhook_deliveries_due_idx").on(t.nextAttemptAt).where(sql`${t.status} = 'pending'`),
    index("webhook_deliveries_webhook_idx").on(t.webhookId, t.createdAt),
  ],
);

/** Incident notices already sent (emails and webhook deliveries queued): one row per incident and notice. */
export const incidentNotices = pgTable(
  "incident_notices",
  {
    incidentId: uuid("incident_id").notNull().references(() => incidents.id, { onDelete: "cascade" }),
    notice: text("notice", { enum: ["opened", "escalated", "resolved"] }).notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.incidentId, t.notice] })],
);
