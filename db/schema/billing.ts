// Usage metering and Stripe billing: state segments, idempotent usage events, hourly rollups, exports to Stripe
// meter events, Stripe customers/subscriptions per organization, received webhook events and invoices.
import { sql } from "drizzle-orm";
import { bigint, boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { organizations } from "./identity";
import { instances } from "./instances";
import { plans } from "./catalog";

export const meterKeys = ["vcpu_seconds", "memory_gib_seconds", "storage_gib_hours", "requests"] as const;
export type MeterKey = (typeof meterKeys)[number];

/**
 * What an instance was billed for over a span of time: running replicas at its plan size and its volume size.
 * One open segment (ended_at null) per instance; a state change closes it and opens the next.
 */
export const usageSegments = pgTable(
  "usage_segments",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    orgId: uuid("org_id").notNull().references(() => organizations.id, { onDelete: "cascade" }),
    instanceId: uuid("instance_id").notNull().references(() => instances.id, { onDelete: "cascade" }),
    planId: uuid("plan_id").notNull().references(() => plans.id),
    /** Replicas that accrue compute (0 when stopped, sleeping or failed). */
    replicas: integer("replicas").notNull(),
    cpuMillis: integer("cpu_millis").notNull(),
    memoryMb: integer("memory_mb").notNull(),
    /** Volume size kept, accrued even when stopped (data kept). */
    storageGb: integer("storage_gb").notNull(),
    /** False on free plans: usage is shown but never sent to Stripe. */
    billable: boolean("billable").notNull().default(true),
    startedAt: timestamp("started_at", { withTimezone: true, precision: 3 }).notNull(),
    endedAt: timestamp("ended_at", { withTimezone: true, precision: 3 }),
    /** Usage events exist for [started_at, metered_until). */
    meteredUntil: timestamp("metered_until", { withTimezone: true, precision: 3 }).notNull(),
  },
  (t) => [
    uniqueIndex("usage_segments_open_key").on(t.instanceId).where(sql`${t.endedAt} is null`),
    index("usage_segments_unmetered_idx").on(t.meteredUntil),
  ],
);

/**
 * Usage facts, written once each (`key` is deterministic from the source), quantity in millionths of a unit.
 * Rolled up in the same statement that inserts them.
 */
export const usageEvents = pgTable(
  "usage_events",
  {
    key: text("key").primaryKey(),
    orgId: uuid("org_id").notNull(),
    instanceId: uuid("instance_id").notNull(),
    meter: text("meter", { enum: meterKeys }).notNull(),
    hour: timestamp("hour", { withTimezone: true }).notNull(),
    quantityMicro: bigint("quantity_micro", { mode: "bigint" }).notNull(),
    /** Counted in the organization's totals for Stripe (false on free plans). */
    billable: boolean("billable").notNull().default(true),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
);

/** Usage per organization, instance, meter and hour (sum of its events). */
export const usageRollups = pgTable(
  "usage_rollups",
  {
    orgId: uuid("org_id").notNull(),
    instanceId: uuid("instance_id").notNull(),
    meter: text("meter", { enum: meterKeys }).notNull(),
    hour: timestamp("hour", { withTimezone: true }).notNull(),
    quantityMicro: bigint("quantity_micro", { mode: "bigint" }).notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.instanceId, t.meter, t.hour] }), index("usage_rollups_org_hour_idx").on(t.orgId, t.hour)],
);

/**
 * What Stripe must know per organization, meter and hour: the total so far and how much of it was exported.
 * total > exported means an export (or a correction of an exported hour) is due.
 */
export const usageHourTotals = pgTable(
  "usage_hour_totals",
  {
    orgId: uuid("org_id").notNull(),
    meter: text("meter", { enum: meterKeys }).notNull(),
    hour: timestamp("hour", { withTimezone: true }).notNull(),
    totalMicro: bigint("total_micro", { mode: "bigint" }).notNull(),
    exportedMicro: bigint("exported_micro", { mode: "bigint" }).notNull().default(sql`0`),
    revision: integer("revision").notNull().default(0),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.orgId, t.meter, t.hour] }),
    index("usage_hour_totals_due_idx").on(t.hour).where(sql`${t.totalMicro} > ${t.exportedMicro}`),
  ],
);

export const exportStatuses = ["pending", "sent", "expired", "skipped"] as const;

