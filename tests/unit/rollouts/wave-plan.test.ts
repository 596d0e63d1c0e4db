// Splitting a rollout's targets into waves: every target in exactly one wave, the canary first and never empty,
// empty waves dropped; and the wave plan schema's rules (growing percentages that end at 100).
import { describe, expect, it } from "vitest";
import type { RolloutWavePlan } from "@/db/schema";
import { splitIntoWaves, wavePlanInput } from "@/server/rollouts/wave-plan";

const plans: RolloutWavePlan[] = [
  { canary: { count: 1 }, percents: [100] },
  { canary: { count: 1 }, percents: [25, 50, 100] },
  { canary: { count: 5 }, percents: [10, 50, 100] },
  { canary: { count: 1000 }, percents: [100] },
  { canary: { percent: 1 }, percents: [10, 20, 40, 80, 100] },
  { canary: { percent: 5 }, percents: [25, 50, 100] },
  { canary: { percent: 50 }, percents: [100] },
  { canary: { percent: 0.1 }, percents: [1, 2, 5, 10, 20, 30, 50, 70, 90, 100] },
  { canary: { percent: 12.5 }, percents: [33.3, 66.6, 100] },
];

const cumulative = (sizes: number[]) => sizes.map((_, i) => sizes.slice(0, i + 1).reduce((a, b) => a + b, 0));

describe("splitIntoWaves", () => {
  it("has no waves for no targets", () => {
    for (const plan of plans) expect(splitIntoWaves(0, plan)).toEqual([]);
  });

  it("puts every target in exactly one non-empty wave, canary first, for 1..1000 targets", () => {
    for (const plan of plans) {
      for (let total = 1; total <= 1000; total++) {
        const sizes = splitIntoWaves(total, plan);
        const where = `${total} targets, ${JSON.stringify(plan)}: ${JSON.stringify(sizes)}`;
        expect(sizes.reduce((a, b) => a + b, 0), where).toBe(total);
        expect(sizes.every((s) => Number.isInteger(s) && s >= 1), where).toBe(true);
        expect(sizes.length, where).toBeLessThanOrEqual(1 + plan.percents.length);
        // The canary: its count (at most all), or its percentage rounded up, at least one.
        const canary = "count" in plan.canary ? Math.min(total, plan.canary.count) : Math.min(total, Math.max(1, Math.ceil((total * plan.canary.percent) / 100)));
        expect(sizes[0], where).toBe(canary);
        // Each wave ends where a cumulative percentage (rounded up) says, so the fleet covered only grows.
        const ends = new Set(plan.percents.map((p) => Math.min(total, Math.ceil((total * p) / 100))));
        for (const end of cumulative(sizes).slice(1)) expect(ends.has(end), where).toBe(true);
      }
    }
  });

  it("takes the canary as a count", () => {
    expect(splitIntoWaves(100, { canary: { count: 3 }, percents: [50, 100] })).toEqual([3, 47, 50]);
    expect(splitIntoWaves(10, { canary: { count: 1 }, percents: [100] })).toEqual([1, 9]);
    // A canary as large as the fleet leaves nothing for the waves.
    expect(splitIntoWaves(3, { canary: { count: 5 }, percents: [50, 100] })).toEqual([3]);
    expect(splitIntoWaves(1, { canary: { count: 1 }, percents: [25, 50, 100] })).toEqual([1]);
  });

  it("takes the canary as a percentage, rounded up and at least one", () => {
    expect(splitIntoWaves(200, { canary: { percent: 5 }, percents: [50, 100] })).toEqual([10, 90, 100]);
    expect(splitIntoWaves(201, { canary: { percent: 5 }, percents: [50, 100] })).toEqual([11, 90, 100]);
    expect(splitIntoWaves(10, { canary: { percent: 5 }, percents: [100] })).toEqual([1, 9]);
    expect(splitIntoWaves(1, { canary: { percent: 0.5 }, percents: [100] })).toEqual([1]);
    expect(splitIntoWaves(1000, { canary: { percent: 0.1 }, percents: [100] })).toEqual([1, 999]);
  });

  it("drops waves that would be empty", () => {
    // 25 % of 3 rounds up to 1 target, which the canary already covers.
    expect(splitIntoWaves(3, { canary: { count: 1 }, percents: [25, 50, 100] })).toEqual([1, 1, 1]);
    // The canary (10 % of 20 = 2) covers the 5 % and 10 % waves.
    expect(splitIntoWaves(20, { canary: { percent: 10 }, percents: [5, 10, 60, 100] })).toEqual([2, 10, 8]);
    expect(splitIntoWaves(2, { canary: { count: 1 }, percents: [10, 20, 30, 100] })).toEqual([1, 1]);
  });

  it("follows the cumulative percentages on a larger fleet", () => {
    expect(splitIntoWaves(1000, { canary: { count: 1 }, percents: [10, 25, 50, 100] })).toEqual([1, 99, 150, 250, 500]);
  });

  // Known bug (see the report): (total × percent) / 100 in floating point lands just above a whole number for some
  // fractional percentages, and Math.ceil then takes one target too many (8.8 % of 375 is exactly 33).
  it("is exact for fractional percentages that give a whole number of targets", () => {
    expect(splitIntoWaves(375, { canary: { count: 1 }, percents: [8.8, 100] })).toEqual([1, 32, 342]);
    expect(splitIntoWaves(250, { canary: { percent: 64.4 }, percents: [100] })).toEqual([161, 89]);
  });
});

