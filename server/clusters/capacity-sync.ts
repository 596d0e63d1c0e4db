// Capacity sync: reads a cluster's nodes and pods and stores, per node, allocatable capacity, health and the
// requests of pods bound to it (split into foreign load and Fleetplane-managed pods), plus the cluster status.
import type { V1Namespace, V1Node, V1Pod } from "@kubernetes/client-node";
import { and, eq, notInArray, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import { clusterNodes, clusters, reservations, type ClusterStatusValue } from "@/db/schema";
import { createKubeClients } from "@/server/k8s/kube-client";
import { monitorClusterHealth } from "@/server/health/monitor";
import { describeKubeError } from "@/server/k8s/describe-kube-error";
import { log } from "@/server/log";
import { getRedis, redisKey } from "@/server/redis/client";
import { INSTANCE_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE, podHoldsCapacity, podRequests, snapshotNode, type NodeLoad, type NodeSnapshot } from "./node-snapshot";
import { loadKubeconfig } from "./cluster-credentials";

export type NodeLoads = Map<string, { foreign: NodeLoad; managed: NodeLoad }>;

/** Sums pod requests per node, split by whether the pod's namespace is managed by Fleetplane. */
export function computeNodeLoads(pods: Iterable<V1Pod>, managedNamespaces: ReadonlySet<string>): NodeLoads {
  const loads: NodeLoads = new Map();
  for (const pod of pods) {
    if (!podHoldsCapacity(pod)) continue;
    const node = pod.spec!.nodeName!;
    let entry = loads.get(node);
    if (!entry) {
      entry = { foreign: { cpuMillis: 0, memoryMb: 0, pods: 0 }, managed: { cpuMillis: 0, memoryMb: 0, pods: 0 } };
      loads.set(node, entry);
    }
    const bucket = managedNamespaces.has(pod.metadata?.namespace ?? "") ? entry.managed : entry.foreign;
    const r = podRequests(pod);
    bucket.cpuMillis += r.cpuMillis;
    bucket.memoryMb += r.memoryMb;
    bucket.pods += 1;
  }
  return loads;
}

export function managedNamespaceNames(namespaces: Iterable<V1Namespace>): Set<string> {
  const names = new Set<string>();
  for (const ns of namespaces) if (ns.metadata?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE) names.add(ns.metadata.name!);
  return names;
}

/** For each instance (by its namespace label), the nodes its running pods are bound to, sorted. */
export function observedInstanceNodes(pods: Iterable<V1Pod>, namespaces: Iterable<V1Namespace>): Map<string, string[]> {
  const instanceOf = new Map<string, string>();
  for (const ns of namespaces) {
    const id = ns.metadata?.labels?.[INSTANCE_LABEL];
    if (id && ns.metadata?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE) instanceOf.set(ns.metadata.name!, id);
  }
  const observed = new Map<string, string[]>();
  for (const pod of pods) {
    if (!podHoldsCapacity(pod) || pod.metadata?.deletionTimestamp) continue;
    const id = instanceOf.get(pod.metadata?.namespace ?? "");
    if (!id) continue;
    const list = observed.get(id) ?? [];
    list.push(pod.spec!.nodeName!);
    observed.set(id, list);
  }
  for (const list of observed.values()) list.sort();
  return observed;
}

/**
 * Moves reservations to the nodes where the instance's pods actually run (the cluster's scheduler has the last
 * word), so per-node free capacity stays true. Instances without running pods keep their reservations (starting,
 * or asleep and entitled to wake). Returns the drifts it fixed, which are also logged.
 */
export async function reconcileReservations(tx: DbOrTx, clusterId: string, observed: ReadonlyMap<string, string[]>) {
  const held = await tx
    .select({ id: reservations.id, subjectId: reservations.subjectId, nodeName: reservations.nodeName, replica: reservations.replica })
    .from(reservations)
    .where(eq(reservations.clusterId, clusterId))
    .orderBy(reservations.subjectId, reservations.replica);
  const bySubject = new Map<string, typeof held>();
  for (const r of held) bySubject.set(r.subjectId, [...(bySubject.get(r.subjectId) ?? []), r]);
  const drifts: { subjectId: string; reserved: string[]; running: string[] }[] = [];
  for (const [subjectId, rows] of bySubject) {
    const running = observed.get(subjectId);
    if (!running || running.length === 0) continue;
    const reserved = rows.map((r) => r.nodeName).sort();
    if (reserved.join("\u0000") === running.join("\u0000")) continue;
    drifts.push({ subjectId, reserved, running });
    // Keep rows that already match a running pod; move the others to the unmatched running nodes.
    const unmatched = [...running];
    const toMove: typeof rows = [];
    for (const r of rows) {
      const i = unmatched.indexOf(r.nodeName);
      if (i >= 0) unmatched.splice(i, 1);
      else toMove.push(r);
    }
    for (const r of toMove) {
      const node = unmatched.shift();
      if (node) await tx.update(reservations).set({ nodeName: node }).where(eq(reservations.id, r.id));
    }
  }
  // The cluster's scheduler picks nodes itself, so small drifts are routine: one line per sync, details at debug.
  if (drifts.length) log.info("placement", "reservations moved to the nodes pods run on", { clusterId, instances: drifts.length });
  for (const d of drifts) log.debug("placement", "reservation drift fixed", { clusterId, ...d });
  return drifts;
}

/** Replaces the stored nodes of a cluster with these snapshots (nodes that disappeared are deleted). */
export async function writeNodeSnapshots(tx: DbOrTx, clusterId: string, nodes: readonly NodeSnapshot[], loads: NodeLoads): Promise<void> {
  const names = nodes.map((n) => n.name);
  await tx.delete(clusterNodes).where(names.length ? and(eq(clusterNodes.clusterId, clusterId), notInArray(clusterNodes.name, names)) : eq(clusterNodes.clusterId, clusterId));
  if (!nodes.length) return;
  const now = new Date();
  const rows = nodes.map((n) => {
    const load = loads.get(n.name);
    return {
      clusterId,
      ...n,
      foreignCpuMillis: load?.foreign.cpuMillis ?? 0,
      foreignMemoryMb: load?.foreign.memoryMb ?? 0,
      foreignPods: load?.foreign.pods ?? 0,
      managedCpuMillis: load?.managed.cpuMillis ?? 0,
      managedMemoryMb: load?.managed.memoryMb ?? 0,
      managedPods: load?.managed.pods ?? 0,
      syncedAt: now,
    };
  });
  const excluded = (col: string) => sql.raw(`excluded.${col}`);
  await tx
    .insert(clusterNodes)
    .values(rows)
    .onConflictDoUpdate({
      target: [clusterNodes.clusterId, clusterNodes.name],
      set: {
        zone: excluded("zone"),
        allocatableCpuMillis: excluded("allocatable_cpu_millis"),
        allocatableMemoryMb: excluded("allocatable_memory_mb"),
        allocatablePods: excluded("allocatable_pods"),
        foreignCpuMillis: excluded("foreign_cpu_millis"),
        foreignMemoryMb: excluded("foreign_memory_mb"),
        foreignPods: excluded("foreign_pods"),
        managedCpuMillis: excluded("managed_cpu_millis"),
        managedMemoryMb: excluded("managed_memory_mb"),
        managedPods: excluded("managed_pods"),
        ready: excluded("ready"),
        unschedulable: excluded("unschedulable"),
        conditions: excluded("conditions"),
        taints: excluded("taints"),
        labels: excluded("labels"),
        syncedAt: excluded("synced_at"),
      },
    });
}

/** healthy: every node Ready; degraded: some are not (or none exist); the reason says which. */
export function clusterStatusOf(nodes: readonly NodeSnapshot[]): { status: ClusterStatusValue; reason: string | null } {
  if (nodes.length === 0) return { status: "degraded", reason: "the cluster has no nodes" };
  const notReady = nodes.filter((n) => !n.ready).map((n) => n.name);
  if (notReady.length === 0) return { status: "healthy", reason: null };
  if (notReady.length === nodes.length) return { status: "degraded", reason: "no node is Ready" };
  return { status: "degraded", reason: `${notReady.length} of ${nodes.length} nodes not Ready: ${notReady.slice(0, 5).join(", ")}${notReady.length > 5 ? ", …" : ""}` };
}

/** Stores a full view of a cluster (from a list or an informer cache) in one transaction. */
export async function storeClusterView(db: Db, clusterId: string, view: { nodes: Iterable<V1Node>; pods: Iterable<V1Pod>; namespaces: Iterable<V1Namespace> }) {
  const rawNodes = [...view.nodes];
  const nodes = rawNodes.map(snapshotNode);
  const pods = [...view.pods];
  const namespaces = [...view.namespaces];
  const loads = computeNodeLoads(pods, managedNamespaceNames(namespaces));
  const { status, reason } = clusterStatusOf(nodes);
  await db.transaction(async (tx) => {
    const [exists] = await tx.select({ id: clusters.id }).from(clusters).where(eq(clusters.id, clusterId)).for("no key update");
    if (!exists) return;
    await writeNodeSnapshots(tx, clusterId, nodes, loads);
    await reconcileReservations(tx, clusterId, observedInstanceNodes(pods, namespaces));
    await tx.update(clusters).set({ status, statusReason: reason, lastSyncedAt: new Date() }).where(eq(clusters.id, clusterId));
  });
  await getRedis().del(probeFailuresKey(clusterId)).catch(() => 0);
  // The same view tells how each instance there is doing.
  await monitorClusterHealth(db, clusterId, { pods, nodes: rawNodes, reachable: true });
  return { nodes: nodes.length, status };
}

/** Marks a cluster unreachable with a plain reason (its stored nodes are kept as the last known view). */
/** Failed probes in a row before a cluster counts as unreachable: one dropped connection is not an outage. */
export const UNREACHABLE_AFTER_FAILURES = 3;
const probeFailuresKey = (clusterId: string) => redisKey("clusters", "probe-failures", clusterId);

/**
 * Records a failed probe (a list, a watch). After UNREACHABLE_AFTER_FAILURES in a row (within two minutes) the
 * cluster is unreachable and its instances are judged so; before that it is degraded.
 */
export async function markUnreachable(db: Db, clusterId: string, reason: string): Promise<"degraded" | "unreachable"> {
  const redis = getRedis();
  const failures = await redis
    .multi()
    .incr(probeFailuresKey(clusterId))
    .expire(probeFailuresKey(clusterId), 120)
    .exec()
    .then((r) => Number(r?.[0]?.[1] ?? UNREACHABLE_AFTER_FAILURES))
    .catch(() => UNREACHABLE_AFTER_FAILURES);
  if (failures < UNREACHABLE_AFTER_FAILURES) {
    await db.update(clusters).set({ status: "degraded", statusReason: `${reason} (${failures} failed probe${failures > 1 ? "s" : ""} in a row)` }).where(eq(clusters.id, clusterId));
    return "degraded";
  }
  await db.update(clusters).set({ status: "unreachable", statusReason: reason }).where(eq(clusters.id, clusterId));
  await monitorClusterHealth(db, clusterId, { pods: [], nodes: [], reachable: false });
  return "unreachable";
}

/** Full resync of one cluster: list nodes, namespaces and pods, then store. Unreachable clusters are marked so. */
export async function syncClusterCapacity(db: Db, clusterId: string): Promise<{ nodes: number; status: ClusterStatusValue }> {
  const { core } = createKubeClients(await loadKubeconfig(db, clusterId));
  try {
    const [nodes, namespaces, pods] = await Promise.all([core.listNode(), core.listNamespace(), core.listPodForAllNamespaces({ fieldSelector: "status.phase!=Succeeded,status.phase!=Failed" })]);
    return await storeClusterView(db, clusterId, { nodes: nodes.items, namespaces: namespaces.items, pods: pods.items });
  } catch (err) {
    if ((err as { name?: string }).name === "DomainError") throw err;
    const reason = describeKubeError(err);
    log.warn("clusters", "capacity sync failed", { clusterId, reason, error: String((err as Error)?.message ?? err) });
    return { nodes: 0, status: await markUnreachable(db, clusterId, reason) };
  }
}

/** Syncs every registered cluster, one after another (bounded load on the API servers and the database). */
export async function syncAllClusters(db: Db): Promise<{ clusterId: string; status: ClusterStatusValue }[]> {
  const ids = await db.select({ id: clusters.id }).from(clusters);
  const results = [];
  for (const { id } of ids) results.push({ clusterId: id, status: (await syncClusterCapacity(db, id)).status });
  return results;
}