/** One meter event for Stripe: the delta of an hour at a revision, with a deterministic identifier. */
export const billingExports = pgTable(
  "billing_exports",
  {
    identifier: text("identifier").primaryKey(),
    orgId: uuid("org_id").notNull().references(() => organizations.id, { onDelete: "cascade" }),
    meter: text("meter", { enum: meterKeys }).notNull(),
    hour: timestamp("hour", { withTimezone: true }).notNull(),
    revision: integer("revision").notNull(),
    valueMicro: bigint("value_micro", { mode: "bigint" }).notNull(),
    status: text("status", { enum: exportStatuses }).notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp("sent_at", { withTimezone: true }),
  },
  (t) => [index("billing_exports_pending_idx").on(t.orgId, t.meter, t.hour).where(sql`${t.status} = 'pending'`)],
);

/** The Stripe side of the catalog: meters and their prices, created idempotently at start. */
export const billingMeters = pgTable("billing_meters", {
  meter: text("meter", { enum: meterKeys }).primaryKey(),
  stripeMeterId: text("stripe_meter_id").notNull(),
  stripePriceId: text("stripe_price_id").notNull(),
  syncedAt: timestamp("synced_at", { withTimezone: true }).notNull().defaultNow(),
});

export const accountStatuses = ["none", "active", "past_due", "suspended", "canceled"] as const;
export type AccountStatus = (typeof accountStatuses)[number];

/** An organization's billing: its Stripe customer (created once), subscription and where it stands. */
export const billingAccounts = pgTable("billing_accounts", {
  orgId: uuid("org_id").primaryKey().references(() => organizations.id, { onDelete: "cascade" }),
  stripeCustomerId: text("stripe_customer_id").unique(),
  stripeSubscriptionId: text("stripe_subscription_id"),
  /** Stripe's subscription status as last fetched (active, past_due, unpaid, canceled, …). */
  subscriptionStatus: text("subscription_status"),
  currentPeriodStart: timestamp("current_period_start", { withTimezone: true }),
  currentPeriodEnd: timestamp("current_period_end", { withTimezone: true }),
  cancelAtPeriodEnd: boolean("cancel_at_period_end").notNull().default(false),
  status: text("status", { enum: accountStatuses }).notNull().default("none"),
  /** Payment failed at; suspension follows at grace_until unless paid. */
  paymentFailedAt: timestamp("payment_failed_at", { withTimezone: true }),
  graceUntil: timestamp("grace_until", { withTimezone: true }),
  suspendedAt: timestamp("suspended_at", { withTimezone: true }),
  /** The subscription and per-plan instance counts last written to its items ("sub|price:qty,…"), to skip no-op syncs. */
  itemsSynced: text("items_synced"),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

/** Every Stripe webhook event received, stored once by id, processed idempotently. */
export const stripeEvents = pgTable(
  "stripe_events",
  {
    id: text("id").primaryKey(),
    type: text("type").notNull(),
    created: timestamp("created", { withTimezone: true }).notNull(),
    payload: jsonb("payload").$type<Record<string, unknown>>().notNull(),
    receivedAt: timestamp("received_at", { withTimezone: true }).notNull().defaultNow(),
    processedAt: timestamp("processed_at", { withTimezone: true }),
    error: text("error"),
  },
  (t) => [index("stripe_events_unprocessed_idx").on(t.receivedAt).where(sql`${t.processedAt} is null`)],
);

/** Invoices as Stripe last told us (webhooks and re-fetches), for the billing page and revenue figures. */
export const billingInvoices = pgTable(
  "billing_invoices",
  {
    id: text("id").primaryKey(),
    orgId: uuid("org_id").notNull().references(() => organizations.id, { onDelete: "cascade" }),
    number: text("number"),
    status: text("status").notNull(),
    currency: text("currency").notNull(),
    amountDue: integer("amount_due").notNull(),
    amountPaid: integer("amount_paid").notNull(),
    periodStart: timestamp("period_start", { withTimezone: true }),
    periodEnd: timestamp("period_end", { withTimezone: true }),
    hostedInvoiceUrl: text("hosted_invoice_url"),
    invoicePdf: text("invoice_pdf"),
    created: timestamp("created", { withTimezone: true }).notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("billing_invoices_org_idx").on(t.orgId, t.created)],
);

/** Results of comparing our exported totals with Stripe's meter event summaries. */
export const billingReconciliations = pgTable(
  "billing_reconciliations",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    orgId: uuid("org_id").notNull().references(() => organizations.id, { onDelete: "cascade" }),
    meter: text("meter", { enum: meterKeys }).notNull(),
    periodStart: timestamp("period_start", { withTimezone: true }).notNull(),
    periodEnd: timestamp("period_end", { withTimezone: true }).notNull(),
    localMicro: bigint("local_micro", { mode: "bigint" }).notNull(),
    stripeMicro: bigint("stripe_micro", { mode: "bigint" }).notNull(),
    driftMicro: bigint("drift_micro", { mode: "bigint" }).notNull(),
    checkedAt: timestamp("checked_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("billing_reconciliations_checked_idx").on(t.checkedAt)],
);
