// "Can N instances of this plan fit, and if not, how many nodes of shape S are missing?" answered by the same engine on a copy.
import { applyPlacement } from "./apply-placement";
import { createClusterFit, fitCluster } from "./fit-cluster";
import { placeInstance } from "./place-instance";
import { ANTI_NONE, ANTI_ZONE, normalizeRequest, passesClusterFilters, type NormalizedRequest } from "./request";
import { formatCpu, formatMemory } from "./resources";
import type { CandidateCluster, CandidateNode, PlacementRequest, Resources } from "./types";

export type WhatIfInput = {
  request: PlacementRequest;
  count: number;
  clusters: readonly CandidateCluster[];
  /** Allocatable of a node that could be added (zone-less: added nodes take a zone of their cluster). */
  nodeShape?: Resources;
  /** Stop adding nodes after this many (default 10,000); the answer then says it gave up. */
  maxAddedNodes?: number;
};

export type WhatIfAddition = { clusterId: string; name: string; /** A cluster that does not exist yet. */ virtual: boolean; nodes: number };

export type WhatIfResult = {
  count: number;
  /** Whether all `count` instances fit on the fleet as it is. */
  fits: boolean;
  /** How many of them fit, placed one after another. */
  placed: number;
  /** Nodes of `nodeShape` to add so all fit: 0 when all fit, null without a shape or when it cannot be told (see `note`). */
  missingNodes: number | null;
  /** Where the simulation added the missing nodes. */
  additions: WhatIfAddition[];
  /** Why the first instance that did not fit is pending, as the engine says. */
  pending?: { reason: string; shortfall: Resources };
  note?: string;
};

export const VIRTUAL_CLUSTER_ID = "whatif-new-cluster";
/** Placing is ~0.1 ms per instance on a 2,000-node fleet: 100,000 keeps one answer within seconds. */
const MAX_COUNT = 100_000;
const fit = createClusterFit();

function zonesOf(cluster: CandidateCluster): string[] {
  return [...new Set(cluster.nodes.map((n) => n.zone).filter((z) => z !== ""))].sort();
}

/** How many new nodes of `shape` let one more instance fit in `cluster`, and in which zones; null when none can. */
function plannedNodes(req: NormalizedRequest, cluster: CandidateCluster, shape: Resources, zones = zonesOf(cluster)): string[] | null {
  fitCluster(req, cluster, fit, true);
  const missing = req.replicas - fit.placed;
  if (missing <= 0) return null;
  if (req.anti === ANTI_ZONE) {
    const used = new Set<string>();
    for (let k = 0; k < fit.placed; k++) used.add(cluster.nodes[fit.chosen[k]!]!.zone);
    const free = zones.filter((z) => !used.has(z));
    return free.length < missing ? null : free.slice(0, missing);
  }
  let count = missing;
  if (req.anti === ANTI_NONE) {
    const perNode = Math.min(req.cpu > 0 ? Math.floor(shape.cpuMillis / req.cpu) : Infinity, req.mem > 0 ? Math.floor(shape.memoryMb / req.mem) : Infinity, shape.pods);
    count = Math.ceil(missing / perNode);
  }
  // Spread added nodes over the zones with the fewest nodes.
  const perZone = new Map(zones.map((z) => [z, cluster.nodes.filter((n) => n.zone === z).length]));
  const planned: string[] = [];
  for (let k = 0; k < count; k++) {
    let zone = "";
    for (const [z, n] of perZone) if (zone === "" || n < perZone.get(zone)!) zone = z;
    if (zone !== "") perZone.set(zone, perZone.get(zone)! + 1);
    planned.push(zone);
  }
  return planned;
}

/** A new cluster's zones: three, or one per replica when zone anti-affinity needs more. */
function virtualZones(req: NormalizedRequest): string[] {
  return Array.from({ length: Math.max(3, req.replicas) }, (_, z) => `new-zone-${z + 1}`);
}

function withNodes(cluster: CandidateCluster, zones: string[], shape: Resources, nextId: () => number): CandidateCluster {
  const added: CandidateNode[] = zones.map((zone) => ({
    name: `${cluster.name}-whatif-${nextId()}`,
    zone,
    allocatable: { ...shape },
    used: { cpuMillis: 0, memoryMb: 0, pods: 0 },
    ready: true,
    labels: {},
    taints: [],
  }));
  return { ...cluster, nodes: [...cluster.nodes, ...added] };
}

/**
 * Places `count` instances of `request` one after another on a copy of the fleet. When they do not all fit and a
 * `nodeShape` is given, keeps going by adding nodes of that shape where the next instance needs the fewest of them
 * (eligible clusters: allowed region, reachable, not cordoned; healthy before degraded; the engine breaks ties),
 * or to a new virtual cluster when no existing one can take them, and reports how many were added.
 */
