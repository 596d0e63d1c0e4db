// Chooses the cluster and nodes for one instance (best fit, spread or the first-fit baseline) and explains every candidate.
import { explainCapacityFailure } from "./explain";
import { createClusterFit, fitCluster } from "./fit-cluster";
import {
  MODE_BEST_FIT,
  MODE_FIRST_FIT,
  MODE_SPREAD,
  clusterFilterReason,
  normalizeRequest,
  passesClusterFilters,
  type NormalizedRequest,
} from "./request";
import { formatCpu, formatMemory } from "./resources";
import type { CandidateCluster, CandidateReport, PlacementDecision, PlacementOptions, PlacementRequest, Resources } from "./types";

const fit = createClusterFit();
const EPSILON = 1e-12;

/** The best fitting cluster so far among one status class (healthy, or degraded as the fallback). */
class Leader {
  index = -1;
  score = 0;
  freeSum = 0;
  nodes = new Int32Array(8);

  /** Whether a cluster that fits beats the current leader under the strategy's ordering. */
  beatenBy(mode: number, score: number, freeSum: number, name: string, clusters: readonly CandidateCluster[]): boolean {
    if (this.index < 0) return true;
    if (mode === MODE_FIRST_FIT) return false;
    if (score > this.score + EPSILON) return true;
    if (score < this.score - EPSILON) return false;
    // Ties: best fit prefers the fuller cluster (keeps empty ones empty), spread the emptier one; then the name.
    if (freeSum < this.freeSum - EPSILON) return mode === MODE_BEST_FIT;
    if (freeSum > this.freeSum + EPSILON) return mode === MODE_SPREAD;
    return name < clusters[this.index]!.name;
  }

  take(index: number, replicas: number): void {
    this.index = index;
    this.score = fit.score;
    this.freeSum = fit.freeSum;
    if (this.nodes.length < replicas) this.nodes = new Int32Array(replicas);
    this.nodes.set(fit.chosen.subarray(0, replicas));
  }
}

/** Per-candidate notes kept while explaining; turned into CandidateReports once the winner is known. */
type Note =
  | { kind: "filtered"; reason: string }
  | { kind: "fits"; score: number }
  | { kind: "short"; reason: string; shortfall: Resources; distance: number; placed: number };

function roundScore(score: number): number {
  return Math.round(score * 10_000) / 10_000;
}

function filteredSummary(req: NormalizedRequest, clusters: readonly CandidateCluster[]): string {
  let region = 0;
  let unreachable = 0;
  let cordoned = 0;
  for (const c of clusters) {
    if (req.regions !== null && !req.regions.includes(c.region)) region++;
    else if (c.status === "unreachable") unreachable++;
    else if (c.cordoned) cordoned++;
  }
  const parts: string[] = [];
  if (region > 0) parts.push(`${region} outside region ${req.regions!.join(" or ")}`);
  if (unreachable > 0) parts.push(`${unreachable} unreachable`);
  if (cordoned > 0) parts.push(`${cordoned} cordoned`);
  return parts.join(", ");
}

function decide(req: NormalizedRequest, clusters: readonly CandidateCluster[], explain: boolean): PlacementDecision {
  const healthy = new Leader();
  const degraded = new Leader();
  const notes: Note[] | null = explain ? [] : null;
  const firstFitShortcut = !explain && req.mode === MODE_FIRST_FIT;

  for (let i = 0; i < clusters.length; i++) {
    const cluster = clusters[i]!;
    if (notes) {
      const reason = clusterFilterReason(req, cluster);
      if (reason !== null) {
        notes.push({ kind: "filtered", reason });
        continue;
      }
    } else if (!passesClusterFilters(req, cluster)) {
      continue;
    }
    const isHealthy = cluster.status === "healthy";
    if (firstFitShortcut && !isHealthy && degraded.index >= 0) continue;
    fitCluster(req, cluster, fit, explain);
    if (fit.placed === req.replicas) {
      const leader = isHealthy ? healthy : degraded;
      if (leader.beatenBy(req.mode, fit.score, fit.freeSum, cluster.name, clusters)) leader.take(i, req.replicas);
      notes?.push({ kind: "fits", score: fit.score });
      if (firstFitShortcut && isHealthy) break;
    } else if (notes) {
      const explained = explainCapacityFailure(req, cluster, fit);
      notes.push({ kind: "short", reason: explained.reason, shortfall: explained.shortfall, distance: explained.distance, placed: fit.placed });
    }
  }

  const winner = healthy.index >= 0 ? healthy : degraded.index >= 0 ? degraded : null;
  if (winner === null) {
    // Failures are rare on the hot path; explain them in full with a second pass.
    if (!notes) return decide(req, clusters, true);
    return failure(req, clusters, notes);
  }

  const cluster = clusters[winner.index]!;
  const nodes: string[] = new Array(req.replicas);
  for (let j = 0; j < req.replicas; j++) nodes[j] = cluster.nodes[winner.nodes[j]!]!.name;
  const candidates: CandidateReport[] = notes ? new Array(notes.length) : [];
  if (notes) {
    const fallback = winner === degraded;
    for (let i = 0; i < notes.length; i++) {
      const note = notes[i]!;
      const c = clusters[i]!;
      if (note.kind !== "fits") {
        candidates[i] = { clusterId: c.id, name: c.name, verdict: "rejected", reason: note.reason };
      } else if (i === winner.index) {
        candidates[i] = fallback
          ? { clusterId: c.id, name: c.name, verdict: "chosen", score: roundScore(note.score), reason: "degraded; chosen because no healthy cluster fits" }
          : { clusterId: c.id, name: c.name, verdict: "chosen", score: roundScore(note.score) };
      } else if (c.status === "degraded" && !fallback) {
        candidates[i] = { clusterId: c.id, name: c.name, verdict: "eligible", score: roundScore(note.score), reason: "degraded; used only when no healthy cluster fits" };
      } else {
        candidates[i] = { clusterId: c.id, name: c.name, verdict: "eligible", score: roundScore(note.score) };
      }
    }
  }
  return { ok: true, clusterId: cluster.id, nodes, score: roundScore(winner.score), candidates };
}

