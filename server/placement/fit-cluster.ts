// The hot loop: fits one request's replicas onto one cluster's nodes (greedy per strategy) and scores the result.
// Works in module-level typed arrays reused between calls, so a decision over 100 clusters allocates almost nothing.
import { ANTI_NODE, ANTI_NONE, ANTI_ZONE, MODE_BEST_FIT, MODE_FIRST_FIT, MODE_SPREAD, blockingTaint, type NormalizedRequest } from "./request";
import type { CandidateCluster, Taint } from "./types";

/** The outcome of fitCluster; one instance is reused, so read it before the next call. */
export type ClusterFit = {
  /** Replicas placed (all of them when the cluster fits; with `exact: false` a failing cluster may report 0). */
  placed: number;
  /** Node index (into cluster.nodes) of each placed replica. */
  chosen: Int32Array;
  /** Higher is better; meaningful only when every replica fits. */
  score: number;
  /** Σ over schedulable nodes of free cpu + free memory, each as a fraction of the node (before placement). */
  freeSum: number;
  schedulable: number;
  notReady: number;
  tainted: number;
  /** Nodes without a zone, which zone anti-affinity cannot use. */
  zoneless: number;
  firstBlockingTaint: Taint | undefined;
};

/** A ClusterFit to reuse across fitCluster calls. */
export function createClusterFit(): ClusterFit {
  return { placed: 0, chosen: new Int32Array(8), score: 0, freeSum: 0, schedulable: 0, notReady: 0, tainted: 0, zoneless: 0, firstBlockingTaint: undefined };
}

let capacity = 0;
/** Free cpu, memory, pods per node index; updated as replicas are placed. Valid after fitCluster until the next call. */
export let freeCpu = new Float64Array(0);
export let freeMem = new Float64Array(0);
export let freePods = new Float64Array(0);
/** 1 / allocatable (0 when the node has none of it), to normalise without dividing in the loop. */
export let invCpu = new Float64Array(0);
export let invMem = new Float64Array(0);
/** 1 when the node may take a replica of this request at all (ready, tolerated, zoned if needed). */
export let schedulable = new Uint8Array(0);
/** 1 when a replica of this decision already sits on the node (used by anti-affinity). */
export let taken = new Uint8Array(0);

function ensureCapacity(n: number): void {
  if (n <= capacity) return;
  capacity = Math.max(n, capacity * 2, 64);
  freeCpu = new Float64Array(capacity);
  freeMem = new Float64Array(capacity);
  freePods = new Float64Array(capacity);
  invCpu = new Float64Array(capacity);
  invMem = new Float64Array(capacity);
  schedulable = new Uint8Array(capacity);
  taken = new Uint8Array(capacity);
}

/** Whether one of the replicas placed so far sits in `zone`. */
function zoneTaken(cluster: CandidateCluster, out: ClusterFit, placed: number, zone: string): boolean {
  for (let k = 0; k < placed; k++) if (cluster.nodes[out.chosen[k]!]!.zone === zone) return true;
  return false;
}

/**
 * Fits the request onto `cluster` greedily, replica by replica: best fit takes the node whose normalised
 * leftover (cpu, memory) has the smallest Euclidean norm after placing, spread the largest, first fit the first
 * node with room; ties go to the smaller node name. Node anti-affinity skips nodes already used by this
 * request, zone anti-affinity zones already used. Greedy is exact here: replicas are identical, so a
 * request fits iff the greedy fill places every replica.
 *
 * With `exact: false` it gives up as soon as the cluster obviously cannot fit (fewer nodes with room than
 * replicas needing distinct nodes), leaving `placed` at 0; use `exact: true` to explain a failure.
 */
