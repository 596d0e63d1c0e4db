// Placement with reservations in PostgreSQL: choose with the pure engine on a recent view of the fleet, then
// confirm and reserve under the chosen cluster's row lock, so concurrent placements never overcommit a node.
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Db, DbOrTx, Tx } from "@/db/client";
import { clusterNodes, clusters, placementDecisions, reservations } from "@/db/schema";
import { log } from "@/server/log";
import { placeInstance } from "./place-instance";
import type { CandidateCluster, CandidateReport, PlacementRequest, Resources } from "./types";

export type ReservedPlacement =
  | { placed: true; clusterId: string; nodes: string[]; candidates: CandidateReport[]; alreadyPlaced: boolean }
  | { placed: false; reason: string; shortfall: Resources; candidates: CandidateReport[] };

/** Reads candidate clusters (all, or some) with per-node usage = foreign pod requests + our reservations. */
export async function loadCandidates(db: DbOrTx, clusterIds?: readonly string[]): Promise<CandidateCluster[]> {
  const clusterRows = await db
    .select({ id: clusters.id, name: clusters.name, region: clusters.region, status: clusters.status, cordoned: clusters.cordoned })
    .from(clusters)
    .where(clusterIds ? inArray(clusters.id, [...clusterIds]) : undefined);
  if (clusterRows.length === 0) return [];
  const ids = clusterRows.map((c) => c.id);
  const [nodeRows, reservedRows] = await Promise.all([
    db.select().from(clusterNodes).where(inArray(clusterNodes.clusterId, ids)),
    db
      .select({
        clusterId: reservations.clusterId,
        nodeName: reservations.nodeName,
        cpu: sql<number>`sum(${reservations.cpuMillis})::int`,
        mem: sql<number>`sum(${reservations.memoryMb})::int`,
        pods: sql<number>`count(*)::int`,
      })
      .from(reservations)
      .where(inArray(reservations.clusterId, ids))
      .groupBy(reservations.clusterId, reservations.nodeName),
  ]);
  const reserved = new Map(reservedRows.map((r) => [`${r.clusterId}/${r.nodeName}`, r]));
  const byCluster = new Map<string, CandidateCluster>(
    clusterRows.map((c) => [c.id, { id: c.id, name: c.name, region: c.region, status: c.status === "pending" ? "degraded" : c.status, cordoned: c.cordoned, nodes: [] }]),
  );
  for (const n of nodeRows) {
    const r = reserved.get(`${n.clusterId}/${n.name}`);
    byCluster.get(n.clusterId)?.nodes.push({
      name: n.name,
      zone: n.zone,
      allocatable: { cpuMillis: n.allocatableCpuMillis, memoryMb: n.allocatableMemoryMb, pods: n.allocatablePods },
      used: { cpuMillis: n.foreignCpuMillis + (r?.cpu ?? 0), memoryMb: n.foreignMemoryMb + (r?.mem ?? 0), pods: n.foreignPods + (r?.pods ?? 0) },
      // A cordoned node (spec.unschedulable) takes no new pods, exactly as if it were not Ready.
      ready: n.ready && !n.unschedulable,
      labels: n.labels,
      taints: n.taints,
    });
  }
  return [...byCluster.values()];
}

/** A per-process view of the fleet, reused for a short while: choosing on a slightly stale view is safe
 * because the choice is re-checked under lock before anything is reserved. */
const VIEW_TTL_MS = 1_000;
let view: { at: number; clusters: CandidateCluster[] } | undefined;

async function recentView(db: DbOrTx): Promise<CandidateCluster[]> {
  if (!view || Date.now() - view.at > VIEW_TTL_MS) view = { at: Date.now(), clusters: await loadCandidates(db) };
  return view.clusters;
}

function refreshViewCluster(cluster: CandidateCluster | undefined, id: string): void {
  if (!view) return;
  const i = view.clusters.findIndex((c) => c.id === id);
  if (cluster && i >= 0) view.clusters[i] = cluster;
}

/** Forgets the cached fleet view (after registering or removing clusters, and in tests). */
export function invalidatePlacementView(): void {
  view = undefined;
}

async function existingPlacement(tx: DbOrTx, subjectId: string) {
  const rows = await tx.select().from(reservations).where(eq(reservations.subjectId, subjectId)).orderBy(reservations.replica);
  return rows.length ? { clusterId: rows[0]!.clusterId, nodes: rows.map((r) => r.nodeName) } : null;
}

async function recordDecision(tx: DbOrTx, subjectId: string, request: PlacementRequest, d: Omit<typeof placementDecisions.$inferInsert, "subjectId" | "request">) {
  const values = { ...d, subjectId, request: request as unknown as Record<string, unknown>, decidedAt: new Date() };
  await tx.insert(placementDecisions).values(values).onConflictDoUpdate({ target: placementDecisions.subjectId, set: values });
}

const MAX_ATTEMPTS = 8;

