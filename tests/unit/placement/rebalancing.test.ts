// Rebalancing proposals: move stateless instances off the least-used nodes when all of them fit elsewhere.
import { describe, expect, it } from "vitest";
import { proposeRebalancing, type CandidateCluster, type InstancePlacement } from "@/server/placement";
import { cluster, node, request } from "./fixtures";

type Spec = { id: string; cluster: string; nodes: string[]; cpu: number; mem: number; stateless?: boolean; region?: string };

/** A fleet of empty 4000m / 8192 MiB nodes whose `used` counts the given placements. */
function fleetWith(layout: Record<string, { nodes: string[]; region?: string; cordoned?: boolean }>, specs: Spec[]) {
  const placements: InstancePlacement[] = specs.map((s) => ({
    instanceId: s.id,
    clusterId: s.cluster,
    nodes: s.nodes,
    request: request({ cpuMillis: s.cpu, memoryMb: s.mem, replicas: s.nodes.length, antiAffinity: s.nodes.length > 1 ? "node" : "none", region: s.region }),
    stateless: s.stateless ?? true,
  }));
  const clusters: CandidateCluster[] = Object.entries(layout).map(([id, c]) =>
    cluster(
      id,
      c.nodes.map((name) => {
        const here = specs.filter((s) => s.cluster === id && s.nodes.includes(name));
        return node(name, {
          usedCpu: here.reduce((t, s) => t + s.cpu, 0),
          usedMem: here.reduce((t, s) => t + s.mem, 0),
          usedPods: here.length,
        });
      }),
      { region: c.region ?? "us-east-1", cordoned: c.cordoned ?? false },
    ),
  );
  return { clusters, placements };
}

describe("proposeRebalancing", () => {
  it("empties the least-used nodes it can, skips nodes with stateful instances or no room elsewhere", () => {
    // Utilisation (mean of cpu and memory): a1 0.094, b1 0.1875 (stateful), b2 0.25, a2 0.5.
    const { clusters, placements } = fleetWith({ A: { nodes: ["a1", "a2"] }, B: { nodes: ["b1", "b2"] } }, [
      { id: "s1", cluster: "A", nodes: ["a1"], cpu: 500, mem: 512 },
      { id: "s2", cluster: "A", nodes: ["a2"], cpu: 2000, mem: 4096 },
      { id: "db1", cluster: "B", nodes: ["b1"], cpu: 1000, mem: 1024, stateless: false },
      { id: "s3", cluster: "B", nodes: ["b2"], cpu: 1000, mem: 2048 },
    ]);
    const proposal = proposeRebalancing(clusters, placements);
    // s1 → a2 (tightest fit: leaves 1500m / 3584 MiB), then s3 → a2 too (leaves 500m / 1536 MiB).
    expect(proposal.moves).toEqual([
      { instanceId: "s1", fromClusterId: "A", toClusterId: "A", toNodes: ["a2"], frees: { node: "a1", cluster: "A" } },
      { instanceId: "s3", fromClusterId: "B", toClusterId: "A", toNodes: ["a2"], frees: { node: "b2", cluster: "B" } },
    ]);
    expect(proposal.freedNodes).toEqual([
      { cluster: "A", node: "a1" },
      { cluster: "B", node: "b2" },
    ]);
    expect(proposal.emptiedClusters).toEqual([]);
    expect(proposal.skipped).toEqual([
      { cluster: "B", node: "b1", reason: "hosts stateful instance db1" },
      // a2 (0.5) would need s2, s3 and s1 on b1 alone (3000m free): s2 and s3 take it all, s1 is left without cpu.
      {
        cluster: "A",
        node: "a2",
        reason:
          "instance s1 fits nowhere else (nodes being emptied count as not ready): no cluster has room for 1 × 500m cpu and 512 MiB; " +
          "closest is B: no node fits the replica: needs 500m cpu and 512 MiB per replica; closest node b1 has 0m cpu, 1024 MiB and 107 pod slots free (1 node not ready)",
      },
    ]);
  });

  it("moves a whole multi-replica instance and reports the cluster it empties", () => {
    const { clusters, placements } = fleetWith({ A: { nodes: ["a1", "a2"] }, B: { nodes: ["b1", "b2"] } }, [
      { id: "m1", cluster: "A", nodes: ["a1", "a2"], cpu: 500, mem: 512 },
      { id: "s9", cluster: "B", nodes: ["b1", "b2"], cpu: 1000, mem: 2048 },
    ]);
    const proposal = proposeRebalancing(clusters, placements);
    expect(proposal.moves).toEqual([{ instanceId: "m1", fromClusterId: "A", toClusterId: "B", toNodes: ["b1", "b2"], frees: { node: "a1", cluster: "A" } }]);
    // a2 is emptied as a side effect of moving m1.
    expect(proposal.freedNodes).toEqual([
      { cluster: "A", node: "a1" },
      { cluster: "A", node: "a2" },
    ]);
    expect(proposal.emptiedClusters).toEqual(["A"]);
  });

  it("respects the instance's region and cordoned targets", () => {
    const { clusters, placements } = fleetWith({ A: { nodes: ["a1"] }, B: { nodes: ["b1"], region: "eu-west-1" }, C: { nodes: ["c1"], cordoned: true } }, [
      { id: "s1", cluster: "A", nodes: ["a1"], cpu: 500, mem: 512, region: "us-east-1" },
      { id: "s2", cluster: "B", nodes: ["b1"], cpu: 1000, mem: 1024 },
    ]);
    const proposal = proposeRebalancing(clusters, placements);
    // s1 may only run in us-east-1 (A) and C is cordoned, so a1 stays; s2 (any region) can leave B for A.
    expect(proposal.skipped).toEqual([
      {
        cluster: "A",
        node: "a1",
        reason:
          "instance s1 fits nowhere else (nodes being emptied count as not ready): no cluster has room for 1 × 500m cpu and 512 MiB; closest is A: no schedulable node (1 node not ready)",
      },
    ]);
    expect(proposal.moves).toEqual([{ instanceId: "s2", fromClusterId: "B", toClusterId: "A", toNodes: ["a1"], frees: { node: "b1", cluster: "B" } }]);
    expect(proposal.emptiedClusters).toEqual(["B"]);
  });

  it("proposes nothing above the utilisation threshold or beyond the move budget", () => {
    const { clusters, placements } = fleetWith({ A: { nodes: ["a1", "a2"] } }, [
      { id: "s1", cluster: "A", nodes: ["a1"], cpu: 500, mem: 512 },
      { id: "s2", cluster: "A", nodes: ["a2"], cpu: 1000, mem: 1024 },
    ]);
    expect(proposeRebalancing(clusters, placements, { maxUtilisation: 0.05 }).moves).toEqual([]);
    expect(proposeRebalancing(clusters, placements, { maxMoves: 0 }).skipped.map((s) => s.reason)).toEqual(["would exceed 0 moves", "would exceed 0 moves"]);
    expect(proposeRebalancing(clusters, placements).moves).toEqual([
      { instanceId: "s1", fromClusterId: "A", toClusterId: "A", toNodes: ["a2"], frees: { node: "a1", cluster: "A" } },
    ]);
  });
});
