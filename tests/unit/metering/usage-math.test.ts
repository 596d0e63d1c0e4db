// Exact usage arithmetic: integer millionths, split at hour boundaries, half-up rounding of memory and storage.
import { describe, expect, it } from "vitest";
import { HOUR_MS, hourStart, usageFor, usagePieces, type SegmentShape } from "@/server/metering/usage-math";
import { formatMicro } from "@/server/metering/meters";

const H = Date.UTC(2026, 10, 20, 10, 0, 0, 0); // an hour boundary
const MIN = 60_000;
const standard: SegmentShape = { replicas: 2, cpuMillis: 500, memoryMb: 512, storageGb: 0 };
const db: SegmentShape = { replicas: 1, cpuMillis: 1000, memoryMb: 4096, storageGb: 20 };

const byHour = (pieces: ReturnType<typeof usagePieces>) =>
  pieces.map((p) => `${(p.hour.getTime() - H) / HOUR_MS}:${p.meter}:${p.quantityMicro}`);

describe("usageFor", () => {
  it("gives an hour of a running plan exactly", () => {
    // 2 × 0.5 vCPU × 3600 s; 2 × 0.5 GiB × 3600 s
    expect(usageFor(standard, HOUR_MS)).toEqual({ vcpu_seconds: 3_600_000_000n, memory_gib_seconds: 3_600_000_000n });
    // 1 vCPU × 3600 s; 4 GiB × 3600 s; 20 GiB × 1 h
    expect(usageFor(db, HOUR_MS)).toEqual({ vcpu_seconds: 3_600_000_000n, memory_gib_seconds: 14_400_000_000n, storage_gib_hours: 20_000_000n });
  });

  it("is exact to the millisecond for compute", () => {
    // 2 × 0.5 vCPU × 0.001 s = 0.001 vCPU-s
    expect(usageFor(standard, 1).vcpu_seconds).toBe(1_000n);
    expect(usageFor({ ...standard, replicas: 3, cpuMillis: 250 }, 7).vcpu_seconds).toBe(3n * 250n * 7n);
    expect(formatMicro(usageFor(standard, 1).vcpu_seconds!)).toBe("0.001");
  });

  it("rounds memory half up to the millionth", () => {
    const oneMiB: SegmentShape = { replicas: 1, cpuMillis: 0, memoryMb: 1, storageGb: 0 };
    // 1 MiB for 64 ms = 64 000 / 1024 = 62.5 millionths of a GiB-second → 63
    expect(usageFor(oneMiB, 64)).toEqual({ memory_gib_seconds: 63n });
    // 63 ms: 61.52… → 62; 1 ms: 0.976… → 1
    expect(usageFor(oneMiB, 63).memory_gib_seconds).toBe(62n);
    expect(usageFor(oneMiB, 1).memory_gib_seconds).toBe(1n);
    // 1 MiB for 0.5 ms cannot happen (integer ms); 1024 MiB for 1 ms is exactly 1000
    expect(usageFor({ ...oneMiB, memoryMb: 1024 }, 1).memory_gib_seconds).toBe(1000n);
  });

  it("rounds storage half up to the millionth of a GiB-hour", () => {
    const oneGiB: SegmentShape = { replicas: 0, cpuMillis: 100, memoryMb: 128, storageGb: 1 };
    // 1 GiB × 9 ms / 3.6e6 ms = 2.5 millionths → 3; 1 ms = 0.27… → 0 (omitted); 2 ms = 0.55… → 1
    expect(usageFor(oneGiB, 9)).toEqual({ storage_gib_hours: 3n });
    expect(usageFor(oneGiB, 2)).toEqual({ storage_gib_hours: 1n });
    expect(usageFor(oneGiB, 1)).toEqual({ storage_gib_hours: 0n });
    expect(usagePieces(oneGiB, H, H + 1)).toEqual([]);
  });

  it("accrues storage only when no replica runs", () => {
    expect(usageFor({ replicas: 0, cpuMillis: 1000, memoryMb: 4096, storageGb: 20 }, HOUR_MS)).toEqual({ storage_gib_hours: 20_000_000n });
    expect(usageFor({ replicas: 0, cpuMillis: 1000, memoryMb: 4096, storageGb: 0 }, HOUR_MS)).toEqual({});
  });
});

