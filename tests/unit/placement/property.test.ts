// Property test with a seeded PRNG: 2,000 random instances on a random fleet never overcommit a node or break a rule.
import { describe, expect, it } from "vitest";
import {
  applyPlacement,
  placeFirstFit,
  placeInstance,
  releasePlacement,
  type AntiAffinity,
  type CandidateCluster,
  type PlacementRequest,
  type PlacementStrategy,
  type Taint,
} from "@/server/placement";
import { cluster, node, prng } from "./fixtures";

const REGIONS = ["r1", "r2", "r3"];

function randomFleet(random: () => number): CandidateCluster[] {
  const pick = <T,>(list: T[]) => list[Math.floor(random() * list.length)]!;
  return Array.from({ length: 12 }, (_, c) => {
    const zones = 1 + Math.floor(random() * 3);
    const nodes = Array.from({ length: 3 + Math.floor(random() * 10) }, (_, n) => {
      const cpu = pick([2000, 4000, 8000, 16000]);
      const mem = pick([4096, 8192, 32768, 65536]);
      const pods = pick([8, 30, 110]);
      const taints: Taint[] = random() < 0.1 ? [{ key: "dedicated", value: "batch", effect: random() < 0.5 ? "NoSchedule" : "NoExecute" }] : [];
      return node(`c${c}-n${n}`, {
        cpu,
        mem,
        pods,
        usedCpu: Math.floor(random() * cpu * 0.5),
        usedMem: Math.floor(random() * mem * 0.5),
        usedPods: Math.floor(random() * pods * 0.5),
        zone: random() < 0.05 ? "" : `z${n % zones}`,
        ready: random() > 0.05,
        taints,
      });
    });
    const r = random();
    return cluster(`c${c}`, nodes, {
      region: pick(REGIONS),
      status: r < 0.7 ? "healthy" : r < 0.85 ? "degraded" : "unreachable",
      cordoned: random() < 0.1,
    });
  });
}

function randomRequest(random: () => number): PlacementRequest {
  const pick = <T,>(list: T[]) => list[Math.floor(random() * list.length)]!;
  const regionRoll = random();
  return {
    cpuMillis: pick([50, 100, 250, 500, 1000, 2000, 4000]),
    memoryMb: pick([64, 128, 512, 1024, 4096, 16384]),
    storageGb: 1,
    replicas: 1 + Math.floor(random() * 4),
    antiAffinity: pick<AntiAffinity>(["none", "none", "node", "zone"]),
    strategy: pick<PlacementStrategy>(["best_fit", "best_fit", "spread"]),
    ...(regionRoll < 0.3 ? { region: pick(REGIONS) } : regionRoll < 0.4 ? { region: [pick(REGIONS), pick(REGIONS)] } : {}),
    ...(random() < 0.2 ? { tolerations: [{ key: "dedicated", operator: "Exists" as const }] } : {}),
  };
}

describe("placement invariants (seeded random fleet)", () => {
  it("places 2,000 random instances with churn and never exceeds any node's allocatable", () => {
    const random = prng(42);
    let fleet = randomFleet(random);
    // Nodes start at most half used, so every node must stay within its allocatable throughout.
    const placed: { request: PlacementRequest; clusterId: string; nodes: string[] }[] = [];
    let ok = 0;
    let failed = 0;
    for (let k = 0; k < 2000; k++) {
      const request = randomRequest(random);
      const roll = random();
      const decision = roll < 0.15 ? placeFirstFit(request, fleet) : placeInstance(request, fleet, { explain: roll < 0.6 });
      // Best fit and first fit are both exact per cluster: they agree on whether the instance fits at all.
      expect(placeFirstFit(request, fleet, { explain: false }).ok).toBe(decision.ok);
      if (!decision.ok) {
        failed++;
        expect(decision.candidates).toHaveLength(fleet.length);
        expect(decision.candidates.every((c) => c.verdict === "rejected" && c.reason)).toBe(true);
        for (const v of Object.values(decision.shortfall)) expect(v).toBeGreaterThanOrEqual(0);
        continue;
      }
      ok++;
      const target = fleet.find((c) => c.id === decision.clusterId)!;
      expect(target.cordoned).toBe(false);
      expect(target.status).not.toBe("unreachable");
      if (request.region !== undefined) expect([request.region].flat()).toContain(target.region);
      expect(decision.nodes).toHaveLength(request.replicas);
      const nodes = decision.nodes.map((name) => target.nodes.find((n) => n.name === name)!);
      for (const n of nodes) {
        expect(n.ready).toBe(true);
        if (!request.tolerations) expect(n.taints.filter((t) => t.effect !== "PreferNoSchedule")).toEqual([]);
      }
      if (request.antiAffinity === "node") expect(new Set(decision.nodes).size).toBe(request.replicas);
      if (request.antiAffinity === "zone") {
        expect(new Set(nodes.map((n) => n.zone)).size).toBe(request.replicas);
        expect(nodes.every((n) => n.zone !== "")).toBe(true);
      }
      fleet = applyPlacement(fleet, decision, request);
      placed.push({ request, clusterId: decision.clusterId, nodes: decision.nodes });
      // Churn: now and then an instance is deleted and its capacity freed.
      if (random() < 0.1) {
        const gone = placed.splice(Math.floor(random() * placed.length), 1)[0]!;
        fleet = releasePlacement(fleet, gone, gone.request);
      }
      for (const c of fleet) {
        for (const n of c.nodes) {
          expect(n.used.cpuMillis).toBeLessThanOrEqual(n.allocatable.cpuMillis);
          expect(n.used.memoryMb).toBeLessThanOrEqual(n.allocatable.memoryMb);
          expect(n.used.pods).toBeLessThanOrEqual(n.allocatable.pods);
        }
      }
    }
    // The fleet gets full: both outcomes are exercised.
    expect(ok).toBeGreaterThan(200);
    expect(failed).toBeGreaterThan(200);
  });
});
