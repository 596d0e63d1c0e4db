// The cluster registry: platform admins add, cordon, uncordon and remove clusters; kubeconfigs stay encrypted.
import { randomUUID } from "node:crypto";
import { asc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db, DbOrTx } from "@/db/client";
import { clusterNodes, clusters, reservations } from "@/db/schema";
import { recordAudit } from "@/server/audit/record-audit";
import type { ActorContext } from "@/server/auth/actor";
import { encryptSecret } from "@/server/crypto/secret-box";
import { kubeconfigAad } from "./cluster-credentials";
import { getKeyring } from "@/server/crypto/keyring";
import { DomainError, isUniqueViolation } from "@/server/errors/domain-error";
import { probeCluster } from "./probe-cluster";
import { writeNodeSnapshots } from "./capacity-sync";

const labelKey = z.string().regex(/^[a-z0-9A-Z._/-]{1,100}$/, "label keys use letters, digits, . _ / -");

export const registerClusterInput = z.object({
  name: z.string().trim().toLowerCase().regex(/^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/, "use lowercase letters, digits and dashes (max 40)"),
  region: z.string().trim().regex(/^[a-z0-9-]{2,40}$/, "use lowercase letters, digits and dashes, e.g. eu-west-1"),
  zones: z.array(z.string().trim().min(1).max(60)).max(20).optional(),
  kubeconfig: z.string().min(20, "paste a kubeconfig").max(256_000, "is too large (max 256 KB)"),
  costPerNodeHourCents: z.number().int().min(0).max(1_000_000).optional(),
  labels: z.record(labelKey, z.string().max(200)).default({}),
});

/**
 * Registers a cluster after connecting to it (version and nodes); nothing is saved when that fails.
 * Zones default to those its nodes report.
 */
export async function registerCluster(db: Db, ctx: ActorContext, input: z.infer<typeof registerClusterInput>) {
  const probe = await probeCluster(input.kubeconfig);
  const id = randomUUID();
  const zones = input.zones?.length ? input.zones : [...new Set(probe.nodes.map((n) => n.zone).filter(Boolean))].sort();
  try {
    return await db.transaction(async (tx) => {
      const [row] = await tx
        .insert(clusters)
        .values({
          id,
          name: input.name,
          region: input.region,
          zones,
          kubeconfigEncrypted: encryptSecret(input.kubeconfig, getKeyring(), kubeconfigAad(id)),
          serverUrl: probe.serverUrl,
          kubernetesVersion: probe.version,
          costPerNodeHourCents: input.costPerNodeHourCents ?? null,
          labels: input.labels,
          status: probe.nodes.some((n) => n.ready) ? "healthy" : "degraded",
          statusReason: probe.nodes.some((n) => n.ready) ? null : "no node is Ready",
          lastSyncedAt: new Date(),
        })
        .returning({ id: clusters.id, name: clusters.name });
      await writeNodeSnapshots(tx, id, probe.nodes, new Map());
      await recordAudit(tx, ctx, { orgId: null, action: "clusters.register", targetType: "cluster", targetId: id, details: { name: input.name, region: input.region, nodes: probe.nodes.length } });
      return { ...row!, nodes: probe.nodes.length, version: probe.version };
    });
  } catch (err) {
    if (isUniqueViolation(err, "clusters_name_unique")) throw new DomainError("CONFLICT", `A cluster named "${input.name}" already exists`, { field: "name" });
    throw err;
  }
}

export async function setCordoned(db: Db, ctx: ActorContext, clusterId: string, cordoned: boolean) {
  await db.transaction(async (tx) => {
    const [row] = await tx.update(clusters).set({ cordoned }).where(eq(clusters.id, clusterId)).returning({ name: clusters.name });
    if (!row) throw new DomainError("NOT_FOUND", "Cluster not found");
    await recordAudit(tx, ctx, { orgId: null, action: cordoned ? "clusters.cordon" : "clusters.uncordon", targetType: "cluster", targetId: clusterId, details: { name: row.name } });
  });
}

/** Removes a cluster that holds no reservation (nothing placed on it); its kubeconfig goes with it. */
export async function removeCluster(db: Db, ctx: ActorContext, clusterId: string) {
  await db.transaction(async (tx) => {
    const [row] = await tx.select({ name: clusters.name }).from(clusters).where(eq(clusters.id, clusterId)).for("update");
    if (!row) throw new DomainError("NOT_FOUND", "Cluster not found");
    const [held] = await tx.select({ n: sql<number>`count(distinct ${reservations.subjectId})::int` }).from(reservations).where(eq(reservations.clusterId, clusterId));
    if ((held?.n ?? 0) > 0) {
      throw new DomainError("PRECONDITION_FAILED", `The cluster still hosts ${held!.n} instance(s); move or delete them first`);
    }
    await tx.delete(clusters).where(eq(clusters.id, clusterId));
    await recordAudit(tx, ctx, { orgId: null, action: "clusters.remove", targetType: "cluster", targetId: clusterId, details: { name: row.name } });
  });
}

