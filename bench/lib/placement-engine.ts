// The pure-engine half of the `placement` benchmark: the engine placing 10,000 mixed instances onto 100 clusters × 20 nodes.
//
// How it measures (each figure is the median of 3 runs on the same seeded input, after one untimed warm-up run):
// - engine_decisions_per_s: instances / wall time of the whole sequential loop, where each step is
//   placeInstance(request, fleet, { explain: false }) plus applyPlacement (the hot path; no per-candidate reports).
// - engine_p99_ms / engine_p50_ms: per-instance time of that same step (decision + booking).
// - engine_explain_*: the same with full per-candidate reports (what the API returns), for information.
// - nodes_vs_lower_bound: after all instances are placed, nodes with any replica ÷ lowerBoundNodes(demand of the
//   placed replicas, one node's allocatable). Every node starts empty; the demand is ~65 % of the fleet's cpu
//   (the binding dimension), so everything fits and packing quality decides how many nodes get touched.
// - first_fit_nodes_vs_lower_bound: the same for placeFirstFit on the same input.
import { performance } from "node:perf_hooks";
import { applyPlacement, lowerBoundNodes, placeFirstFit, placeInstance } from "@/server/placement";
import type { CandidateCluster, PlacementDecision, PlacementOptions, PlacementRequest, Resources } from "@/server/placement";
import { median, percentile, round } from "./stats";
import type { Metric } from "./types";

const CLUSTERS = 100;
const NODES_PER_CLUSTER = 20;
const INSTANCES = 10_000;
const WARMUP_INSTANCES = 3_000;
const ROUNDS = 3;
const SEED = 20_240_604;
const NODE: Resources = { cpuMillis: 8000, memoryMb: 32 * 1024, pods: 110 };
const REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-1"];
const ZONES = ["a", "b", "c"];

type Plan = { weight: number; request: Omit<PlacementRequest, "region" | "strategy"> };
const PLANS: Plan[] = [
  { weight: 25, request: { cpuMillis: 100, memoryMb: 128, storageGb: 1, replicas: 1, antiAffinity: "none" } },
  { weight: 25, request: { cpuMillis: 250, memoryMb: 512, storageGb: 5, replicas: 1, antiAffinity: "none" } },
  { weight: 20, request: { cpuMillis: 500, memoryMb: 512, storageGb: 10, replicas: 2, antiAffinity: "none" } },
  { weight: 15, request: { cpuMillis: 1000, memoryMb: 2048, storageGb: 20, replicas: 3, antiAffinity: "node" } },
  { weight: 15, request: { cpuMillis: 2000, memoryMb: 8192, storageGb: 50, replicas: 1, antiAffinity: "none" } },
];

/** mulberry32: a small seeded PRNG so every run places the same instances. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 100 clusters in 4 regions, 20 empty nodes each over 3 zones. */
export function makeFleet(): CandidateCluster[] {
  return Array.from({ length: CLUSTERS }, (_, c) => {
    const region = REGIONS[c % REGIONS.length]!;
    const name = `cluster-${String(c).padStart(3, "0")}`;
    return {
      id: `c${c}`,
      name,
      region,
      status: "healthy" as const,
      cordoned: false,
      nodes: Array.from({ length: NODES_PER_CLUSTER }, (_, n) => ({
        name: `${name}-node-${String(n).padStart(2, "0")}`,
        zone: `${region}${ZONES[n % ZONES.length]}`,
        allocatable: { ...NODE },
        used: { cpuMillis: 0, memoryMb: 0, pods: 0 },
        ready: true,
        labels: {},
        taints: [],
      })),
    };
  });
}

/** The mixed workload: plans by weight; 40 % pinned to one region, 10 % to two, the rest anywhere. */
export function makeRequests(count: number, seed = SEED): PlacementRequest[] {
  const random = prng(seed);
  const total = PLANS.reduce((s, p) => s + p.weight, 0);
  return Array.from({ length: count }, () => {
    let pick = random() * total;
    const plan = PLANS.find((p) => (pick -= p.weight) < 0) ?? PLANS[PLANS.length - 1]!;
    const r = random();
    const first = REGIONS[Math.floor(random() * REGIONS.length)]!;
    const second = REGIONS[(REGIONS.indexOf(first) + 1) % REGIONS.length]!;
    const region = r < 0.4 ? first : r < 0.5 ? [first, second] : undefined;
    return { ...plan.request, strategy: "best_fit" as const, ...(region ? { region } : {}) };
  });
}

