// Placement with reservations in PostgreSQL: choose with the pure engine on a recent view of the fleet, then
// confirm and reserve under the chosen nodes' row locks, so concurrent placements never overcommit a node.
import { and, eq, inArray, sql, type SQL } from "drizzle-orm";
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

/** Replaces the view's copy of some nodes with fresh numbers read under their locks. */
function refreshViewNodes(fresh: CandidateCluster): void {
  const cluster = view?.clusters.find((c) => c.id === fresh.id);
  if (!cluster) return;
  cluster.status = fresh.status;
  cluster.cordoned = fresh.cordoned;
  for (const node of fresh.nodes) {
    const i = cluster.nodes.findIndex((n) => n.name === node.name);
    if (i >= 0) cluster.nodes[i] = node;
  }
}

/** Forgets the cached fleet view (after registering or removing clusters, and in tests). */
export function invalidatePlacementView(): void {
  view = undefined;
}

async function existingPlacement(tx: DbOrTx, subjectId: string) {
  const rows = await tx.select().from(reservations).where(eq(reservations.subjectId, subjectId)).orderBy(reservations.replica);
  return rows.length ? { clusterId: rows[0]!.clusterId, nodes: rows.map((r) => r.nodeName) } : null;
}

function decisionUpsert(tx: DbOrTx, subjectId: string, request: PlacementRequest, d: Omit<typeof placementDecisions.$inferInsert, "subjectId" | "request">) {
  const values = { ...d, subjectId, request: request as unknown as Record<string, unknown>, decidedAt: new Date() };
  return tx.insert(placementDecisions).values(values).onConflictDoUpdate({ target: placementDecisions.subjectId, set: values });
}

async function recordDecision(tx: DbOrTx, subjectId: string, request: PlacementRequest, d: Omit<typeof placementDecisions.$inferInsert, "subjectId" | "request">) {
  await decisionUpsert(tx, subjectId, request, d);
}

/**
 * Locks nodes of a cluster for a reservation; returns the names it holds. A placement reserves on a node only while
 * it holds that node's row lock, and reads the node's usage after taking it, so it sees every reservation of
 * earlier holders. With `skipLocked` it takes what is free now instead of waiting (the caller picks other nodes).
 */
async function lockNodes(tx: Tx, clusterId: string, names: readonly string[], skipLocked: boolean): Promise<string[]> {
  // Sorted, so placements that wait for several nodes always queue in the same order (no deadlock).
  const sorted = [...new Set(names)].sort();
  const { rows } = await tx.execute<{ name: string }>(
    sql`select name from cluster_nodes where cluster_id = ${clusterId} and name in ${sql`(${sql.join(sorted.map((n) => sql`${n}`), sql`, `)})`} order by name for update ${skipLocked ? sql`skip locked` : sql``}`,
  );
  return rows.map((r) => r.name);
}

type FreshNodeRow = {
  cluster_name: string;
  region: string;
  status: string;
  cordoned: boolean;
  name: string;
  zone: string;
  allocatable_cpu_millis: number;
  allocatable_memory_mb: number;
  allocatable_pods: number;
  cpu: number;
  mem: number;
  pods: number;
  ready: boolean;
  labels: Record<string, string>;
  taints: CandidateCluster["nodes"][number]["taints"];
};

/** The cluster with only the given nodes, their usage read now (foreign pods + reservations), in one query. */
async function freshNodes(tx: Tx, clusterId: string, names: readonly string[]): Promise<CandidateCluster | undefined> {
  const { rows } = await tx.execute<FreshNodeRow>(sql`
    select c.name as cluster_name, c.region, c.status, c.cordoned, n.name, n.zone, n.allocatable_cpu_millis, n.allocatable_memory_mb, n.allocatable_pods,
      n.foreign_cpu_millis + coalesce(r.cpu, 0) as cpu, n.foreign_memory_mb + coalesce(r.mem, 0) as mem, n.foreign_pods + coalesce(r.pods, 0) as pods,
      n.ready and not n.unschedulable as ready, n.labels, n.taints
    from clusters c
    join cluster_nodes n on n.cluster_id = c.id
    left join lateral (
      select sum(cpu_millis)::int as cpu, sum(memory_mb)::int as mem, count(*)::int as pods from reservations
      where cluster_id = n.cluster_id and node_name = n.name
    ) r on true
    where c.id = ${clusterId} and n.name in ${sql`(${sql.join(names.map((n) => sql`${n}`), sql`, `)})`}`);
  const first = rows[0];
  if (!first) return undefined;
  return {
    id: clusterId,
    name: first.cluster_name,
    region: first.region,
    status: first.status === "pending" ? "degraded" : (first.status as CandidateCluster["status"]),
    cordoned: first.cordoned,
    nodes: rows.map((n) => ({
      name: n.name,
      zone: n.zone,
      allocatable: { cpuMillis: n.allocatable_cpu_millis, memoryMb: n.allocatable_memory_mb, pods: n.allocatable_pods },
      used: { cpuMillis: n.cpu, memoryMb: n.mem, pods: n.pods },
      ready: n.ready,
      labels: n.labels,
      taints: n.taints,
    })),
  };
}

/** The fleet as if the nodes other placements hold right now were not there. */
function withoutBusy(fleet: readonly CandidateCluster[], busy: ReadonlySet<string>): CandidateCluster[] {
  return fleet.map((c) => (c.nodes.some((n) => busy.has(`${c.id}/${n.name}`)) ? { ...c, nodes: c.nodes.map((n) => (busy.has(`${c.id}/${n.name}`) ? { ...n, ready: false } : n)) } : c));
}