function failure(req: NormalizedRequest, clusters: readonly CandidateCluster[], notes: Note[]): PlacementDecision {
  const candidates: CandidateReport[] = notes.map((note, i) => ({
    clusterId: clusters[i]!.id,
    name: clusters[i]!.name,
    verdict: "rejected",
    reason: note.kind === "fits" ? "fits" : note.reason,
  }));
  let closest = -1;
  notes.forEach((note, i) => {
    if (note.kind !== "short") return;
    const best = closest >= 0 ? (notes[closest] as Extract<Note, { kind: "short" }>) : null;
    if (
      !best ||
      note.placed > best.placed ||
      (note.placed === best.placed && (note.distance < best.distance - EPSILON || (Math.abs(note.distance - best.distance) <= EPSILON && clusters[i]!.name < clusters[closest]!.name)))
    ) {
      closest = i;
    }
  });
  const needs = `${req.replicas} × ${formatCpu(req.cpu)} cpu and ${formatMemory(req.mem)}`;
  if (closest < 0) {
    const shortfall = { cpuMillis: req.cpu * req.replicas, memoryMb: req.mem * req.replicas, pods: req.replicas };
    const reason = clusters.length === 0 ? "no clusters registered" : `no cluster accepts the request (${filteredSummary(req, clusters)})`;
    return { ok: false, candidates, shortfall, reason };
  }
  const note = notes[closest] as Extract<Note, { kind: "short" }>;
  return {
    ok: false,
    candidates,
    shortfall: note.shortfall,
    reason: `no cluster has room for ${needs}; closest is ${clusters[closest]!.name}: ${note.reason}`,
  };
}

/**
 * Chooses the cluster and the node of each replica for one instance, from clusters with per-node free capacity.
 *
 * Filters: allowed region, not unreachable, not cordoned; degraded clusters only when no healthy one fits.
 * Fit is per node (a replica needs one Ready, untainted-or-tolerated node with its cpu, memory and a pod slot
 * free), never on cluster totals. Scores (higher is better): `best_fit` = 1 − mean normalised leftover norm of
 * the replicas' nodes (least stranded capacity; ties: fuller cluster, then name); `spread` = mean free fraction
 * of the cluster after placement (ties: emptier cluster, then name).
 *
 * Every input cluster gets a CandidateReport (in input order) unless `{ explain: false }` is passed, which skips
 * them when placement succeeds; a failure always carries full reports, the shortfall and a reason.
 * Throws RangeError on an invalid request (negative sizes, replicas < 1).
 */
export function placeInstance(request: PlacementRequest, clusters: readonly CandidateCluster[], options?: PlacementOptions): PlacementDecision {
  return decide(normalizeRequest(request), clusters, options?.explain !== false);
}

/**
 * The first-fit baseline for benchmarks: the first cluster in input order that fits (healthy before degraded,
 * same filters), and in it the first node with room for each replica. Same result shape; scores are 0.
 */
export function placeFirstFit(request: PlacementRequest, clusters: readonly CandidateCluster[], options?: PlacementOptions): PlacementDecision {
  return decide(normalizeRequest(request, MODE_FIRST_FIT), clusters, options?.explain !== false);
}
