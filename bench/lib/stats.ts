// Small statistics for benchmarks: median, percentiles and timing.
import { performance } from "node:perf_hooks";

/** The median; NaN for an empty list. */
export function median(values: number[]): number {
  return percentile(values, 50);
}

/** The p-th percentile (0–100), interpolating linearly between the closest ranks; NaN for an empty list. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (Math.min(Math.max(p, 0), 100) / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

/** Runs `fn` once and returns its wall-clock duration in milliseconds with its result. */
export async function timeIt<T>(fn: () => Promise<T> | T): Promise<{ ms: number; result: T }> {
  const start = performance.now();
  const result = await fn();
  return { ms: performance.now() - start, result };
}

/** Rounds for display and results files: three significant decimals are plenty for milliseconds. */
export function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
