// Health and recovery: each instance's health as last evaluated, and incidents (a detection, the actions taken,
// the outcome and time to recover) with their timeline.
import { sql } from "drizzle-orm";
import { boolean, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { clusters } from "./clusters";
import { organizations } from "./identity";
import { instances } from "./instances";

export const healthStatuses = ["healthy", "degraded", "unhealthy", "unknown"] as const;
export type HealthStatus = (typeof healthStatuses)[number];

/** Why an instance is not healthy; each has its own recovery ladder (server/health/recovery.ts). */
export const healthCauses = ["crash_loop", "image_pull", "unschedulable", "node_lost", "cluster_unreachable", "not_ready"] as const;
export type HealthCause = (typeof healthCauses)[number];

export const instanceHealth = pgTable("instance_health", {
  instanceId: uuid("instance_id").primaryKey().references(() => instances.id, { onDelete: "cascade" }),
  status: text("status", { enum: healthStatuses }).notNull(),
  cause: text("cause", { enum: healthCauses }),
  detail: text("detail"),
  readyReplicas: integer("ready_replicas").notNull().default(0),
  restarts: integer("restarts").notNull().default(0),
  /** When the current status (and cause) began. */
  since: timestamp("since", { withTimezone: true }).notNull(),
  checkedAt: timestamp("checked_at", { withTimezone: true }).notNull(),
});

export const incidentStatuses = ["open", "recovering", "needs_attention", "resolved"] as const;
export type IncidentStatus = (typeof incidentStatuses)[number];

export const incidents = pgTable(
  "incidents",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    orgId: uuid("org_id").references(() => organizations.id, { onDelete: "cascade" }),
    instanceId: uuid("instance_id").references(() => instances.id, { onDelete: "cascade" }),
    clusterId: uuid("cluster_id").references(() => clusters.id, { onDelete: "set null" }),
    kind: text("kind", { enum: healthCauses }).notNull(),
    status: text("status", { enum: incidentStatuses }).notNull().default("open"),
    title: text("title").notNull(),
    /** How the incident ended: recovered (by us), healed (by itself), failed, stopped (by a person). */
    outcome: text("outcome"),
    /** Recovery actions taken so far (the ladder's rung). */
    attempts: integer("attempts").notNull().default(0),
    /** False when a person stopped automatic recovery. */
    autoRecovery: boolean("auto_recovery").notNull().default(true),
    nextActionAt: timestamp("next_action_at", { withTimezone: true }),
    detectedAt: timestamp("detected_at", { withTimezone: true }).notNull().defaultNow(),
    acknowledgedAt: timestamp("acknowledged_at", { withTimezone: true }),
    acknowledgedBy: text("acknowledged_by"),
    resolvedAt: timestamp("resolved_at", { withTimezone: true }),
    /** Time to recover: detection to healthy again. */
    ttrMs: integer("ttr_ms"),
  },
  (t) => [
    // One live incident per instance and cause: a second detection joins it.
    uniqueIndex("incidents_live_key").on(t.instanceId, t.kind).where(sql`${t.status} <> 'resolved'`),
    index("incidents_org_idx").on(t.orgId, t.detectedAt),
    index("incidents_live_idx").on(t.status).where(sql`${t.status} <> 'resolved'`),
  ],
);

export const incidentEvents = pgTable(
  "incident_events",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    incidentId: uuid("incident_id").notNull().references(() => incidents.id, { onDelete: "cascade" }),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
    /** detected, action, outcome, note, acknowledged, escalated */
    kind: text("kind").notNull(),
    message: text("message").notNull(),
    actor: text("actor").notNull().default("fleetplane"),
    runId: uuid("run_id"),
  },
  (t) => [index("incident_events_incident_idx").on(t.incidentId, t.at)],
);