describe("usagePieces", () => {
  it("gives one piece per meter for exactly one hour on the boundaries, none for the next hour", () => {
    expect(byHour(usagePieces(db, H, H + HOUR_MS))).toEqual(["0:vcpu_seconds:3600000000", "0:memory_gib_seconds:14400000000", "0:storage_gib_hours:20000000"]);
  });

  it("gives nothing for an empty interval", () => {
    expect(usagePieces(db, H, H)).toEqual([]);
    expect(usagePieces(db, H + 5, H + 5)).toEqual([]);
  });

  it("splits an interval spanning several hours at each boundary", () => {
    const from = H + 30 * MIN;
    const to = H + 3 * HOUR_MS + 15 * MIN;
    const pieces = usagePieces({ ...standard, memoryMb: 0 }, from, to);
    expect(byHour(pieces)).toEqual([
      `0:vcpu_seconds:${30n * 60n * 1000n * 1000n}`,
      `1:vcpu_seconds:${3_600_000_000n}`,
      `2:vcpu_seconds:${3_600_000_000n}`,
      `3:vcpu_seconds:${15n * 60n * 1000n * 1000n}`,
    ]);
    // Compute is exact, so the pieces add up to the whole interval.
    expect(pieces.reduce((s, p) => s + p.quantityMicro, 0n)).toBe(usageFor(standard, to - from).vcpu_seconds);
    for (const p of pieces) expect(p.hour.getTime()).toBe(hourStart(p.hour.getTime()));
  });

  it("splits at the millisecond around a boundary", () => {
    const pieces = usagePieces(standard, H + HOUR_MS - 1, H + HOUR_MS + 2);
    expect(byHour(pieces)).toEqual([
      "0:vcpu_seconds:1000",
      "0:memory_gib_seconds:1000", // 2 × 512 MiB × 1 ms = 1 GiB-ms = 0.001 GiB-s
      "1:vcpu_seconds:2000",
      "1:memory_gib_seconds:2000",
    ]);
  });

  it("starts mid-hour and stops exactly on a later boundary", () => {
    const pieces = usagePieces(db, H + HOUR_MS - 10 * MIN, H + 2 * HOUR_MS);
    expect(byHour(pieces)).toEqual([
      `0:vcpu_seconds:${600_000_000n}`,
      `0:memory_gib_seconds:${2_400_000_000n}`,
      "0:storage_gib_hours:3333333", // 20 × 600 000 / 3 600 000 = 3.333333…
      `1:vcpu_seconds:${3_600_000_000n}`,
      `1:memory_gib_seconds:${14_400_000_000n}`,
      "1:storage_gib_hours:20000000",
    ]);
  });

  it("adds a plan change mid-hour from two segments into the same hour", () => {
    const change = H + 20 * MIN + 500;
    const before = usagePieces(standard, H, change);
    const after = usagePieces(db, change, H + HOUR_MS);
    const hour = new Map<string, bigint>();
    for (const p of [...before, ...after]) {
      expect(p.hour.getTime()).toBe(H);
      hour.set(p.meter, (hour.get(p.meter) ?? 0n) + p.quantityMicro);
    }
    const t1 = BigInt(change - H);
    const t2 = BigInt(H + HOUR_MS - change);
    expect(hour.get("vcpu_seconds")).toBe(2n * 500n * t1 + 1n * 1000n * t2);
    // 2 × 512 MiB × 1 200 500 ms / 1024 = 1 200 500 000 (exact); 4096 MiB × 2 399 500 ms / 1024 = 9 598 000 000
    expect(hour.get("memory_gib_seconds")).toBe(1_200_500_000n + 9_598_000_000n);
    // 20 GiB × 2 399 500 ms / 3.6e6 = 13.330555… → 13 330 556 (half up)
    expect(hour.get("storage_gib_hours")).toBe(13_330_556n);
  });

  it("accrues only storage while stopped, in every hour", () => {
    const stopped: SegmentShape = { ...db, replicas: 0 };
    const pieces = usagePieces(stopped, H - HOUR_MS / 2, H + HOUR_MS / 2);
    expect(byHour(pieces)).toEqual(["-1:storage_gib_hours:10000000", "0:storage_gib_hours:10000000"]);
  });
});
