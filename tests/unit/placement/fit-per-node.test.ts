// Fit is judged per node: free cpu, memory and a pod slot on one Ready, untainted node, never on cluster totals.
import { describe, expect, it } from "vitest";
import { placeInstance } from "@/server/placement";
import { cluster, freeNode, node, request } from "./fixtures";

/** 10 nodes with 1000m / 2048 MiB free each: 10 cpus free in total, but never 2 on one node. */
const fragmented = cluster(
  "frag",
  Array.from({ length: 10 }, (_, i) => freeNode(`frag-n${String(i).padStart(2, "0")}`, 1000, 2048)),
);
const big = cluster("big", [freeNode("big-n1", 2500, 4096)]);

describe("fit per node", () => {
  it("a big pod goes to the cluster with one big free node, not to the one with many small fragments", () => {
    const decision = placeInstance(request({ cpuMillis: 2000, memoryMb: 1024 }), [fragmented, big]);
    expect(decision.ok).toBe(true);
    if (!decision.ok) return;
    expect(decision.clusterId).toBe("big");
    expect(decision.nodes).toEqual(["big-n1"]);
    expect(decision.candidates[0]).toEqual({
      clusterId: "frag",
      name: "frag",
      verdict: "rejected",
      reason: "no node fits the replica: needs 2000m cpu and 1024 MiB per replica; closest node frag-n00 has 1000m cpu, 2048 MiB and 110 pod slots free",
    });
    expect(decision.candidates[1]).toMatchObject({ clusterId: "big", verdict: "chosen" });
  });

  it("fragmented capacity alone cannot host the big pod, whatever its total", () => {
    const decision = placeInstance(request({ cpuMillis: 2000, memoryMb: 1024 }), [fragmented]);
    expect(decision.ok).toBe(false);
    if (decision.ok) return;
    // The closest node lacks 1000m cpu and nothing else.
    expect(decision.shortfall).toEqual({ cpuMillis: 1000, memoryMb: 0, pods: 0 });
  });

  it("needs the memory on the same node as the cpu", () => {
    const c = cluster("c", [freeNode("cpu-rich", 4000, 256), freeNode("mem-rich", 100, 8192)]);
    const decision = placeInstance(request({ cpuMillis: 1000, memoryMb: 1024 }), [c]);
    expect(decision.ok).toBe(false);
    if (decision.ok) return;
    // cpu-rich lacks 768 MiB (0.75 of the replica), mem-rich lacks 900m (0.9): cpu-rich is closer.
    expect(decision.shortfall).toEqual({ cpuMillis: 0, memoryMb: 768, pods: 0 });
    expect(decision.candidates[0]!.reason).toContain("closest node cpu-rich has 4000m cpu, 256 MiB and 110 pod slots free");
  });

  it("needs a free pod slot", () => {
    const c = cluster("c", [node("full-pods", { pods: 110, usedPods: 110 })]);
    const decision = placeInstance(request(), [c]);
    expect(decision.ok).toBe(false);
    if (decision.ok) return;
    expect(decision.shortfall).toEqual({ cpuMillis: 0, memoryMb: 0, pods: 1 });
    expect(decision.candidates[0]!.reason).toContain("0 pod slots free");
  });

  it("ignores nodes that are not Ready and says so", () => {
    const c = cluster("c", [node("down", { ready: false }), freeNode("full", 0, 0)]);
    const decision = placeInstance(request(), [c]);
    expect(decision.ok).toBe(false);
    if (decision.ok) return;
    expect(decision.candidates[0]!.reason).toBe(
      "no node fits the replica: needs 500m cpu and 512 MiB per replica; closest node full has 0m cpu, 0 MiB and 110 pod slots free (1 node not ready)",
    );
  });

  it("treats an overcommitted node (used above allocatable) as full", () => {
    const c = cluster("c", [node("over", { usedCpu: 5000 }), freeNode("ok", 600, 600)]);
    const decision = placeInstance(request(), [c]);
    expect(decision).toMatchObject({ ok: true, nodes: ["ok"] });
  });

  it("without anti-affinity stacks replicas on one node when it has room for all", () => {
    const c = cluster("c", [freeNode("n1", 4000, 8192)]);
    const decision = placeInstance(request({ cpuMillis: 1000, replicas: 3 }), [c]);
    expect(decision).toMatchObject({ ok: true, nodes: ["n1", "n1", "n1"] });
  });

  it("fills replica by replica, each on the tightest node that still has room", () => {
    // Replica 1: n1 leaves (500m, 7680 MiB) free, n2 (3000m, 7680 MiB): n1. Replica 2: n1 has 500m left, so n2.
    const c = cluster("c", [freeNode("n2", 4000, 8192), freeNode("n1", 1500, 8192)]);
    const decision = placeInstance(request({ cpuMillis: 1000, memoryMb: 512, replicas: 2 }), [c]);
    expect(decision).toMatchObject({ ok: true, nodes: ["n1", "n2"] });
  });

  it("rejects invalid requests", () => {
    expect(() => placeInstance(request({ replicas: 0 }), [])).toThrow(RangeError);
    expect(() => placeInstance(request({ cpuMillis: -1 }), [])).toThrow(/cpuMillis/);
    expect(() => placeInstance(request({ memoryMb: Number.NaN }), [])).toThrow(/memoryMb/);
  });
});
