// Fleet releases: rollouts of a service version across many instances in waves, each instance's place in one,
// organizations' maintenance windows and the upgrade notices customers see in the portal.
import { boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { organizations } from "./identity";
import { services, serviceVersions } from "./catalog";
import { instances } from "./instances";

export const rolloutStatuses = ["scheduled", "running", "paused", "completed", "aborted", "rolling_back", "rolled_back", "failed"] as const;
export type RolloutStatus = (typeof rolloutStatuses)[number];

/** Which instances a rollout targets (every list empty or absent = all instances of the service). */
export type RolloutTargetFilter = { planIds?: string[]; orgIds?: string[]; clusterIds?: string[]; regions?: string[] };
/** The first wave's size (a count or a percentage), then cumulative percentages of all targets, the last 100. */
export type RolloutWavePlan = { canary: { count: number } | { percent: number }; percents: number[] };
/** Pause when failures (since the last resume) reach a count or a percentage of the instances attempted. */
export type FailureThreshold = { count?: number; percent?: number };

export const rollouts = pgTable(
  "rollouts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    serviceId: uuid("service_id").notNull().references(() => services.id, { onDelete: "cascade" }),
    /** The version instances go to (a resume with a fixed version changes it). */
    toVersionId: uuid("to_version_id").notNull().references(() => serviceVersions.id),
    /** The version the rollout was created for (kept when a fixed version replaces it). */
    firstVersionId: uuid("first_version_id").notNull().references(() => serviceVersions.id),
    status: text("status", { enum: rolloutStatuses }).notNull(),
    /** Why it is paused (threshold reached, or who paused it). */
    pauseReason: text("pause_reason"),
    target: jsonb("target").$type<RolloutTargetFilter>().notNull(),
    wavePlan: jsonb("wave_plan").$type<RolloutWavePlan>().notNull(),
    waveCount: integer("wave_count").notNull(),
    /** The wave under way (1-based); 0 before the first. */
    currentWave: integer("current_wave").notNull().default(0),
    /** Upgraded instances of a wave must stay healthy this long before the next wave starts. */
    soakSeconds: integer("soak_seconds").notNull(),
    /** When the current wave's upgrades had all ended and its soak began. */
    soakStartedAt: timestamp("soak_started_at", { withTimezone: true }),
    maxParallel: integer("max_parallel").notNull(),
    failureThreshold: jsonb("failure_threshold").$type<FailureThreshold>().notNull(),
    /** Failures an operator has seen and resumed past: the threshold counts the ones after. */
    failuresAcknowledged: integer("failures_acknowledged").notNull().default(0),
    respectMaintenanceWindows: boolean("respect_maintenance_windows").notNull().default(true),
    /** Not before this time (customers are told ahead). */
    startsAt: timestamp("starts_at", { withTimezone: true }).notNull(),
    /** The workflow run that drives the waves (and later the one that rolls back). */
    runId: uuid("run_id"),
    targetCount: integer("target_count").notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("rollouts_service_idx").on(t.serviceId, t.createdAt)],
);

export const rolloutTargetStatuses = ["pending", "scheduled", "deferred", "in_progress", "done", "failed", "skipped", "rolling_back", "rolled_back"] as const;
export type RolloutTargetStatus = (typeof rolloutTargetStatuses)[number];

export const rolloutTargets = pgTable(
  "rollout_targets",
  {
    rolloutId: uuid("rollout_id").notNull().references(() => rollouts.id, { onDelete: "cascade" }),
    instanceId: uuid("instance_id").notNull().references(() => instances.id, { onDelete: "cascade" }),
    orgId: uuid("org_id").notNull().references(() => organizations.id, { onDelete: "cascade" }),
    wave: integer("wave").notNull(),
    /** Order inside the wave. */
    position: integer("position").notNull(),
    /** The version the instance ran before this rollout touched it (what a rollback restores). */
    fromVersionId: uuid("from_version_id").notNull().references(() => serviceVersions.id),
    status: text("status", { enum: rolloutTargetStatuses }).notNull().default("pending"),
    /** The instance's upgrade (or rollback) run. */
    runId: uuid("run_id"),
    /** Plain words: why it failed, was skipped, or waits. */
    detail: text("detail"),
    /** Next maintenance window, for a scheduled target. */
    scheduledFor: timestamp("scheduled_for", { withTimezone: true }),
    deferredBy: text("deferred_by"),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    /** Control-plane time of the upgrade run (queue waits and steps), for the benchmark and the page. */
    upgradeMs: integer("upgrade_ms"),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.rolloutId, t.instanceId] }), index("rollout_targets_instance_idx").on(t.instanceId), index("rollout_targets_status_idx").on(t.rolloutId, t.wave, t.status)],
);

/** A weekly window: these weekdays (0 = Sunday), from `start` (HH:MM, local time) for `durationMinutes`. */
export type MaintenanceWindow = { days: number[]; start: string; durationMinutes: number };

export const maintenanceWindows = pgTable("maintenance_windows", {
  orgId: uuid("org_id").primaryKey().references(() => organizations.id, { onDelete: "cascade" }),
  /** IANA time zone the windows are in, e.g. Europe/Berlin. */
  timezone: text("timezone").notNull(),
  windows: jsonb("windows").$type<MaintenanceWindow[]>().notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export const upgradeNotices = pgTable(
  "upgrade_notices",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    orgId: uuid("org_id").notNull().references(() => organizations.id, { onDelete: "cascade" }),
    rolloutId: uuid("rollout_id").notNull().references(() => rollouts.id, { onDelete: "cascade" }),
    title: text("title").notNull(),
    body: text("body").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    dismissedAt: timestamp("dismissed_at", { withTimezone: true }),
  },
  (t) => [index("upgrade_notices_org_idx").on(t.orgId, t.createdAt), uniqueIndex("upgrade_notices_rollout_org_key").on(t.rolloutId, t.orgId)],
);