export function fitCluster(req: NormalizedRequest, cluster: CandidateCluster, out: ClusterFit, exact: boolean): void {
  const nodes = cluster.nodes;
  const n = nodes.length;
  ensureCapacity(n);
  if (out.chosen.length < req.replicas) out.chosen = new Int32Array(Math.max(req.replicas, out.chosen.length * 2));
  const c = req.cpu;
  const m = req.mem;
  const zoneRule = req.anti === ANTI_ZONE;
  const hasTolerations = req.tolerations.length > 0;
  let sched = 0;
  let notReady = 0;
  let tainted = 0;
  let zoneless = 0;
  let withRoom = 0;
  let freeSum = 0;
  let firstTaint: Taint | undefined;

  for (let i = 0; i < n; i++) {
    const node = nodes[i]!;
    schedulable[i] = 0;
    taken[i] = 0;
    if (!node.ready) {
      notReady++;
      continue;
    }
    if (node.taints.length > 0) {
      const blocking = blockingTaint(node.taints, hasTolerations ? req.tolerations : []);
      if (blocking) {
        tainted++;
        firstTaint ??= blocking;
        continue;
      }
    }
    if (zoneRule && node.zone === "") {
      zoneless++;
      continue;
    }
    const a = node.allocatable;
    const u = node.used;
    const fc = a.cpuMillis - u.cpuMillis;
    const fm = a.memoryMb - u.memoryMb;
    const ic = a.cpuMillis > 0 ? 1 / a.cpuMillis : 0;
    const im = a.memoryMb > 0 ? 1 / a.memoryMb : 0;
    freeCpu[i] = fc;
    freeMem[i] = fm;
    freePods[i] = a.pods - u.pods;
    invCpu[i] = ic;
    invMem[i] = im;
    schedulable[i] = 1;
    sched++;
    freeSum += fc * ic + fm * im;
    if (fc >= c && fm >= m && a.pods - u.pods >= 1) withRoom++;
  }

  out.placed = 0;
  out.score = 0;
  out.freeSum = freeSum;
  out.schedulable = sched;
  out.notReady = notReady;
  out.tainted = tainted;
  out.zoneless = zoneless;
  out.firstBlockingTaint = firstTaint;
  if (!exact && (withRoom === 0 || (req.anti !== ANTI_NONE && withRoom < req.replicas))) return;

  const mode = req.mode;
  const chosen = out.chosen;
  let placed = 0;
  for (let j = 0; j < req.replicas; j++) {
    let best = -1;
    let bestValue = 0;
    for (let i = 0; i < n; i++) {
      if (schedulable[i] === 0 || taken[i] === 1) continue;
      const fc = freeCpu[i]!;
      const fm = freeMem[i]!;
      if (fc < c || fm < m || freePods[i]! < 1) continue;
      if (zoneRule && placed > 0 && zoneTaken(cluster, out, placed, nodes[i]!.zone)) continue;
      if (mode === MODE_FIRST_FIT) {
        best = i;
        break;
      }
      const rc = (fc - c) * invCpu[i]!;
      const rm = (fm - m) * invMem[i]!;
      const value = rc * rc + rm * rm;
      if (
        best < 0 ||
        (mode === MODE_BEST_FIT ? value < bestValue : value > bestValue) ||
        (value === bestValue && nodes[i]!.name < nodes[best]!.name)
      ) {
        best = i;
        bestValue = value;
      }
    }
    if (best < 0) break;
    chosen[j] = best;
    placed++;
    freeCpu[best] = freeCpu[best]! - c;
    freeMem[best] = freeMem[best]! - m;
    freePods[best] = freePods[best]! - 1;
    if (req.anti === ANTI_NODE) taken[best] = 1;
  }
  out.placed = placed;
  if (placed < req.replicas) return;

  if (mode === MODE_BEST_FIT) {
    // Stranded capacity: the mean normalised leftover norm of each replica's node after placement, in [0, 1].
    // The L2 norm ranks an imbalanced leftover (much cpu, no memory) above a balanced one of the same total.
    let stranded = 0;
    for (let j = 0; j < placed; j++) {
      const i = chosen[j]!;
      const rc = freeCpu[i]! * invCpu[i]!;
      const rm = freeMem[i]! * invMem[i]!;
      stranded += Math.sqrt(rc * rc + rm * rm);
    }
    out.score = 1 - stranded / (placed * Math.SQRT2);
  } else if (mode === MODE_SPREAD) {
    // Emptiness after placement: the mean free fraction (cpu and memory) of the schedulable nodes, in [0, 1].
    let consumed = 0;
    for (let j = 0; j < placed; j++) {
      const i = chosen[j]!;
      consumed += c * invCpu[i]! + m * invMem[i]!;
    }
    out.score = (freeSum - consumed) / (2 * sched);
  }
}

/** The distinct zones among the schedulable nodes of the last fitCluster call. */
export function countSchedulableZones(cluster: CandidateCluster): number {
  const zones = new Set<string>();
  cluster.nodes.forEach((node, i) => {
    if (schedulable[i] === 1) zones.add(node.zone);
  });
  return zones.size;
}
