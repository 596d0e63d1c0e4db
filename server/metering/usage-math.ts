// Exact usage of a state segment, split at hour boundaries: integer arithmetic in millionths of a unit.
import type { MeterKey } from "@/db/schema";

export const HOUR_MS = 3_600_000;

export type SegmentShape = { replicas: number; cpuMillis: number; memoryMb: number; storageGb: number };
export type UsagePiece = { meter: MeterKey; hour: Date; quantityMicro: bigint };

export const hourStart = (ms: number) => Math.floor(ms / HOUR_MS) * HOUR_MS;

/** Integer division rounding half up (inputs are non-negative). */
const divRound = (n: bigint, d: bigint) => (n * 2n + d) / (2n * d);

/**
 * Usage of `shape` held for `ms` milliseconds, in millionths:
 * vCPU-seconds = replicas × cpu/1000 × ms/1000 (exact), GiB-seconds of memory = replicas × MiB/1024 × ms/1000 and
 * storage GiB-hours = GiB × ms/3,600,000, both rounded half up to the millionth.
 */
export function usageFor(shape: SegmentShape, ms: number): Partial<Record<MeterKey, bigint>> {
  const t = BigInt(ms);
  const out: Partial<Record<MeterKey, bigint>> = {};
  if (shape.replicas > 0) {
    const r = BigInt(shape.replicas);
    if (shape.cpuMillis > 0) out.vcpu_seconds = r * BigInt(shape.cpuMillis) * t; // × 1e6 / 1e6
    if (shape.memoryMb > 0) out.memory_gib_seconds = divRound(r * BigInt(shape.memoryMb) * t * 1000n, 1024n);
  }
  if (shape.storageGb > 0) out.storage_gib_hours = divRound(BigInt(shape.storageGb) * t * 10n, 36n);
  return out;
}

/** Splits [fromMs, toMs) at hour boundaries and gives the usage of each piece, keyed by its hour. */
export function usagePieces(shape: SegmentShape, fromMs: number, toMs: number): UsagePiece[] {
  const pieces: UsagePiece[] = [];
  for (let start = fromMs; start < toMs; ) {
    const hour = hourStart(start);
    const end = Math.min(toMs, hour + HOUR_MS);
    for (const [meter, micro] of Object.entries(usageFor(shape, end - start)) as [MeterKey, bigint][]) {
      if (micro > 0n) pieces.push({ meter, hour: new Date(hour), quantityMicro: micro });
    }
    start = end;
  }
  return pieces;
}
