// Booking decisions onto candidates without I/O: used grows per replica, inputs stay untouched, release undoes it.
import { describe, expect, it } from "vitest";
import { applyPlacement, placeInstance, releasePlacement } from "@/server/placement";
import { cluster, freeNode, request } from "./fixtures";

describe("applyPlacement", () => {
  const fleet = [cluster("a", [freeNode("a1", 4000, 8192), freeNode("a2", 4000, 8192)]), cluster("b", [freeNode("b1", 1000, 1024)])];

  it("adds each replica's cpu, memory and pod slot to its node, leaving the input as it was", () => {
    const req = request({ cpuMillis: 1000, memoryMb: 1024, replicas: 2 });
    const decision = placeInstance(req, fleet);
    expect(decision).toMatchObject({ ok: true, clusterId: "a", nodes: ["a1", "a1"] });
    const after = applyPlacement(fleet, decision, req);
    expect(after[0]!.nodes[0]!.used).toEqual({ cpuMillis: 2000, memoryMb: 2048, pods: 2 });
    expect(after[0]!.nodes[1]).toBe(fleet[0]!.nodes[1]);
    expect(after[1]).toBe(fleet[1]);
    expect(fleet[0]!.nodes[0]!.used).toEqual({ cpuMillis: 0, memoryMb: 0, pods: 0 });
  });

  it("places many instances in sequence until the capacity is gone, never twice on the same room", () => {
    let state = fleet;
    const req = request({ cpuMillis: 1000, memoryMb: 1024 });
    let placed = 0;
    for (let i = 0; i < 20; i++) {
      const decision = placeInstance(req, state, { explain: false });
      if (!decision.ok) break;
      state = applyPlacement(state, decision, req);
      placed++;
    }
    // 4 + 4 on a1 and a2, 1 on b1.
    expect(placed).toBe(9);
  });

  it("returns the candidates unchanged for a failed decision and rejects unknown clusters or nodes", () => {
    const failed = placeInstance(request({ cpuMillis: 99_999 }), fleet);
    expect(applyPlacement(fleet, failed, request())).toEqual(fleet);
    expect(() => applyPlacement(fleet, { ok: true, clusterId: "nope", nodes: ["a1"], score: 1, candidates: [] }, request())).toThrow(/cluster nope/);
    expect(() => applyPlacement(fleet, { ok: true, clusterId: "a", nodes: ["zz"], score: 1, candidates: [] }, request())).toThrow(/node zz/);
  });

  it("releasePlacement undoes applyPlacement", () => {
    const req = request({ replicas: 2, antiAffinity: "node" });
    const decision = placeInstance(req, fleet);
    if (!decision.ok) throw new Error("expected a placement");
    const back = releasePlacement(applyPlacement(fleet, decision, req), decision, req);
    expect(back).toEqual(fleet);
  });
});