/** Every cluster with its totals per dimension (allocatable, used by others, reserved by us). Kubeconfigs are never selected. */
export async function listClusters(db: DbOrTx) {
  const nodeTotals = db
    .select({
      clusterId: clusterNodes.clusterId,
      nodes: sql<number>`count(*)::int`.as("nodes"),
      readyNodes: sql<number>`count(*) filter (where ${clusterNodes.ready})::int`.as("ready_nodes"),
      cpuAllocatable: sql<number>`coalesce(sum(${clusterNodes.allocatableCpuMillis}), 0)::int`.as("cpu_allocatable"),
      memoryAllocatable: sql<number>`coalesce(sum(${clusterNodes.allocatableMemoryMb}), 0)::int`.as("memory_allocatable"),
      podsAllocatable: sql<number>`coalesce(sum(${clusterNodes.allocatablePods}), 0)::int`.as("pods_allocatable"),
      cpuForeign: sql<number>`coalesce(sum(${clusterNodes.foreignCpuMillis}), 0)::int`.as("cpu_foreign"),
      memoryForeign: sql<number>`coalesce(sum(${clusterNodes.foreignMemoryMb}), 0)::int`.as("memory_foreign"),
      podsForeign: sql<number>`coalesce(sum(${clusterNodes.foreignPods}), 0)::int`.as("pods_foreign"),
    })
    .from(clusterNodes)
    .groupBy(clusterNodes.clusterId)
    .as("node_totals");
  const reserved = db
    .select({
      clusterId: reservations.clusterId,
      cpuReserved: sql<number>`coalesce(sum(${reservations.cpuMillis}), 0)::int`.as("cpu_reserved"),
      memoryReserved: sql<number>`coalesce(sum(${reservations.memoryMb}), 0)::int`.as("memory_reserved"),
      podsReserved: sql<number>`count(*)::int`.as("pods_reserved"),
      instances: sql<number>`count(distinct ${reservations.subjectId})::int`.as("instances"),
    })
    .from(reservations)
    .groupBy(reservations.clusterId)
    .as("reserved");
  const rows = await db
    .select({
      id: clusters.id,
      name: clusters.name,
      region: clusters.region,
      zones: clusters.zones,
      serverUrl: clusters.serverUrl,
      kubernetesVersion: clusters.kubernetesVersion,
      costPerNodeHourCents: clusters.costPerNodeHourCents,
      labels: clusters.labels,
      status: clusters.status,
      statusReason: clusters.statusReason,
      cordoned: clusters.cordoned,
      lastSyncedAt: clusters.lastSyncedAt,
      createdAt: clusters.createdAt,
      nodes: sql<number>`coalesce(${nodeTotals.nodes}, 0)`,
      readyNodes: sql<number>`coalesce(${nodeTotals.readyNodes}, 0)`,
      cpuAllocatable: sql<number>`coalesce(${nodeTotals.cpuAllocatable}, 0)`,
      memoryAllocatable: sql<number>`coalesce(${nodeTotals.memoryAllocatable}, 0)`,
      podsAllocatable: sql<number>`coalesce(${nodeTotals.podsAllocatable}, 0)`,
      cpuForeign: sql<number>`coalesce(${nodeTotals.cpuForeign}, 0)`,
      memoryForeign: sql<number>`coalesce(${nodeTotals.memoryForeign}, 0)`,
      podsForeign: sql<number>`coalesce(${nodeTotals.podsForeign}, 0)`,
      cpuReserved: sql<number>`coalesce(${reserved.cpuReserved}, 0)`,
      memoryReserved: sql<number>`coalesce(${reserved.memoryReserved}, 0)`,
      podsReserved: sql<number>`coalesce(${reserved.podsReserved}, 0)`,
      instances: sql<number>`coalesce(${reserved.instances}, 0)`,
    })
    .from(clusters)
    .leftJoin(nodeTotals, eq(nodeTotals.clusterId, clusters.id))
    .leftJoin(reserved, eq(reserved.clusterId, clusters.id))
    .orderBy(asc(clusters.region), asc(clusters.name));
  return rows;
}

/** One cluster with its nodes, each with its reservations per subject. */
export async function getClusterDetail(db: DbOrTx, clusterId: string) {
  const all = await listClusters(db);
  const cluster = all.find((c) => c.id === clusterId);
  if (!cluster) throw new DomainError("NOT_FOUND", "Cluster not found");
  const nodes = await db.select().from(clusterNodes).where(eq(clusterNodes.clusterId, clusterId)).orderBy(asc(clusterNodes.name));
  const held = await db.select().from(reservations).where(eq(reservations.clusterId, clusterId));
  return {
    cluster,
    nodes: nodes.map((n) => {
      const mine = held.filter((r) => r.nodeName === n.name);
      return {
        ...n,
        reservedCpuMillis: mine.reduce((s, r) => s + r.cpuMillis, 0),
        reservedMemoryMb: mine.reduce((s, r) => s + r.memoryMb, 0),
        reservedPods: mine.length,
        subjects: [...new Set(mine.map((r) => r.subjectId))],
      };
    }),
  };
}
