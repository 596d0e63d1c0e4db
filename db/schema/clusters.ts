// The fleet: registered clusters, their nodes' capacity as last synced, and capacity reserved by placements.
import { bigint, boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import type { CandidateReport, Resources } from "@/server/placement/types";

export const clusterStatuses = ["pending", "healthy", "degraded", "unreachable"] as const;
export type ClusterStatusValue = (typeof clusterStatuses)[number];

export const clusters = pgTable("clusters", {
  id: uuid("id").primaryKey().defaultRandom(),
  name: text("name").notNull().unique(),
  region: text("region").notNull(),
  zones: jsonb("zones").$type<string[]>().notNull().default([]),
  /** AES-256-GCM box (server/crypto/secret-box) bound to this row's id; never sent to a browser. */
  kubeconfigEncrypted: text("kubeconfig_encrypted").notNull(),
  /** API server URL, kept in clear for display. */
  serverUrl: text("server_url").notNull(),
  kubernetesVersion: text("kubernetes_version"),
  costPerNodeHourCents: integer("cost_per_node_hour_cents"),
  labels: jsonb("labels").$type<Record<string, string>>().notNull().default({}),
  status: text("status", { enum: clusterStatuses }).notNull().default("pending"),
  statusReason: text("status_reason"),
  cordoned: boolean("cordoned").notNull().default(false),
  lastSyncedAt: timestamp("last_synced_at", { withTimezone: true }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export type NodeTaint = { key: string; value?: string; effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute" };
export type NodeCondition = { type: string; status: string; reason?: string; message?: string };

export const clusterNodes = pgTable(
  "cluster_nodes",
  {
    clusterId: uuid("cluster_id").notNull().references(() => clusters.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    zone: text("zone").notNull().default(""),
    allocatableCpuMillis: integer("allocatable_cpu_millis").notNull(),
    allocatableMemoryMb: integer("allocatable_memory_mb").notNull(),
    allocatablePods: integer("allocatable_pods").notNull(),
    /** Requests of pods bound to the node that Fleetplane does not manage (its own are counted by reservations). */
    foreignCpuMillis: integer("foreign_cpu_millis").notNull().default(0),
    foreignMemoryMb: integer("foreign_memory_mb").notNull().default(0),
    foreignPods: integer("foreign_pods").notNull().default(0),
    /** Requests of Fleetplane-managed pods actually bound here, to reconcile reservations against. */
    managedCpuMillis: integer("managed_cpu_millis").notNull().default(0),
    managedMemoryMb: integer("managed_memory_mb").notNull().default(0),
    managedPods: integer("managed_pods").notNull().default(0),
    ready: boolean("ready").notNull(),
    unschedulable: boolean("unschedulable").notNull().default(false),
    conditions: jsonb("conditions").$type<NodeCondition[]>().notNull().default([]),
    taints: jsonb("taints").$type<NodeTaint[]>().notNull().default([]),
    labels: jsonb("labels").$type<Record<string, string>>().notNull().default({}),
    syncedAt: timestamp("synced_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.clusterId, t.name] })],
);

/**
 * Capacity held for a placement subject (an instance) on one node: one row per replica. Written in the
 * transaction that assigns the cluster, under the cluster's row lock, so concurrent placements never overcommit.
 */
export const reservations = pgTable(
  "reservations",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    subjectId: uuid("subject_id").notNull(),
    clusterId: uuid("cluster_id").notNull().references(() => clusters.id, { onDelete: "restrict" }),
    nodeName: text("node_name").notNull(),
    replica: integer("replica").notNull(),
    cpuMillis: integer("cpu_millis").notNull(),
    memoryMb: integer("memory_mb").notNull(),
    storageGb: integer("storage_gb").notNull().default(0),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("reservations_cluster_node_idx").on(t.clusterId, t.nodeName), uniqueIndex("reservations_subject_replica_key").on(t.subjectId, t.replica)],
);

/** The last placement decision per subject, with every candidate's score or rejection: "why this cluster" / "why pending". */
export const placementDecisions = pgTable("placement_decisions", {
  subjectId: uuid("subject_id").primaryKey(),
  decidedAt: timestamp("decided_at", { withTimezone: true }).notNull().defaultNow(),
  placed: boolean("placed").notNull(),
  clusterId: uuid("cluster_id").references(() => clusters.id, { onDelete: "set null" }),
  nodes: jsonb("nodes").$type<string[]>().notNull().default([]),
  reason: text("reason"),
  shortfall: jsonb("shortfall").$type<Resources>(),
  candidates: jsonb("candidates").$type<CandidateReport[]>().notNull().default([]),
  request: jsonb("request").$type<Record<string, unknown>>().notNull(),
});

/** Defragmentation proposals computed periodically; admins see the latest and what each move would free. */
export const rebalancingProposals = pgTable("rebalancing_proposals", {
  id: uuid("id").primaryKey().defaultRandom(),
  computedAt: timestamp("computed_at", { withTimezone: true }).notNull().defaultNow(),
  moves: jsonb("moves").$type<{ instanceId: string; fromClusterId: string; toClusterId: string; toNodes: string[]; frees: { node: string; cluster: string } }[]>().notNull(),
  freedNodes: jsonb("freed_nodes").$type<{ cluster: string; node: string }[]>().notNull(),
  emptiedClusters: jsonb("emptied_clusters").$type<string[]>().notNull(),
  skipped: jsonb("skipped").$type<{ cluster: string; node: string; reason: string }[]>().notNull(),
});
