// The bin-packing lower bound used by the benchmark: max over dimensions of ceil(total demand / node capacity).
import { describe, expect, it } from "vitest";
import { lowerBoundNodes } from "@/server/placement";

const node = { cpuMillis: 8000, memoryMb: 32768, pods: 110 };

describe("lowerBoundNodes", () => {
  it("takes the binding dimension", () => {
    // cpu 9000 / 8000 → 2; memory 3072 / 32768 → 1; pods 3 / 110 → 1.
    expect(lowerBoundNodes(Array(3).fill({ cpuMillis: 3000, memoryMb: 1024, pods: 1 }), node)).toBe(2);
    // memory 5 × 8192 = 40960 / 32768 → 2; cpu 500 / 8000 → 1.
    expect(lowerBoundNodes(Array(5).fill({ cpuMillis: 100, memoryMb: 8192, pods: 1 }), node)).toBe(2);
    // 300 tiny pods / 110 per node → 3.
    expect(lowerBoundNodes(Array(300).fill({ cpuMillis: 1, memoryMb: 1, pods: 1 }), node)).toBe(3);
  });

  it("is exact at the boundary and 0 for no demand", () => {
    expect(lowerBoundNodes(Array(4).fill({ cpuMillis: 2000, memoryMb: 0, pods: 0 }), node)).toBe(1);
    expect(lowerBoundNodes(Array(10).fill({ cpuMillis: 0.1, memoryMb: 0, pods: 0 }), { cpuMillis: 1, memoryMb: 1, pods: 1 })).toBe(1);
    expect(lowerBoundNodes([], node)).toBe(0);
  });

  it("is infinite when a demanded dimension has no capacity", () => {
    expect(lowerBoundNodes([{ cpuMillis: 1, memoryMb: 0, pods: 0 }], { cpuMillis: 0, memoryMb: 1, pods: 1 })).toBe(Number.POSITIVE_INFINITY);
  });
});
