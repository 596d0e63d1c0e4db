// Explanations: a report for every candidate, taints and tolerations, the pending reason and its shortfall per dimension.
import { describe, expect, it } from "vitest";
import { placeInstance } from "@/server/placement";
import { cluster, freeNode, request } from "./fixtures";

const gpuTaint = { key: "dedicated", value: "gpu", effect: "NoSchedule" as const };

describe("taints", () => {
  const tainted = cluster("c", [freeNode("t1", 4000, 8192, { taints: [gpuTaint] }), freeNode("full", 0, 0)]);

  it("never places on a NoSchedule node without a toleration, and names the taint", () => {
    const decision = placeInstance(request(), [tainted]);
    expect(decision.ok).toBe(false);
    if (decision.ok) return;
    expect(decision.candidates[0]!.reason).toBe(
      "no node fits the replica: needs 500m cpu and 512 MiB per replica; closest node full has 0m cpu, 0 MiB and 110 pod slots free (1 tainted (dedicated=gpu:NoSchedule))",
    );
  });

  it("places on the tainted node with a matching toleration", () => {
    for (const toleration of [
      { key: "dedicated", operator: "Equal" as const, value: "gpu", effect: "NoSchedule" as const },
      { key: "dedicated", operator: "Exists" as const },
      { operator: "Exists" as const },
    ]) {
      expect(placeInstance(request({ tolerations: [toleration] }), [tainted])).toMatchObject({ ok: true, nodes: ["t1"] });
    }
  });

  it("does not tolerate with a wrong value, key or effect", () => {
    for (const toleration of [
      { key: "dedicated", operator: "Equal" as const, value: "cpu" },
      { key: "other", operator: "Exists" as const },
      { key: "dedicated", operator: "Exists" as const, effect: "NoExecute" as const },
    ]) {
      expect(placeInstance(request({ tolerations: [toleration] }), [tainted]).ok).toBe(false);
    }
  });

  it("blocks on NoExecute, never on PreferNoSchedule", () => {
    const noExecute = cluster("x", [freeNode("n", 4000, 8192, { taints: [{ key: "k", effect: "NoExecute" }] })]);
    const prefer = cluster("p", [freeNode("n", 4000, 8192, { taints: [{ key: "k", effect: "PreferNoSchedule" }] })]);
    expect(placeInstance(request(), [noExecute])).toMatchObject({ ok: false, candidates: [{ reason: "no schedulable node (1 tainted (k:NoExecute))" }] });
    expect(placeInstance(request(), [prefer]).ok).toBe(true);
  });
});

describe("pending explanations", () => {
  // c1: no node has 500m for even one replica. c2: two of three distinct nodes fit; n3 lacks 300m cpu.
  const c1 = cluster("c1", [freeNode("x1", 400, 8192), freeNode("x2", 400, 8192), freeNode("x3", 400, 8192)]);
  const c2 = cluster("c2", [freeNode("n1", 1000, 4096), freeNode("n2", 600, 1024), freeNode("n3", 200, 4096)]);
  const cordoned = cluster("c3", [freeNode("y1", 4000, 8192)], { cordoned: true });
  const ha = request({ cpuMillis: 500, memoryMb: 512, replicas: 3, antiAffinity: "node" });

  it("explains every candidate in input order and picks the closest one for the shortfall", () => {
    const decision = placeInstance(ha, [c1, c2, cordoned]);
    expect(decision.ok).toBe(false);
    if (decision.ok) return;
    expect(decision.candidates).toEqual([
      {
        clusterId: "c1",
        name: "c1",
        verdict: "rejected",
        reason: "no node fits a replica (3 needed on distinct nodes): needs 500m cpu and 512 MiB per replica; closest node x1 has 400m cpu, 8192 MiB and 110 pod slots free",
      },
      {
        clusterId: "c2",
        name: "c2",
        verdict: "rejected",
        reason: "only 2 of 3 replicas fit on distinct nodes: needs 500m cpu and 512 MiB per replica; closest node n3 has 200m cpu, 4096 MiB and 110 pod slots free",
      },
      { clusterId: "c3", name: "c3", verdict: "rejected", reason: "cordoned" },
    ]);
    // c2 places 2 of 3 replicas, c1 none: c2 is closest; its missing replica lacks 300m cpu on n3.
    expect(decision.shortfall).toEqual({ cpuMillis: 300, memoryMb: 0, pods: 0 });
    expect(decision.reason).toBe(`no cluster has room for 3 × 500m cpu and 512 MiB; closest is c2: ${decision.candidates[1]!.reason}`);
  });

  it("sums the shortfall of every missing replica over distinct closest nodes", () => {
    const decision = placeInstance(ha, [c1]);
    expect(decision.ok).toBe(false);
    if (decision.ok) return;
    // Three replicas, three nodes each 100m short.
    expect(decision.shortfall).toEqual({ cpuMillis: 300, memoryMb: 0, pods: 0 });
  });

  it("still explains failures with { explain: false }, but skips reports on success", () => {
    const failed = placeInstance(ha, [c1, c2, cordoned], { explain: false });
    expect(failed).toMatchObject({ ok: false, shortfall: { cpuMillis: 300, memoryMb: 0, pods: 0 } });
    expect(failed.candidates).toHaveLength(3);
    const placed = placeInstance(ha, [c1, c2, cluster("c4", [freeNode("a", 4000, 8192), freeNode("b", 4000, 8192), freeNode("c", 4000, 8192)])], { explain: false });
    expect(placed).toMatchObject({ ok: true, clusterId: "c4", candidates: [] });
  });
});
