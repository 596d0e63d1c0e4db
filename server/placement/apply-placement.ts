// Books a decision onto candidate clusters (or takes it off again) without I/O, so many instances can be placed in sequence.
import type { CandidateCluster, PlacementDecision, PlacementRequest } from "./types";

/** Where an instance's replicas are: its cluster and the node of each replica. */
export type PlacedReplicas = { clusterId: string; nodes: readonly string[] };

function shiftUsage(
  clusters: readonly CandidateCluster[],
  placement: PlacedReplicas,
  request: Pick<PlacementRequest, "cpuMillis" | "memoryMb">,
  sign: 1 | -1,
): CandidateCluster[] {
  const index = clusters.findIndex((c) => c.id === placement.clusterId);
  if (index < 0) throw new RangeError(`placement names cluster ${placement.clusterId}, which is not among the candidates`);
  const cluster = clusters[index]!;
  const nodes = cluster.nodes.slice();
  for (const name of placement.nodes) {
    const k = nodes.findIndex((n) => n.name === name);
    if (k < 0) throw new RangeError(`placement names node ${name}, which is not in cluster ${cluster.name}`);
    const node = nodes[k]!;
    nodes[k] = {
      ...node,
      used: {
        cpuMillis: node.used.cpuMillis + sign * request.cpuMillis,
        memoryMb: node.used.memoryMb + sign * request.memoryMb,
        pods: node.used.pods + sign,
      },
    };
  }
  const out = clusters.slice();
  out[index] = { ...cluster, nodes };
  return out;
}

/**
 * Returns the clusters with the decision's replicas added to the `used` of their nodes (one pod slot and the
 * request's cpu and memory per replica). The input is not changed; untouched clusters and nodes are shared, so a
 * call costs O(clusters + nodes of one cluster). A failed decision returns the input as is.
 */
export function applyPlacement(
  clusters: readonly CandidateCluster[],
  decision: PlacementDecision,
  request: Pick<PlacementRequest, "cpuMillis" | "memoryMb">,
): CandidateCluster[] {
  if (!decision.ok) return clusters.slice();
  return shiftUsage(clusters, decision, request, 1);
}

/** The inverse of applyPlacement: takes an instance's replicas off their nodes (for deletes, moves and simulations). */
export function releasePlacement(
  clusters: readonly CandidateCluster[],
  placement: PlacedReplicas,
  request: Pick<PlacementRequest, "cpuMillis" | "memoryMb">,
): CandidateCluster[] {
  return shiftUsage(clusters, placement, request, -1);
}
