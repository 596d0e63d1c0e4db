// Cluster choice: best fit (least stranded capacity, L2 norm of normalised leftovers) vs spread (emptiest), with tie-breaks.
import { describe, expect, it } from "vitest";
import { placeInstance } from "@/server/placement";
import { cluster, freeNode, request } from "./fixtures";

describe("best fit", () => {
  it("counts an imbalanced leftover as stranded: it prefers leaving some of both over lots of memory and no cpu", () => {
    // Request 1000m / 1024 MiB on 8000m / 8192 MiB nodes.
    // balanced leaves (1000m, 1024 MiB) = (0.125, 0.125): stranded 0.125·√2/√2 = 0.125, score 0.875.
    // lopsided leaves (0m, 7168 MiB) = (0, 0.875): stranded 0.875/√2 = 0.6187, score 0.3813 — less cpu left, but 7 GiB stranded.
    const balanced = cluster("balanced", [freeNode("b1", 2000, 2048, { cpu: 8000 })]);
    const lopsided = cluster("lopsided", [freeNode("l1", 1000, 8192, { cpu: 8000 })]);
    const decision = placeInstance(request({ cpuMillis: 1000, memoryMb: 1024 }), [lopsided, balanced]);
    expect(decision).toMatchObject({ ok: true, clusterId: "balanced", score: 0.875 });
    if (!decision.ok) return;
    expect(decision.candidates).toEqual([
      { clusterId: "lopsided", name: "lopsided", verdict: "eligible", score: 0.3813 },
      { clusterId: "balanced", name: "balanced", verdict: "chosen", score: 0.875 },
    ]);
  });

  it("packs into the busy cluster and leaves the idle one empty; spread does the opposite", () => {
    // On 4000m / 8192 MiB nodes, request 500m / 512 MiB.
    // best fit: busy-1 leaves (0.125, 0.1875), norm 0.2253, score 1 − 0.2253/√2 = 0.8407;
    //           an idle node leaves (0.875, 0.9375), norm 1.2824, score 0.0932.
    // spread: busy's mean free fraction after = (1.0 − 0.1875) / 4 = 0.2031; idle's = (4 − 0.1875) / 4 = 0.9531.
    const busy = cluster("busy", [freeNode("busy-1", 1000, 2048), freeNode("busy-2", 1000, 2048)]);
    const idle = cluster("idle", [freeNode("idle-1", 4000, 8192), freeNode("idle-2", 4000, 8192)]);
    const bestFit = placeInstance(request(), [idle, busy]);
    expect(bestFit).toMatchObject({ ok: true, clusterId: "busy", nodes: ["busy-1"], score: 0.8407 });
    if (bestFit.ok) expect(bestFit.candidates[0]).toMatchObject({ verdict: "eligible", score: 0.0932 });

    const spread = placeInstance(request({ strategy: "spread" }), [busy, idle]);
    expect(spread).toMatchObject({ ok: true, clusterId: "idle", nodes: ["idle-1"], score: 0.9531 });
    if (spread.ok) expect(spread.candidates[0]).toMatchObject({ verdict: "eligible", score: 0.2031 });
  });

  it("within a cluster best fit stacks on the tightest node, spread takes the emptiest", () => {
    const c = cluster("c", [freeNode("n1", 4000, 8192), freeNode("n2", 4000, 8192)]);
    expect(placeInstance(request({ replicas: 2 }), [c])).toMatchObject({ ok: true, nodes: ["n1", "n1"] });
    expect(placeInstance(request({ replicas: 2, strategy: "spread" }), [c])).toMatchObject({ ok: true, nodes: ["n1", "n2"] });
  });

  it("breaks a tie on score by the fuller cluster, then by name", () => {
    // Both place on an identical node with the same leftover; "fuller" has no other free capacity.
    const roomier = cluster("roomier", [freeNode("r1", 1000, 2048), freeNode("r2", 4000, 8192)]);
    const fuller = cluster("fuller", [freeNode("f1", 1000, 2048), freeNode("f2", 0, 0)]);
    expect(placeInstance(request(), [roomier, fuller])).toMatchObject({ ok: true, clusterId: "fuller" });

    const b = cluster("b", [freeNode("n1", 4000, 8192)]);
    const a = cluster("a", [freeNode("n1", 4000, 8192)]);
    expect(placeInstance(request(), [b, a])).toMatchObject({ ok: true, clusterId: "a" });
    expect(placeInstance(request({ strategy: "spread" }), [b, a])).toMatchObject({ ok: true, clusterId: "a" });
  });

  it("is deterministic: the same input gives the same decision in any cluster order", () => {
    const clusters = ["c", "a", "d", "b"].map((id) => cluster(id, [freeNode(`${id}-1`, 3000, 4096), freeNode(`${id}-2`, 3000, 4096)]));
    const forward = placeInstance(request({ replicas: 2, antiAffinity: "node" }), clusters);
    const backward = placeInstance(request({ replicas: 2, antiAffinity: "node" }), [...clusters].reverse());
    expect(forward).toMatchObject({ ok: true, clusterId: "a", nodes: ["a-1", "a-2"] });
    expect(backward).toMatchObject({ ok: true, clusterId: "a", nodes: ["a-1", "a-2"] });
  });
});