const MAX_ATTEMPTS = 8;

/**
 * Places a subject (an instance) and reserves one row per replica, idempotently: a subject that already holds
 * reservations gets them back unchanged. Runs inside `outer` when given (so the caller's own writes commit
 * with the reservation), else in its own transaction. Records the decision with every candidate's report.
 *
 * Concurrency: the chosen nodes' rows are locked, their usage (and the cluster's status) read again and the fit
 * confirmed before reserving, so no node is ever overcommitted. A single-replica placement skips nodes another
 * placement (or a capacity sync) holds and takes the next best one, so concurrent creates do not queue behind one
 * another on the fullest node; it waits only when every fitting node is held. A cordon that commits while a
 * placement is between its read and its commit does not stop that placement (as for any placement in flight).
 */
export async function placeAndReserve(
  db: Db,
  subjectId: string,
  request: PlacementRequest,
  outer?: Tx,
  opts: {
    excludeClusterIds?: readonly string[];
    /** The subject was created in `outer` just now, so it holds nothing and nobody else can place it yet. */
    newSubject?: boolean;
    /** The subject's placement as the caller read it just now (null: none), sparing the read. */
    existing?: { clusterId: string; nodes: string[] } | null;
    /** A write of the caller's to make with the reservation, in the same statement (e.g. the subject's cluster). */
    alsoWhenPlaced?: (tx: Tx, clusterId: string) => { getSQL(): SQL };
  } = {},
): Promise<ReservedPlacement> {
  if (!outer) {
    // Most calls find the subject placed already (a retried job, or a create that reserved): one read, no lock.
    const existing = opts.existing !== undefined ? opts.existing : await existingPlacement(db, subjectId);
    if (existing) return { placed: true, ...existing, candidates: [], alreadyPlaced: true };
  }
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    // Inside the caller's transaction, read through it: taking a second pooled connection while holding one
    // deadlocks once every connection is held by such a transaction.
    const source = outer ?? db;
    const all = attempt === 1 ? await recentView(source) : await loadCandidates(source);
    const fleet = opts.excludeClusterIds?.length ? all.filter((c) => !opts.excludeClusterIds!.includes(c.id)) : all;
    const result = await runIn(db, outer, async (tx) => {
      if (!(outer && opts.newSubject)) {
        // One placement per subject at a time; the check below makes a retried job a no-op.
        await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${subjectId}))`);
        const existing = await existingPlacement(tx, subjectId);
        if (existing) return { placed: true as const, ...existing, candidates: [], alreadyPlaced: true };
      }
      const busy = new Set<string>();
      let sharedCluster: string | undefined;
      for (;;) {
        let decision = placeInstance(request, busy.size ? withoutBusy(fleet, busy) : fleet);
        // Every node that fits is held by another placement: wait for the best one rather than report no room.
        const wait = !decision.ok && busy.size > 0;
        if (wait) decision = placeInstance(request, fleet);
        if (!decision.ok) {
          await recordDecision(tx, subjectId, request, { placed: false, reason: decision.reason, shortfall: decision.shortfall, candidates: decision.candidates, nodes: [] });
          return { placed: false as const, reason: decision.reason, shortfall: decision.shortfall, candidates: decision.candidates };
        }
        const wanted = [...new Set(decision.nodes)];
        // Waiting for several nodes while holding some: first the cluster's row, shared, so a capacity sync (which
        // rewrites every node of the cluster under that row's lock) cannot hold one of them and wait for another.
        // One node is never waited for while holding another, so it needs no cluster lock and never queues
        // behind a sync of its cluster: it goes to a node no one holds, on any cluster.
        if (wanted.length > 1 && sharedCluster !== decision.clusterId) {
          await tx.select({ id: clusters.id }).from(clusters).where(eq(clusters.id, decision.clusterId)).for("share");
          sharedCluster = decision.clusterId;
        }
        // Several nodes are waited for in one sorted order; skipping is only for one node (nothing held meanwhile).
        const held = await lockNodes(tx, decision.clusterId, wanted, !wait && wanted.length === 1);
        if (held.length < wanted.length) {
          for (const name of wanted) if (!held.includes(name)) busy.add(`${decision.clusterId}/${name}`);
          continue;
        }
        const fresh = await freshNodes(tx, decision.clusterId, wanted);
        if (fresh) refreshViewNodes(fresh);
        const confirm = fresh ? placeInstance(request, [fresh], { explain: false }) : undefined;
        if (!confirm?.ok) return null;
        const reserve = tx.insert(reservations).values(
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
        const also = opts.alsoWhenPlaced?.(tx, confirm.clusterId);
        // The reservation, the decision (and the caller's own write) in one statement.
        await tx.execute(
          sql`with reserved as (${reserve.getSQL()})${also ? sql`, also as (${also.getSQL()})` : sql``} ${decisionUpsert(tx, subjectId, request, { placed: true, clusterId: confirm.clusterId, nodes: confirm.nodes, candidates, reason: null, shortfall: null }).getSQL()}`,
        );
        return { placed: true as const, clusterId: confirm.clusterId, nodes: confirm.nodes, candidates, alreadyPlaced: false };
      }
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
    const i = cluster.nodes.findIndex((n) => n.name === name);
    const node = cluster.nodes[i];
    if (!node) continue;
    // A new object: the fresh nodes read under lock may be shared with a returned decision.
    cluster.nodes[i] = { ...node, used: { cpuMillis: node.used.cpuMillis + request.cpuMillis, memoryMb: node.used.memoryMb + request.memoryMb, pods: node.used.pods + 1 } };
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
