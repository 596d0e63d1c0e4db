// The provider's catalog: services, their versions (image + manifest) and the plans customers subscribe to.
import { boolean, integer, jsonb, pgTable, text, timestamp, unique, uuid } from "drizzle-orm/pg-core";

export const services = pgTable("services", {
  id: uuid("id").primaryKey().defaultRandom(),
  slug: text("slug").notNull().unique(),
  name: text("name").notNull(),
  description: text("description").notNull().default(""),
  /** stateless services may fail over between clusters; stateful ones keep volumes. */
  kind: text("kind", { enum: ["stateless", "stateful"] }).notNull(),
  archived: boolean("archived").notNull().default(false),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export const serviceVersions = pgTable(
  "service_versions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    serviceId: uuid("service_id").notNull().references(() => services.id, { onDelete: "cascade" }),
    version: text("version").notNull(),
    image: text("image").notNull(),
    /** Kubernetes manifests with {{placeholders}}, rendered per instance. */
    manifestTemplate: text("manifest_template").notNull(),
    upgradeStrategy: text("upgrade_strategy", { enum: ["rolling", "recreate"] }).notNull().default("rolling"),
    releaseNotes: text("release_notes").notNull().default(""),
    /** Stateful services: take a VolumeSnapshot of every volume before the first pod is replaced. */
    snapshotBeforeUpgrade: boolean("snapshot_before_upgrade").notNull().default(false),
    /** Stateful services: how long each replaced pod must stay ready (no restarts) before the next one goes. */
    replicaGateSeconds: integer("replica_gate_seconds").notNull().default(0),
    /** A security patch every instance must get: customers may defer it only until `deadlineAt`. */
    mandatory: boolean("mandatory").notNull().default(false),
    deadlineAt: timestamp("deadline_at", { withTimezone: true }),
    /** The version new instances get. */
    isDefault: boolean("is_default").notNull().default(false),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique("service_versions_service_version_key").on(t.serviceId, t.version)],
);

export const plans = pgTable(
  "plans",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    serviceId: uuid("service_id").notNull().references(() => services.id, { onDelete: "cascade" }),
    slug: text("slug").notNull(),
    name: text("name").notNull(),
    cpuMillis: integer("cpu_millis").notNull(),
    memoryMb: integer("memory_mb").notNull(),
    storageGb: integer("storage_gb").notNull().default(0),
    replicas: integer("replicas").notNull().default(1),
    scaleToZero: boolean("scale_to_zero").notNull().default(false),
    idleTimeoutSeconds: integer("idle_timeout_seconds").notNull().default(900),
    free: boolean("free").notNull().default(false),
    priceMonthlyCents: integer("price_monthly_cents").notNull().default(0),
    stripePriceId: text("stripe_price_id"),
    stripeMeteredPriceId: text("stripe_metered_price_id"),
    active: boolean("active").notNull().default(true),
    features: jsonb("features").$type<string[]>().notNull().default([]),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique("plans_service_slug_key").on(t.serviceId, t.slug)],
);
