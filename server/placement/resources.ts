// Arithmetic and wording for Resources: free capacity, the bin-packing lower bound, and human-readable amounts.
import type { CandidateNode, Resources } from "./types";

/** allocatable − used of a node (negative when the node is overcommitted). */
export function freeResources(node: CandidateNode): Resources {
  return {
    cpuMillis: node.allocatable.cpuMillis - node.used.cpuMillis,
    memoryMb: node.allocatable.memoryMb - node.used.memoryMb,
    pods: node.allocatable.pods - node.used.pods,
  };
}

/** Sum of a list of Resources. */
export function sumResources(list: readonly Resources[]): Resources {
  const total = { cpuMillis: 0, memoryMb: 0, pods: 0 };
  for (const r of list) {
    total.cpuMillis += r.cpuMillis;
    total.memoryMb += r.memoryMb;
    total.pods += r.pods;
  }
  return total;
}

function nodesFor(demand: number, capacity: number): number {
  if (demand <= 0) return 0;
  if (capacity <= 0) return Number.POSITIVE_INFINITY;
  // The epsilon absorbs float noise in sums of fractional amounts (0.1 + 0.2); amounts are integers in practice.
  return Math.ceil(demand / capacity - 1e-9);
}

/**
 * The fewest nodes of `nodeCapacity` that could hold `demands` if they could be split freely:
 * max over cpu, memory and pods of ceil(total demand / node capacity). Infinity when a demanded
 * dimension has zero capacity. Used to judge how tightly a placement packs.
 */
export function lowerBoundNodes(demands: readonly Resources[], nodeCapacity: Resources): number {
  const total = sumResources(demands);
  return Math.max(
    nodesFor(total.cpuMillis, nodeCapacity.cpuMillis),
    nodesFor(total.memoryMb, nodeCapacity.memoryMb),
    nodesFor(total.pods, nodeCapacity.pods),
  );
}

/** "500m" (never negative: an overcommitted node shows 0m free). */
export function formatCpu(millis: number): string {
  return `${Math.max(0, Math.round(millis))}m`;
}

/** "512 MiB". */
export function formatMemory(mb: number): string {
  return `${Math.max(0, Math.round(mb))} MiB`;
}

/** "1 node", "3 nodes". */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}
