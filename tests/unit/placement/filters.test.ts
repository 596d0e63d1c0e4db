// Cluster filters: region (one or a list), cordoned and unreachable clusters skipped, degraded ones only as a fallback.
import { describe, expect, it } from "vitest";
import { placeInstance } from "@/server/placement";
import { cluster, freeNode, request } from "./fixtures";

const roomy = () => [freeNode("n1", 4000, 8192)];

describe("region filter", () => {
  const clusters = [cluster("use", roomy(), { region: "us-east-1" }), cluster("euw", roomy(), { region: "eu-west-1" }), cluster("aps", roomy(), { region: "ap-south-1" })];

  it("accepts a single region", () => {
    const decision = placeInstance(request({ region: "eu-west-1" }), clusters);
    expect(decision).toMatchObject({ ok: true, clusterId: "euw" });
    if (!decision.ok) return;
    expect(decision.candidates.map((c) => [c.clusterId, c.verdict, c.reason])).toEqual([
      ["use", "rejected", "region us-east-1 not allowed (allowed: eu-west-1)"],
      ["euw", "chosen", undefined],
      ["aps", "rejected", "region ap-south-1 not allowed (allowed: eu-west-1)"],
    ]);
  });

  it("accepts a list of regions", () => {
    const decision = placeInstance(request({ region: ["ap-south-1", "eu-west-1"] }), clusters);
    expect(decision.ok).toBe(true);
    if (!decision.ok) return;
    // euw and aps fit equally well: the tie goes to the smaller name.
    expect(decision.candidates.map((c) => c.verdict)).toEqual(["rejected", "eligible", "chosen"]);
    expect(decision.candidates[0]!.reason).toBe("region us-east-1 not allowed (allowed: ap-south-1, eu-west-1)");
  });

  it("treats no region and an empty list as anywhere", () => {
    for (const region of [undefined, []]) {
      const decision = placeInstance(request({ region }), clusters);
      expect(decision.ok && decision.candidates.every((c) => c.verdict !== "rejected")).toBe(true);
    }
  });

  it("explains a request no cluster's region allows, lacking the whole request", () => {
    const decision = placeInstance(request({ region: "sa-east-1", replicas: 2 }), clusters);
    expect(decision).toMatchObject({
      ok: false,
      reason: "no cluster accepts the request (3 outside region sa-east-1)",
      shortfall: { cpuMillis: 1000, memoryMb: 1024, pods: 2 },
    });
  });
});

describe("status and cordon", () => {
  it("skips cordoned and unreachable clusters even when they fit better", () => {
    const tight = [freeNode("n1", 500, 512)];
    const clusters = [
      cluster("cordoned", tight, { cordoned: true }),
      cluster("gone", tight, { status: "unreachable" }),
      cluster("both", tight, { status: "unreachable", cordoned: true }),
      cluster("ok", roomy()),
    ];
    const decision = placeInstance(request(), clusters);
    expect(decision).toMatchObject({ ok: true, clusterId: "ok" });
    if (!decision.ok) return;
    expect(decision.candidates.map((c) => c.reason)).toEqual(["cordoned", "unreachable", "unreachable; cordoned", undefined]);
  });

  it("says why nothing is accepted when every cluster is filtered out", () => {
    const decision = placeInstance(request(), [cluster("a", roomy(), { cordoned: true }), cluster("b", roomy(), { status: "unreachable" })]);
    expect(decision).toMatchObject({ ok: false, reason: "no cluster accepts the request (1 unreachable, 1 cordoned)" });
  });

  it("says so when there are no clusters", () => {
    expect(placeInstance(request(), [])).toMatchObject({ ok: false, reason: "no clusters registered", candidates: [] });
  });

  it("prefers a healthy cluster over a better-fitting degraded one, and reports the degraded one as a fallback", () => {
    const clusters = [cluster("degraded", [freeNode("d1", 500, 512)], { status: "degraded" }), cluster("healthy", roomy())];
    const decision = placeInstance(request(), clusters);
    expect(decision).toMatchObject({ ok: true, clusterId: "healthy" });
    if (!decision.ok) return;
    expect(decision.candidates[0]).toEqual({
      clusterId: "degraded",
      name: "degraded",
      verdict: "eligible",
      score: 1,
      reason: "degraded; used only when no healthy cluster fits",
    });
  });

  it("uses a degraded cluster when no healthy one fits, and says so", () => {
    const clusters = [cluster("degraded", roomy(), { status: "degraded" }), cluster("healthy", [freeNode("h1", 100, 8192)])];
    const decision = placeInstance(request(), clusters);
    expect(decision).toMatchObject({ ok: true, clusterId: "degraded" });
    if (!decision.ok) return;
    expect(decision.candidates[0]).toMatchObject({ verdict: "chosen", reason: "degraded; chosen because no healthy cluster fits" });
    expect(decision.candidates[1]).toMatchObject({ verdict: "rejected" });
  });
});
