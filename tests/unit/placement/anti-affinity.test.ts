// Anti-affinity: replicas on distinct nodes, or in distinct zones for HA plans.
import { describe, expect, it } from "vitest";
import { placeInstance } from "@/server/placement";
import { cluster, freeNode, request } from "./fixtures";

describe("node anti-affinity", () => {
  it("puts each replica on a distinct node", () => {
    const c = cluster("c", [freeNode("n1", 4000, 8192), freeNode("n2", 4000, 8192), freeNode("n3", 4000, 8192)]);
    const decision = placeInstance(request({ cpuMillis: 1000, replicas: 3, antiAffinity: "node" }), [c]);
    expect(decision.ok).toBe(true);
    if (!decision.ok) return;
    expect(new Set(decision.nodes).size).toBe(3);
  });

  it("rejects a cluster with one big node for three replicas, though it has room for all of them", () => {
    const oneBig = cluster("one-big", [freeNode("big", 4000, 8192)]);
    const decision = placeInstance(request({ cpuMillis: 1000, replicas: 3, antiAffinity: "node" }), [oneBig]);
    expect(decision.ok).toBe(false);
    if (decision.ok) return;
    expect(decision.candidates[0]!.reason).toBe("only 1 schedulable node for 3 replicas that need distinct nodes");
    // Two replicas have no node left at all: each lacks a whole replica.
    expect(decision.shortfall).toEqual({ cpuMillis: 2000, memoryMb: 1024, pods: 2 });
  });

  it("explains how many replicas fit on distinct nodes and what the closest other node lacks", () => {
    const c = cluster("c", [freeNode("n1", 1000, 4096), freeNode("n2", 600, 1024), freeNode("n3", 200, 4096)]);
    const decision = placeInstance(request({ cpuMillis: 500, memoryMb: 512, replicas: 3, antiAffinity: "node" }), [c]);
    expect(decision.ok).toBe(false);
    if (decision.ok) return;
    expect(decision.candidates[0]!.reason).toBe(
      "only 2 of 3 replicas fit on distinct nodes: needs 500m cpu and 512 MiB per replica; closest node n3 has 200m cpu, 4096 MiB and 110 pod slots free",
    );
    expect(decision.shortfall).toEqual({ cpuMillis: 300, memoryMb: 0, pods: 0 });
  });
});

describe("zone anti-affinity", () => {
  const twoZones = cluster("two-zones", [
    freeNode("a1", 4000, 8192, { zone: "a" }),
    freeNode("a2", 4000, 8192, { zone: "a" }),
    freeNode("b1", 4000, 8192, { zone: "b" }),
    freeNode("b2", 4000, 8192, { zone: "b" }),
  ]);
  const threeZones = cluster("three-zones", [
    freeNode("a1", 1000, 8192, { zone: "a" }),
    freeNode("a2", 3000, 8192, { zone: "a" }),
    freeNode("b1", 4000, 8192, { zone: "b" }),
    freeNode("c1", 4000, 8192, { zone: "c" }),
  ]);
  const ha = request({ cpuMillis: 1000, memoryMb: 1024, replicas: 3, antiAffinity: "zone" });

  it("needs as many zones as replicas", () => {
    const decision = placeInstance(ha, [twoZones, threeZones]);
    expect(decision.ok).toBe(true);
    if (!decision.ok) return;
    expect(decision.clusterId).toBe("three-zones");
    expect(decision.candidates[0]).toEqual({
      clusterId: "two-zones",
      name: "two-zones",
      verdict: "rejected",
      reason: "only 2 zones with schedulable nodes for 3 replicas that need distinct zones",
    });
    // One replica per zone; in zone a best fit takes a1 (it leaves 0m free rather than 2000m).
    expect([...decision.nodes].sort()).toEqual(["a1", "b1", "c1"]);
  });

  it("node anti-affinity alone is satisfied by two zones", () => {
    const decision = placeInstance({ ...ha, antiAffinity: "node" }, [twoZones]);
    expect(decision.ok).toBe(true);
  });

  it("never uses nodes without a zone for zone anti-affinity", () => {
    const c = cluster("c", [freeNode("a1", 4000, 8192, { zone: "a" }), freeNode("b1", 4000, 8192, { zone: "b" }), freeNode("x", 4000, 8192, { zone: "" })]);
    const decision = placeInstance(ha, [c]);
    expect(decision.ok).toBe(false);
    if (decision.ok) return;
    expect(decision.candidates[0]!.reason).toBe("only 2 zones with schedulable nodes for 3 replicas that need distinct zones (1 without a zone)");
  });
});