export function whatIf(input: WhatIfInput): WhatIfResult {
  const { request, count, nodeShape } = input;
  if (!Number.isInteger(count) || count < 0 || count > MAX_COUNT) {
    throw new RangeError(`whatIf: count must be an integer from 0 to ${MAX_COUNT}, got ${count}`);
  }
  const req = normalizeRequest(request);
  let fleet: readonly CandidateCluster[] = input.clusters;
  let k = 0;
  let pending: WhatIfResult["pending"];
  for (; k < count; k++) {
    const decision = placeInstance(request, fleet, { explain: false });
    if (!decision.ok) {
      pending = { reason: decision.reason, shortfall: decision.shortfall };
      break;
    }
    fleet = applyPlacement(fleet, decision, request);
  }
  const placed = k;
  const base = { count, fits: placed === count, placed, additions: [] as WhatIfAddition[], ...(pending ? { pending } : {}) };
  if (placed === count) return { ...base, missingNodes: 0 };
  if (!nodeShape) return { ...base, missingNodes: null, note: "give a node shape to learn how many nodes are missing" };
  if (nodeShape.cpuMillis < req.cpu || nodeShape.memoryMb < req.mem || nodeShape.pods < 1) {
    return {
      ...base,
      missingNodes: null,
      note: `a node of ${formatCpu(nodeShape.cpuMillis)} cpu, ${formatMemory(nodeShape.memoryMb)} and ${nodeShape.pods} pods cannot hold one replica (${formatCpu(req.cpu)} cpu, ${formatMemory(req.mem)})`,
    };
  }

  const limit = input.maxAddedNodes ?? 10_000;
  let serial = 0;
  const nextId = () => ++serial;
  const additions = new Map<string, WhatIfAddition>();
  let added = 0;
  while (k < count) {
    const decision = placeInstance(request, fleet, { explain: false });
    if (decision.ok) {
      fleet = applyPlacement(fleet, decision, request);
      k++;
      continue;
    }
    if (added >= limit) {
      return { ...base, missingNodes: null, additions: [...additions.values()], note: `gave up after adding ${added} nodes with ${count - k} instances still pending` };
    }
    const grown = growFleet(req, fleet, nodeShape, nextId);
    fleet = grown.fleet;
    added += grown.nodes;
    const cluster = fleet[grown.index]!;
    const entry = additions.get(cluster.id) ?? { clusterId: cluster.id, name: cluster.name, virtual: cluster.id === VIRTUAL_CLUSTER_ID, nodes: 0 };
    entry.nodes += grown.nodes;
    additions.set(cluster.id, entry);
  }
  return { ...base, missingNodes: added, additions: [...additions.values()] };
}

/** Adds the fewest nodes of `shape` that let one more instance fit, to the cluster the engine then prefers. */
function growFleet(
  req: NormalizedRequest,
  fleet: readonly CandidateCluster[],
  shape: Resources,
  nextId: () => number,
): { fleet: CandidateCluster[]; index: number; nodes: number } {
  const eligible = fleet.map((c, i) => ({ c, i })).filter(({ c }) => passesClusterFilters(req, c));
  const healthy = eligible.filter(({ c }) => c.status === "healthy");
  const pool = healthy.length > 0 ? healthy : eligible;
  let fewest = Infinity;
  const plans = pool.map(({ c, i }) => {
    const zones = plannedNodes(req, c, shape, c.id === VIRTUAL_CLUSTER_ID ? virtualZones(req) : undefined);
    if (zones && zones.length < fewest) fewest = zones.length;
    return { c, i, zones };
  });
  const best = plans.filter((p) => p.zones !== null && p.zones.length === fewest);
  if (best.length > 0) {
    const augmented = best.map((p) => withNodes(p.c, p.zones!, shape, nextId));
    const decision = placeInstance(req.source, augmented, { explain: false });
    const pick = decision.ok ? augmented.findIndex((c) => c.id === decision.clusterId) : 0;
    const out = fleet.slice();
    const index = best[pick]!.i;
    out[index] = augmented[pick]!;
    return { fleet: out, index, nodes: best[pick]!.zones!.length };
  }
  // No existing cluster can grow into a fit (filters, or too few zones): simulate a new cluster.
  const out = fleet.slice();
  let index = out.findIndex((c) => c.id === VIRTUAL_CLUSTER_ID);
  if (index < 0) {
    out.push({ id: VIRTUAL_CLUSTER_ID, name: "new cluster", region: req.regions?.[0] ?? "any", status: "healthy", cordoned: false, nodes: [] });
    index = out.length - 1;
  }
  const virtual = out[index]!;
  const zones = plannedNodes(req, virtual, shape, virtualZones(req)) ?? [];
  out[index] = withNodes(virtual, zones, shape, nextId);
  return { fleet: out, index, nodes: zones.length };
}
