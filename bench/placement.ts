// Benchmark `placement` (issue 4): the pure engine (bench/lib/placement-engine.ts) and placements committed with
// reservations in PostgreSQL: 8 concurrent callers placing the same mixed workload onto 100 clusters × 20 nodes
// stored in a fresh database. committed_placements_per_s = committed placements ÷ wall time (median of 3 rounds).
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { createBenchEnvironment } from "./lib/environment";
import { makeFleet, makeRequests, runEngineBenchmark } from "./lib/placement-engine";
import { median, percentile, round } from "./lib/stats";
import type { BenchmarkResult, Metric } from "./lib/types";

const COMMITTED = 2_000;
const CALLERS = 8;
const ROUNDS = 3;

async function runCommitted(): Promise<Metric[]> {
  const env = await createBenchEnvironment("placement");
  try {
    const { getDb } = await import("@/db/client");
    const { clusters, clusterNodes, reservations, placementDecisions } = await import("@/db/schema");
    const { placeAndReserve, invalidatePlacementView } = await import("@/server/placement/reserve-placement");
    const db = getDb();
    for (const c of makeFleet()) {
      const [row] = await db
        .insert(clusters)
        .values({ name: c.name, region: c.region, kubeconfigEncrypted: "bench", serverUrl: "http://127.0.0.1:1", status: "healthy" })
        .returning({ id: clusters.id });
      await db.insert(clusterNodes).values(
        c.nodes.map((n) => ({
          clusterId: row!.id,
          name: n.name,
          zone: n.zone,
          allocatableCpuMillis: n.allocatable.cpuMillis,
          allocatableMemoryMb: n.allocatable.memoryMb,
          allocatablePods: n.allocatable.pods,
          ready: true,
        })),
      );
    }
    const requests = makeRequests(COMMITTED, 7);
    const rates: number[] = [];
    const p50s: number[] = [];
    const p99s: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      await db.delete(reservations);
      await db.delete(placementDecisions);
      invalidatePlacementView();
      const times: number[] = [];
      let next = 0;
      let placed = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: CALLERS }, async () => {
          while (next < requests.length) {
            const request = requests[next++]!;
            const t0 = performance.now();
            const result = await placeAndReserve(db, randomUUID(), request);
            times.push(performance.now() - t0);
            if (result.placed) placed++;
          }
        }),
      );
      rates.push(placed / ((performance.now() - started) / 1000));
      p50s.push(percentile(times, 50));
      p99s.push(percentile(times, 99));
    }
    return [
      { key: "committed_placements_per_s", value: round(median(rates), 0), unit: "placements/s", better: "higher", target: 300 },
      { key: "committed_p50_ms", value: round(median(p50s), 2), unit: "ms", better: "lower" },
      { key: "committed_p99_ms", value: round(median(p99s), 2), unit: "ms", better: "lower" },
    ];
  } finally {
    await env.cleanup();
  }
}

export default async function run(): Promise<BenchmarkResult> {
  const engine = await runEngineBenchmark();
  const committed = await runCommitted();
  return { metrics: [...engine, ...committed] };
}