describe("wavePlanInput", () => {
  const messagesOf = (input: unknown) => {
    const result = wavePlanInput.safeParse(input);
    return result.success ? [] : result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
  };

  it("accepts a count or a percentage canary with growing percentages ending at 100", () => {
    expect(messagesOf({ canary: { count: 1 }, percents: [100] })).toEqual([]);
    expect(messagesOf({ canary: { percent: 5 }, percents: [10, 25, 50, 100] })).toEqual([]);
    expect(messagesOf({ canary: { percent: 50 }, percents: [1, 2, 3, 4, 5, 6, 7, 8, 9, 100] })).toEqual([]);
  });

  it("rejects percentages that do not grow", () => {
    expect(messagesOf({ canary: { count: 1 }, percents: [50, 25, 100] })).toEqual([{ path: "percents", message: "wave percentages must grow (they are cumulative)" }]);
    expect(messagesOf({ canary: { count: 1 }, percents: [50, 50, 100] })).toEqual([{ path: "percents", message: "wave percentages must grow (they are cumulative)" }]);
  });

  it("rejects a last wave short of 100 %", () => {
    expect(messagesOf({ canary: { count: 1 }, percents: [25, 50] })).toEqual([{ path: "percents", message: "the last wave must reach 100 %" }]);
    expect(messagesOf({ canary: { count: 1 }, percents: [100, 100] })).toEqual([{ path: "percents", message: "wave percentages must grow (they are cumulative)" }]);
  });

  it("rejects no waves, and more than 10", () => {
    expect(messagesOf({ canary: { count: 1 }, percents: [] })).toContainEqual({ path: "percents", message: "add at least one wave after the canary" });
    expect(messagesOf({ canary: { count: 1 }, percents: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 100] })).toContainEqual({ path: "percents", message: "at most 10 waves after the canary" });
  });

  it("rejects percentages out of range and a canary of none or over half the fleet", () => {
    expect(messagesOf({ canary: { count: 1 }, percents: [0, 100] }).map((i) => i.path)).toEqual(["percents.0"]);
    expect(messagesOf({ canary: { count: 1 }, percents: [50, 101] }).map((i) => i.path)).toContain("percents.1");
    expect(messagesOf({ canary: { count: 0 }, percents: [100] })).not.toEqual([]);
    expect(messagesOf({ canary: { count: 1.5 }, percents: [100] })).not.toEqual([]);
    expect(messagesOf({ canary: { percent: 0 }, percents: [100] })).not.toEqual([]);
    expect(messagesOf({ canary: { percent: 51 }, percents: [100] })).not.toEqual([]);
    expect(messagesOf({ canary: {}, percents: [100] })).not.toEqual([]);
  });
});
