// Instances: what customers run. Desired state (what they asked for) and observed state (what workers saw) are
// explicit; workflows converge one to the other.
import { sql } from "drizzle-orm";
import { boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { clusters } from "./clusters";
import { organizations } from "./identity";
import { plans, services, serviceVersions } from "./catalog";

export const desiredStates = ["running", "stopped", "deleted"] as const;
export type DesiredState = (typeof desiredStates)[number];

export const observedStates = ["pending", "provisioning", "running", "updating", "stopping", "stopped", "sleeping", "failed", "deleting", "deleted"] as const;
export type ObservedState = (typeof observedStates)[number];

export const instances = pgTable(
  "instances",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    orgId: uuid("org_id").notNull().references(() => organizations.id, { onDelete: "restrict" }),
    serviceId: uuid("service_id").notNull().references(() => services.id),
    planId: uuid("plan_id").notNull().references(() => plans.id),
    versionId: uuid("version_id").notNull().references(() => serviceVersions.id),
    name: text("name").notNull(),
    /** Region asked for; null lets placement choose any. */
    region: text("region"),
    clusterId: uuid("cluster_id").references(() => clusters.id, { onDelete: "restrict" }),
    namespace: text("namespace").notNull(),
    desiredState: text("desired_state", { enum: desiredStates }).notNull().default("running"),
    desiredReplicas: integer("desired_replicas").notNull(),
    observedState: text("observed_state", { enum: observedStates }).notNull().default("pending"),
    observedReplicas: integer("observed_replicas").notNull().default(0),
    /** Plain words about the observed state (why it failed, what it waits for). */
    statusMessage: text("status_message"),
    endpointHost: text("endpoint_host"),
    endpointPort: integer("endpoint_port"),
    parameters: jsonb("parameters").$type<Record<string, string>>().notNull().default({}),
    /** When the credentials were shown; they are shown once. */
    credentialsRevealedAt: timestamp("credentials_revealed_at", { withTimezone: true }),
    lastActivityAt: timestamp("last_activity_at", { withTimezone: true }),
    /** Idle time before sleeping (scale-to-zero plans), overriding the plan's default; at least 60 s. */
    idleTimeoutSeconds: integer("idle_timeout_seconds"),
    /** Kept awake: never put to sleep when idle. */
    pinnedAwake: boolean("pinned_awake").notNull().default(false),
    /** Stopped because the organization was suspended for non-payment; started again when it pays. */
    stoppedForBilling: boolean("stopped_for_billing").notNull().default(false),
    createdBy: text("created_by").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    deletedAt: timestamp("deleted_at", { withTimezone: true }),
  },
  (t) => [
    // Names are unique per organization among instances that still exist.
    uniqueIndex("instances_org_name_key").on(t.orgId, t.name).where(sql`${t.deletedAt} is null`),
    index("instances_org_idx").on(t.orgId, t.createdAt),
    index("instances_cluster_idx").on(t.clusterId),
  ],
);
