// Plain-words explanations of why a cluster cannot take a request, and what it lacks per dimension (the shortfall).
import { countSchedulableZones, freeCpu, freeMem, freePods, schedulable, taken, type ClusterFit } from "./fit-cluster";
import { ANTI_NODE, ANTI_ZONE, formatTaint, type NormalizedRequest } from "./request";
import { formatCpu, formatMemory, plural } from "./resources";
import type { CandidateCluster, Resources } from "./types";

export type CapacityExplanation = {
  reason: string;
  shortfall: Resources;
  /** How far the cluster is from fitting, in replicas' worth of missing dimensions; lower is closer. */
  distance: number;
};

let distances = new Float64Array(64);

type Remaining = { index: number; distance: number; cpu: number; mem: number; pods: number };

function unschedulableNote(fit: ClusterFit): string {
  const parts: string[] = [];
  if (fit.notReady > 0) parts.push(`${plural(fit.notReady, "node")} not ready`);
  if (fit.tainted > 0) parts.push(`${fit.tainted} tainted${fit.firstBlockingTaint ? ` (${formatTaint(fit.firstBlockingTaint)})` : ""}`);
  if (fit.zoneless > 0) parts.push(`${fit.zoneless} without a zone`);
  return parts.join(", ");
}

/**
 * Explains a cluster that does not fit every replica. Call it right after `fitCluster(req, cluster, fit, true)`:
 * it reads the free capacity left by that call. The shortfall sums, for each replica that does not fit, what
 * the closest remaining node (a distinct one per replica, respecting anti-affinity) lacks, or the whole
 * replica when no node is left.
 */
export function explainCapacityFailure(req: NormalizedRequest, cluster: CandidateCluster, fit: ClusterFit): CapacityExplanation {
  const { cpu: c, mem: m, replicas } = req;
  const missing = replicas - fit.placed;
  const nodes = cluster.nodes;
  const usedZones = req.anti === ANTI_ZONE ? new Set<string>() : null;
  if (usedZones) for (let k = 0; k < fit.placed; k++) usedZones.add(nodes[fit.chosen[k]!]!.zone);

  // The remaining nodes a missing replica could go to (one per zone under zone anti-affinity), with their distance.
  if (distances.length < nodes.length) distances = new Float64Array(Math.max(nodes.length, distances.length * 2));
  const candidates: number[] = [];
  const bestInZone = usedZones ? new Map<string, number>() : null;
  for (let i = 0; i < nodes.length; i++) {
    if (schedulable[i] !== 1) continue;
    if (req.anti === ANTI_NODE && taken[i] === 1) continue;
    if (usedZones && usedZones.has(nodes[i]!.zone)) continue;
    distances[i] = (c > 0 ? Math.max(0, c - freeCpu[i]!) / c : 0) + (m > 0 ? Math.max(0, m - freeMem[i]!) / m : 0) + Math.max(0, 1 - freePods[i]!);
    if (!bestInZone) {
      candidates.push(i);
      continue;
    }
    const current = bestInZone.get(nodes[i]!.zone);
    if (current === undefined || distances[i]! < distances[current]!) bestInZone.set(nodes[i]!.zone, i);
  }
  if (bestInZone) candidates.push(...bestInZone.values());
  // The `missing` closest distinct nodes (by distance, then name): a partial selection, as missing ≤ replicas is small.
  const remaining: Remaining[] = [];
  for (let k = 0; k < missing && candidates.length > 0; k++) {
    let best = 0;
    for (let j = 1; j < candidates.length; j++) {
      const a = candidates[j]!;
      const b = candidates[best]!;
      if (distances[a]! < distances[b]! || (distances[a] === distances[b] && nodes[a]!.name < nodes[b]!.name)) best = j;
    }
    const i = candidates[best]!;
    remaining.push({ index: i, distance: distances[i]!, cpu: Math.max(0, c - freeCpu[i]!), mem: Math.max(0, m - freeMem[i]!), pods: Math.max(0, 1 - freePods[i]!) });
    candidates[best] = candidates[candidates.length - 1]!;
    candidates.pop();
  }

  const shortfall = { cpuMillis: 0, memoryMb: 0, pods: 0 };
  let distance = 0;
  const wholeReplica = (c > 0 ? 1 : 0) + (m > 0 ? 1 : 0) + 1;
  for (let k = 0; k < missing; k++) {
    const r = remaining[k];
    if (r) {
      shortfall.cpuMillis += r.cpu;
      shortfall.memoryMb += r.mem;
      shortfall.pods += r.pods;
      distance += r.distance;
    } else {
      shortfall.cpuMillis += c;
      shortfall.memoryMb += m;
      shortfall.pods += 1;
      distance += wholeReplica;
    }
  }
  return { reason: capacityReason(req, cluster, fit, remaining[0]), shortfall, distance };
}

function capacityReason(req: NormalizedRequest, cluster: CandidateCluster, fit: ClusterFit, closest: Remaining | undefined): string {
  const note = unschedulableNote(fit);
  const suffix = note ? ` (${note})` : "";
  if (cluster.nodes.length === 0) return "no nodes";
  if (fit.schedulable === 0) return `no schedulable node${suffix}`;
  const { replicas } = req;
  if (req.anti === ANTI_ZONE) {
    const zones = countSchedulableZones(cluster);
    if (zones < replicas) return `only ${plural(zones, "zone")} with schedulable nodes for ${replicas} replicas that need distinct zones${suffix}`;
  }
  if (req.anti === ANTI_NODE && fit.schedulable < replicas) {
    return `only ${plural(fit.schedulable, "schedulable node")} for ${replicas} replicas that need distinct nodes${suffix}`;
  }
  const where = req.anti === ANTI_NODE ? " on distinct nodes" : req.anti === ANTI_ZONE ? " in distinct zones" : "";
  const head =
    fit.placed === 0 ? (replicas === 1 ? "no node fits the replica" : `no node fits a replica${where ? ` (${replicas} needed${where})` : ""}`) : `only ${fit.placed} of ${replicas} replicas fit${where}`;
  const needs = `needs ${formatCpu(req.cpu)} cpu and ${formatMemory(req.mem)} per replica`;
  let tail: string;
  if (closest) {
    const name = cluster.nodes[closest.index]!.name;
    const pods = Math.max(0, freePods[closest.index]!);
    tail = `closest node ${name} has ${formatCpu(freeCpu[closest.index]!)} cpu, ${formatMemory(freeMem[closest.index]!)} and ${plural(pods, "pod slot")} free`;
  } else {
    tail = req.anti === ANTI_ZONE ? "no zone left" : "no node left";
  }
  return `${head}: ${needs}; ${tail}${suffix}`;
}