type Place = (request: PlacementRequest, clusters: readonly CandidateCluster[], options?: PlacementOptions) => PlacementDecision;
type Run = { decisionsPerS: number; p50: number; p99: number; placed: number; nodesUsed: number; lowerBound: number; demandShare: number };

function runOnce(place: Place, requests: PlacementRequest[], explain: boolean): Run {
  let fleet: readonly CandidateCluster[] = makeFleet();
  const times = new Float64Array(requests.length);
  const demands: Resources[] = [];
  const started = performance.now();
  for (let k = 0; k < requests.length; k++) {
    const request = requests[k]!;
    const t0 = performance.now();
    const decision = place(request, fleet, { explain });
    if (decision.ok) fleet = applyPlacement(fleet, decision, request);
    times[k] = performance.now() - t0;
    if (decision.ok) demands.push({ cpuMillis: request.cpuMillis * request.replicas, memoryMb: request.memoryMb * request.replicas, pods: request.replicas });
  }
  const elapsed = performance.now() - started;
  let nodesUsed = 0;
  for (const c of fleet) for (const n of c.nodes) if (n.used.pods > 0) nodesUsed++;
  const cpuDemand = demands.reduce((s, d) => s + d.cpuMillis, 0);
  const sorted = Array.from(times);
  return {
    decisionsPerS: requests.length / (elapsed / 1000),
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    placed: demands.length,
    nodesUsed,
    lowerBound: lowerBoundNodes(demands, NODE),
    demandShare: cpuDemand / (NODE.cpuMillis * CLUSTERS * NODES_PER_CLUSTER),
  };
}

function medianOf(runs: Run[], pick: (r: Run) => number): number {
  return median(runs.map(pick));
}

/** The engine metrics of issue 4's placement benchmark (the part without PostgreSQL). */
export async function runEngineBenchmark(): Promise<Metric[]> {
  const requests = makeRequests(INSTANCES);
  runOnce(placeInstance, requests.slice(0, WARMUP_INSTANCES), false);
  runOnce(placeInstance, requests.slice(0, WARMUP_INSTANCES), true);
  runOnce(placeFirstFit, requests.slice(0, WARMUP_INSTANCES), false);

  const fast: Run[] = [];
  const explained: Run[] = [];
  const firstFit: Run[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    fast.push(runOnce(placeInstance, requests, false));
    explained.push(runOnce(placeInstance, requests, true));
    firstFit.push(runOnce(placeFirstFit, requests, false));
  }
  const best = fast[0]!;
  const ff = firstFit[0]!;
  return [
    { key: "engine_decisions_per_s", value: round(medianOf(fast, (r) => r.decisionsPerS), 0), unit: "decisions/s", better: "higher", target: 5000 },
    { key: "engine_p50_ms", value: round(medianOf(fast, (r) => r.p50), 4), unit: "ms", better: "lower" },
    { key: "engine_p99_ms", value: round(medianOf(fast, (r) => r.p99), 4), unit: "ms", better: "lower", target: 2 },
    { key: "engine_explain_decisions_per_s", value: round(medianOf(explained, (r) => r.decisionsPerS), 0), unit: "decisions/s", better: "higher" },
    { key: "engine_explain_p99_ms", value: round(medianOf(explained, (r) => r.p99), 4), unit: "ms", better: "lower" },
    { key: "nodes_vs_lower_bound", value: round(best.nodesUsed / best.lowerBound, 4), unit: "ratio", better: "lower", target: 1.05 },
    { key: "first_fit_nodes_vs_lower_bound", value: round(ff.nodesUsed / ff.lowerBound, 4), unit: "ratio", better: "lower" },
    { key: "engine_nodes_used", value: best.nodesUsed, unit: "nodes", better: "lower" },
    { key: "first_fit_nodes_used", value: ff.nodesUsed, unit: "nodes", better: "lower" },
    { key: "lower_bound_nodes", value: best.lowerBound, unit: "nodes", better: "lower" },
    { key: "engine_unplaced", value: INSTANCES - best.placed, unit: "instances", better: "lower", target: 0 },
    { key: "demand_share_of_fleet_cpu", value: round(best.demandShare, 3), unit: "ratio", better: "lower" },
  ];
}

