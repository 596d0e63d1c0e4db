// Checks a placement request once per decision and answers the cluster-level filters (region, status, cordon) and taint toleration.
import type { CandidateCluster, PlacementRequest, Taint, Toleration } from "./types";

export const MODE_BEST_FIT = 0;
export const MODE_SPREAD = 1;
export const MODE_FIRST_FIT = 2;
export type Mode = typeof MODE_BEST_FIT | typeof MODE_SPREAD | typeof MODE_FIRST_FIT;

export const ANTI_NONE = 0;
export const ANTI_NODE = 1;
export const ANTI_ZONE = 2;
export type Anti = typeof ANTI_NONE | typeof ANTI_NODE | typeof ANTI_ZONE;

/** A request in the shape the hot loop reads: numbers for modes, regions as a list or null for any. */
export type NormalizedRequest = {
  cpu: number;
  mem: number;
  replicas: number;
  anti: Anti;
  mode: Mode;
  regions: readonly string[] | null;
  tolerations: readonly Toleration[];
  source: PlacementRequest;
};

function nonNegative(value: number, what: string): void {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`placement request: ${what} must be a finite number ≥ 0, got ${value}`);
}

/** Validates the request (throws RangeError: callers validate user input with zod before this). */
export function normalizeRequest(request: PlacementRequest, mode?: Mode): NormalizedRequest {
  nonNegative(request.cpuMillis, "cpuMillis");
  nonNegative(request.memoryMb, "memoryMb");
  nonNegative(request.storageGb, "storageGb");
  if (!Number.isInteger(request.replicas) || request.replicas < 1) {
    throw new RangeError(`placement request: replicas must be an integer ≥ 1, got ${request.replicas}`);
  }
  const region = request.region;
  const regions = region === undefined ? null : typeof region === "string" ? [region] : region.length === 0 ? null : region;
  return {
    cpu: request.cpuMillis,
    mem: request.memoryMb,
    replicas: request.replicas,
    anti: request.antiAffinity === "node" ? ANTI_NODE : request.antiAffinity === "zone" ? ANTI_ZONE : ANTI_NONE,
    mode: mode ?? (request.strategy === "spread" ? MODE_SPREAD : MODE_BEST_FIT),
    regions,
    tolerations: request.tolerations ?? [],
    source: request,
  };
}

/** Whether a cluster may be considered at all: allowed region, reachable, not cordoned. */
export function passesClusterFilters(req: NormalizedRequest, cluster: CandidateCluster): boolean {
  return !cluster.cordoned && cluster.status !== "unreachable" && (req.regions === null || req.regions.includes(cluster.region));
}

/** Why a cluster is not considered, in plain words ("cordoned; unreachable"), or null when it passes. */
export function clusterFilterReason(req: NormalizedRequest, cluster: CandidateCluster): string | null {
  const reasons: string[] = [];
  if (req.regions !== null && !req.regions.includes(cluster.region)) {
    reasons.push(`region ${cluster.region} not allowed (allowed: ${req.regions.join(", ")})`);
  }
  if (cluster.status === "unreachable") reasons.push("unreachable");
  if (cluster.cordoned) reasons.push("cordoned");
  return reasons.length === 0 ? null : reasons.join("; ");
}

function tolerates(taint: Taint, t: Toleration): boolean {
  if (t.effect !== undefined && t.effect !== taint.effect) return false;
  if (t.key === undefined || t.key === "") return t.operator === "Exists";
  if (t.key !== taint.key) return false;
  return t.operator === "Exists" || (t.value ?? "") === (taint.value ?? "");
}

/** The first NoSchedule/NoExecute taint no toleration matches (PreferNoSchedule never blocks), or undefined. */
export function blockingTaint(taints: readonly Taint[], tolerations: readonly Toleration[]): Taint | undefined {
  for (const taint of taints) {
    if (taint.effect === "PreferNoSchedule") continue;
    if (!tolerations.some((t) => tolerates(taint, t))) return taint;
  }
  return undefined;
}

/** "dedicated=gpu:NoSchedule", as kubectl prints a taint. */
export function formatTaint(taint: Taint): string {
  return `${taint.key}${taint.value ? `=${taint.value}` : ""}:${taint.effect}`;
}
