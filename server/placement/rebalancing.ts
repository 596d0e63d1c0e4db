// Defragmentation proposals: moves of stateless instances that would empty the least-used nodes, computed without I/O.
import { applyPlacement, releasePlacement } from "./apply-placement";
import { placeInstance } from "./place-instance";
import type { CandidateCluster, PlacementRequest } from "./types";

/** Where one instance runs now, as the placement records say. */
export type InstancePlacement = {
  instanceId: string;
  clusterId: string;
  /** The node of each replica. */
  nodes: string[];
  request: PlacementRequest;
  /** Only stateless instances may move; a node with a stateful one is never emptied. */
  stateless: boolean;
};

export type RebalancingMove = {
  instanceId: string;
  fromClusterId: string;
  toClusterId: string;
  toNodes: string[];
  /** The node whose emptying this move serves. */
  frees: { node: string; cluster: string };
};

export type RebalancingProposal = {
  /** At most one move per instance, from where it runs now to where it would end up. */
  moves: RebalancingMove[];
  /** Nodes that would hold no instance any more. */
  freedNodes: { cluster: string; node: string }[];
  /** Clusters that held instances and would hold none. */
  emptiedClusters: string[];
  /** Nodes considered but kept, with why. */
  skipped: { cluster: string; node: string; reason: string }[];
};

export type RebalancingOptions = {
  /** Only nodes at or below this utilisation (mean of cpu and memory fractions) are considered; default 0.5. */
  maxUtilisation?: number;
  /** Stop before the proposal exceeds this many moves; default 200. */
  maxMoves?: number;
};

type Current = { clusterId: string; nodes: string[] };

const key = (clusterId: string, node: string) => `${clusterId}\u0000${node}`;

function size(r: PlacementRequest): number {
  return r.cpuMillis * r.replicas * 1e6 + r.memoryMb * r.replicas;
}

/** A copy of the fleet where the given nodes take no new replicas (marked not ready). */
function excluding(fleet: readonly CandidateCluster[], clusterId: string, node: string): CandidateCluster[] {
  return fleet.map((c) => (c.id !== clusterId ? c : { ...c, nodes: c.nodes.map((n) => (n.name === node ? { ...n, ready: false } : n)) }));
}

/**
 * Proposes moves of stateless instances that empty the least-used nodes. Nodes holding instances are taken in
 * increasing utilisation (then cluster and node name); for each, all its instances are taken off (every replica)
 * and placed again by the engine on the rest of the fleet, never on a node being emptied; the node is accepted
 * only if every one of them fits, otherwise nothing changes for it. Pure: `clusters` must already count the
 * placements in their `used`.
 */
export function proposeRebalancing(
  clusters: readonly CandidateCluster[],
  placements: readonly InstancePlacement[],
  options: RebalancingOptions = {},
): RebalancingProposal {
  const maxUtilisation = options.maxUtilisation ?? 0.5;
  const maxMoves = options.maxMoves ?? 200;
  const byId = new Map(placements.map((p) => [p.instanceId, p]));
  const current = new Map<string, Current>(placements.map((p) => [p.instanceId, { clusterId: p.clusterId, nodes: p.nodes }]));
  const onNode = new Map<string, Set<string>>();
  const index = (id: string, at: Current) => at.nodes.forEach((n) => onNode.get(key(at.clusterId, n))?.add(id) ?? onNode.set(key(at.clusterId, n), new Set([id])));
  const unindex = (id: string, at: Current) => at.nodes.forEach((n) => onNode.get(key(at.clusterId, n))?.delete(id));
  current.forEach((at, id) => index(id, at));

  const clusterName = new Map(clusters.map((c) => [c.id, c.name]));
  const candidates = clusters
    .flatMap((c) =>
      c.nodes
        .filter((n) => onNode.has(key(c.id, n.name)))
        .map((n) => {
          const cpu = n.allocatable.cpuMillis > 0 ? n.used.cpuMillis / n.allocatable.cpuMillis : 0;
          const mem = n.allocatable.memoryMb > 0 ? n.used.memoryMb / n.allocatable.memoryMb : 0;
          return { cluster: c, node: n.name, utilisation: (cpu + mem) / 2 };
        }),
    )
    .filter((x) => x.utilisation <= maxUtilisation)
    .sort((a, b) => a.utilisation - b.utilisation || (a.cluster.name < b.cluster.name ? -1 : a.cluster.name > b.cluster.name ? 1 : a.node < b.node ? -1 : 1));

  let fleet: readonly CandidateCluster[] = clusters;
  const moves = new Map<string, RebalancingMove>();
  const freedNodes: RebalancingProposal["freedNodes"] = [];
  const skipped: RebalancingProposal["skipped"] = [];

  for (const { cluster, node } of candidates) {
    const ids = [...(onNode.get(key(cluster.id, node)) ?? [])].sort((a, b) => size(byId.get(b)!.request) - size(byId.get(a)!.request) || (a < b ? -1 : 1));
    if (ids.length === 0) {
      // Emptied as a side effect of earlier moves (another replica's node was freed): keep it empty.
      fleet = excluding(fleet, cluster.id, node);
      freedNodes.push({ cluster: cluster.id, node });
      continue;
    }
    const stateful = ids.find((id) => !byId.get(id)!.stateless);
    if (stateful) {
      skipped.push({ cluster: cluster.id, node, reason: `hosts stateful instance ${stateful}` });
      continue;
    }
    const newMoves = ids.filter((id) => !moves.has(id)).length;
    if (moves.size + newMoves > maxMoves) {
      skipped.push({ cluster: cluster.id, node, reason: `would exceed ${maxMoves} moves` });
      continue;
    }
    let attempt = excluding(fleet, cluster.id, node);
    for (const id of ids) attempt = releasePlacement(attempt, current.get(id)!, byId.get(id)!.request);
    const landed = new Map<string, Current>();
    let failure: string | null = null;
    for (const id of ids) {
      const request = byId.get(id)!.request;
      const decision = placeInstance(request, attempt, { explain: false });
      if (!decision.ok) {
        failure = `instance ${id} fits nowhere else (nodes being emptied count as not ready): ${decision.reason}`;
        break;
      }
      attempt = applyPlacement(attempt, decision, request);
      landed.set(id, { clusterId: decision.clusterId, nodes: decision.nodes });
    }
    if (failure) {
      skipped.push({ cluster: cluster.id, node, reason: failure });
      continue;
    }
    fleet = attempt;
    freedNodes.push({ cluster: cluster.id, node });
    for (const [id, to] of landed) {
      const from = current.get(id)!;
      unindex(id, from);
      index(id, to);
      current.set(id, to);
      const earlier = moves.get(id);
      moves.set(id, {
        instanceId: id,
        fromClusterId: earlier?.fromClusterId ?? from.clusterId,
        toClusterId: to.clusterId,
        toNodes: to.nodes,
        frees: earlier?.frees ?? { node, cluster: cluster.id },
      });
    }
  }

  const before = new Set(placements.map((p) => p.clusterId));
  const after = new Set([...current.values()].map((c) => c.clusterId));
  const emptiedClusters = [...before].filter((id) => !after.has(id)).sort((a, b) => ((clusterName.get(a) ?? a) < (clusterName.get(b) ?? b) ? -1 : 1));
  return { moves: [...moves.values()], freedNodes, emptiedClusters, skipped };
}
