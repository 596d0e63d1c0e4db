// Many workers placing at once onto tight capacity: reservations under the cluster lock never overcommit a node.
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db/client";
import { clusterNodes, clusters, placementDecisions, reservations } from "@/db/schema";
import { invalidatePlacementView, placeAndReserve, releaseReservations, type ReservedPlacement } from "@/server/placement/reserve-placement";
import type { PlacementRequest } from "@/server/placement/types";

const request = (cpuMillis: number, memoryMb: number, replicas = 1): PlacementRequest => ({
  cpuMillis,
  memoryMb,
  storageGb: 0,
  replicas,
  antiAffinity: replicas > 1 ? "node" : "none",
  strategy: "best_fit",
});

async function addCluster(name: string, region: string, nodes: number, cpu: number, memoryMb: number, foreignCpu = 0) {
  const db = getDb();
  const [c] = await db
    .insert(clusters)
    .values({ name, region, kubeconfigEncrypted: "unused", serverUrl: "http://127.0.0.1:1", status: "healthy" })
    .returning({ id: clusters.id });
  await db.insert(clusterNodes).values(
    Array.from({ length: nodes }, (_, i) => ({
      clusterId: c!.id,
      name: `${name}-n${i}`,
      zone: `${region}-${"abc"[i % 3]}`,
      allocatableCpuMillis: cpu,
      allocatableMemoryMb: memoryMb,
      allocatablePods: 110,
      foreignCpuMillis: foreignCpu,
      ready: true,
    })),
  );
  return c!.id;
}

beforeAll(async () => {
  // Room for exactly 2 × 4 × (2000 − 200) / 250 = 57 + … small replicas per node dimension; far fewer than 500 instances.
  await addCluster("tight-a", "eu-west-1", 4, 2000, 4096, 200);
  await addCluster("tight-b", "eu-west-1", 4, 2000, 4096);
  await addCluster("elsewhere", "us-east-1", 2, 64000, 262144);
  invalidatePlacementView();
});

describe("placeAndReserve under concurrency", () => {
  it("8 concurrent callers place 500 instances without overcommitting any node", async () => {
    const db = getDb();
    const shapes = [request(250, 256), request(500, 512), request(250, 1024, 2), request(1000, 512)];
    const subjects = Array.from({ length: 500 }, (_, i) => ({ id: randomUUID(), req: { ...shapes[i % shapes.length]!, region: "eu-west-1" } }));
    const results = new Map<string, ReservedPlacement>();
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < subjects.length) {
          const s = subjects[next++]!;
          results.set(s.id, await placeAndReserve(db, s.id, s.req));
        }
      }),
    );

    const perNode = await db.execute<{ name: string; cpu: number; mem: number; pods: number; acpu: number; amem: number; apods: number }>(sql`
      select n.name, n.foreign_cpu_millis + coalesce(sum(r.cpu_millis), 0)::int as cpu,
             n.foreign_memory_mb + coalesce(sum(r.memory_mb), 0)::int as mem,
             n.foreign_pods + count(r.id)::int as pods,
             n.allocatable_cpu_millis as acpu, n.allocatable_memory_mb as amem, n.allocatable_pods as apods
      from cluster_nodes n left join reservations r on r.cluster_id = n.cluster_id and r.node_name = n.name
      group by n.cluster_id, n.name`);
    for (const n of perNode.rows) {
      expect(n.cpu, n.name).toBeLessThanOrEqual(n.acpu);
      expect(n.mem, n.name).toBeLessThanOrEqual(n.amem);
      expect(n.pods, n.name).toBeLessThanOrEqual(n.apods);
    }

    const placed = subjects.filter((s) => results.get(s.id)?.placed);
    const pending = subjects.filter((s) => !results.get(s.id)?.placed);
    expect(placed.length).toBeGreaterThan(20);
    expect(pending.length).toBeGreaterThan(100);
    const expectedRows = placed.reduce((sum, s) => sum + s.req.replicas, 0);
    const [{ rows, subjects: distinct } = { rows: 0, subjects: 0 }] = (
      await db.execute<{ rows: number; subjects: number }>(sql`select count(*)::int as rows, count(distinct subject_id)::int as subjects from ${reservations}`)
    ).rows;
    expect(rows).toBe(expectedRows);
    expect(distinct).toBe(placed.length);
    // Nothing placed in the wrong region, and every pending one explains itself.
    const decisions = await db.select().from(placementDecisions);
    expect(decisions).toHaveLength(500);
    for (const d of decisions.filter((x) => !x.placed)) {
      expect(d.reason).toBeTruthy();
      expect(d.shortfall).toBeTruthy();
      expect(d.candidates.find((c) => c.name === "elsewhere")?.reason).toMatch(/region/);
    }
  });

  it("is idempotent per subject and releases capacity", async () => {
    const db = getDb();
    const id = randomUUID();
    const req = { ...request(100, 128), region: "us-east-1" };
    const first = await placeAndReserve(db, id, req);
    const again = await placeAndReserve(db, id, req);
    expect(first.placed && again.placed).toBe(true);
    if (first.placed && again.placed) {
      expect(again.alreadyPlaced).toBe(true);
      expect(again.nodes).toEqual(first.nodes);
    }
    expect(await releaseReservations(db, id)).toBe(1);
    expect(await releaseReservations(db, id)).toBe(0);
  });
});
