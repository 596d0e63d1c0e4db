// What-if: can N instances fit, and how many nodes of a shape are missing if not.
import { describe, expect, it } from "vitest";
import { VIRTUAL_CLUSTER_ID, whatIf } from "@/server/placement";
import { cluster, freeNode, request } from "./fixtures";

const shape = { cpuMillis: 4000, memoryMb: 8192, pods: 110 };
// Two empty 4000m / 8192 MiB nodes: 1000m / 1024 MiB instances are cpu-bound at 4 per node, 8 in all.
const fleet = [cluster("c", [freeNode("n1", 4000, 8192), freeNode("n2", 4000, 8192)])];
const small = request({ cpuMillis: 1000, memoryMb: 1024 });

describe("whatIf", () => {
  it("answers yes when all fit", () => {
    expect(whatIf({ request: small, count: 8, clusters: fleet, nodeShape: shape })).toEqual({ count: 8, fits: true, placed: 8, missingNodes: 0, additions: [] });
  });

  it("says how many fit and why the next is pending; without a shape it cannot count missing nodes", () => {
    const result = whatIf({ request: small, count: 10, clusters: fleet });
    expect(result).toMatchObject({ count: 10, fits: false, placed: 8, missingNodes: null });
    expect(result.pending?.reason).toMatch(/^no cluster has room for 1 × 1000m cpu and 1024 MiB; closest is c: no node fits the replica/);
    expect(result.pending?.shortfall).toEqual({ cpuMillis: 1000, memoryMb: 0, pods: 0 });
  });

  it("counts the missing nodes of a shape, added to the existing cluster", () => {
    // 2 more instances need 1 node (it holds 4); 5 more need 2.
    expect(whatIf({ request: small, count: 10, clusters: fleet, nodeShape: shape })).toMatchObject({
      fits: false,
      placed: 8,
      missingNodes: 1,
      additions: [{ clusterId: "c", name: "c", virtual: false, nodes: 1 }],
    });
    expect(whatIf({ request: small, count: 13, clusters: fleet, nodeShape: shape })).toMatchObject({ missingNodes: 2 });
  });

  it("adds distinct nodes for node anti-affinity", () => {
    const ha = request({ cpuMillis: 1000, memoryMb: 1024, replicas: 3, antiAffinity: "node" });
    // 1st instance: 2 nodes exist, 1 more needed; then 3 nodes hold 4 instances; the 5th needs 3 fresh nodes: 4 in all.
    expect(whatIf({ request: ha, count: 2, clusters: fleet, nodeShape: shape })).toMatchObject({ placed: 0, missingNodes: 1 });
    expect(whatIf({ request: ha, count: 5, clusters: fleet, nodeShape: shape })).toMatchObject({ placed: 0, missingNodes: 4 });
  });

  it("simulates a new cluster when no existing one can grow into a fit", () => {
    const twoZones = [cluster("c", [freeNode("a1", 4000, 8192, { zone: "a" }), freeNode("b1", 4000, 8192, { zone: "b" })])];
    const ha = request({ cpuMillis: 1000, memoryMb: 1024, replicas: 3, antiAffinity: "zone" });
    expect(whatIf({ request: ha, count: 1, clusters: twoZones, nodeShape: shape })).toMatchObject({
      placed: 0,
      missingNodes: 3,
      additions: [{ clusterId: VIRTUAL_CLUSTER_ID, name: "new cluster", virtual: true, nodes: 3 }],
    });
    const cordoned = [cluster("c", [freeNode("n1", 4000, 8192)], { cordoned: true })];
    expect(whatIf({ request: small, count: 6, clusters: cordoned, nodeShape: shape })).toMatchObject({
      missingNodes: 2,
      additions: [{ clusterId: VIRTUAL_CLUSTER_ID, virtual: true, nodes: 2 }],
    });
  });

  it("refuses a shape that cannot hold one replica, and counts of 0", () => {
    const result = whatIf({ request: small, count: 10, clusters: fleet, nodeShape: { cpuMillis: 500, memoryMb: 8192, pods: 110 } });
    expect(result).toMatchObject({ missingNodes: null, note: "a node of 500m cpu, 8192 MiB and 110 pods cannot hold one replica (1000m cpu, 1024 MiB)" });
    expect(whatIf({ request: small, count: 0, clusters: [] })).toMatchObject({ fits: true, placed: 0, missingNodes: 0 });
    expect(() => whatIf({ request: small, count: -1, clusters: [] })).toThrow(RangeError);
  });

  it("gives up at the bound on added nodes", () => {
    const result = whatIf({ request: small, count: 100, clusters: fleet, nodeShape: shape, maxAddedNodes: 3 });
    expect(result).toMatchObject({ missingNodes: null, note: "gave up after adding 3 nodes with 80 instances still pending" });
  });
});