/**
 * Places a subject (an instance) and reserves one row per replica, idempotently: a subject that already holds
 * reservations gets them back unchanged. Runs inside `outer` when given (so the caller's own writes commit
 * with the reservation), else in its own transaction. Records the decision with every candidate's report.
 */
export async function placeAndReserve(
  db: Db,
  subjectId: string,
  request: PlacementRequest,
  outer?: Tx,
  opts: { excludeClusterIds?: readonly string[] } = {},
): Promise<ReservedPlacement> {
  if (!outer) {
    // Most calls find the subject placed already (a retried job, or a create that reserved): one read, no lock.
    const existing = await existingPlacement(db, subjectId);
    if (existing) return { placed: true, ...existing, candidates: [], alreadyPlaced: true };
  }
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    // Inside the caller's transaction, read through it: taking a second pooled connection while holding one
    // deadlocks once every connection is held by such a transaction.
    const source = outer ?? db;
    const all = attempt === 1 ? await recentView(source) : await loadCandidates(source);
    const fleet = opts.excludeClusterIds?.length ? all.filter((c) => !opts.excludeClusterIds!.includes(c.id)) : all;
    const decision = placeInstance(request, fleet);
    const result = await runIn(db, outer, async (tx) => {
      // One placement per subject at a time; the check below makes a retried job a no-op.
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${subjectId}))`);
      const existing = await existingPlacement(tx, subjectId);
      if (existing) return { placed: true as const, ...existing, candidates: [], alreadyPlaced: true };
      if (!decision.ok) {
        await recordDecision(tx, subjectId, request, { placed: false, reason: decision.reason, shortfall: decision.shortfall, candidates: decision.candidates, nodes: [] });
        return { placed: false as const, reason: decision.reason, shortfall: decision.shortfall, candidates: decision.candidates };
      }
      // Lock the chosen cluster, then re-check the fit on fresh numbers: only this transaction can reserve there now.
      await tx.select({ id: clusters.id }).from(clusters).where(eq(clusters.id, decision.clusterId)).for("update");
      const [fresh] = await loadCandidates(tx, [decision.clusterId]);
      refreshViewCluster(fresh, decision.clusterId);
      const confirm = fresh ? placeInstance(request, [fresh], { explain: false }) : undefined;
      if (!confirm?.ok) return null;
      await tx.insert(reservations).values(
        confirm.nodes.map((nodeName, replica) => ({
          subjectId,
          clusterId: confirm.clusterId,
          nodeName,
          replica,
          cpuMillis: request.cpuMillis,
          memoryMb: request.memoryMb,
          storageGb: replica === 0 ? request.storageGb : 0,
        })),
      );
      const candidates = decision.candidates.map((c) => (c.clusterId === confirm.clusterId ? { ...c, verdict: "chosen" as const } : c.verdict === "chosen" ? { ...c, verdict: "eligible" as const } : c));
      await recordDecision(tx, subjectId, request, { placed: true, clusterId: confirm.clusterId, nodes: confirm.nodes, candidates, reason: null, shortfall: null });
      return { placed: true as const, clusterId: confirm.clusterId, nodes: confirm.nodes, candidates, alreadyPlaced: false };
    });
    if (result) {
      if (result.placed && !result.alreadyPlaced) applyToView(result.clusterId, result.nodes, request);
      return result;
    }
    log.debug("placement", "lost a race for capacity, choosing again", { subjectId, attempt });
    view = undefined;
  }
  throw new Error(`placement of ${subjectId} kept losing races for capacity after ${MAX_ATTEMPTS} attempts`);
}

function applyToView(clusterId: string, nodes: readonly string[], request: PlacementRequest): void {
  const cluster = view?.clusters.find((c) => c.id === clusterId);
  if (!cluster) return;
  for (const name of nodes) {
    const node = cluster.nodes.find((n) => n.name === name);
    if (!node) continue;
    node.used = { cpuMillis: node.used.cpuMillis + request.cpuMillis, memoryMb: node.used.memoryMb + request.memoryMb, pods: node.used.pods + 1 };
  }
}

async function runIn<T>(db: Db, outer: Tx | undefined, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return outer ? fn(outer) : db.transaction(fn);
}

/** Releases every reservation of a subject (instance deleted or moved away). Returns how many rows went. */
export async function releaseReservations(tx: DbOrTx, subjectId: string, clusterId?: string): Promise<number> {
  const rows = await tx
    .delete(reservations)
    .where(clusterId ? and(eq(reservations.subjectId, subjectId), eq(reservations.clusterId, clusterId)) : eq(reservations.subjectId, subjectId))
    .returning({ id: reservations.id });
  view = undefined;
  return rows.length;
}

/** The last decision for a subject: "why this cluster" or "why pending". */
export async function getPlacementDecision(db: DbOrTx, subjectId: string) {
  const [row] = await db.select().from(placementDecisions).where(eq(placementDecisions.subjectId, subjectId));
  return row ?? null;
}
