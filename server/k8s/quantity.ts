// Kubernetes resource quantities ("250m", "2", "512Mi", "1G", "1e3") to numbers Fleetplane computes with.

const binary: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const decimal: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** The quantity as a plain number of base units (cores, bytes, pods); NaN when it cannot be parsed. */
export function parseQuantity(q: string | number | undefined | null): number {
  if (q === undefined || q === null || q === "") return 0;
  if (typeof q === "number") return q;
  const m = /^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)([a-zA-Z]{0,2})$/.exec(q.trim());
  if (!m) return Number.NaN;
  const value = Number(m[1]);
  const suffix = m[2] ?? "";
  if (suffix in binary) return value * binary[suffix]!;
  if (suffix in decimal) return value * decimal[suffix]!;
  return Number.NaN;
}

export function cpuToMillis(q: string | number | undefined | null): number {
  return Math.round(parseQuantity(q) * 1000);
}

export function memoryToMb(q: string | number | undefined | null): number {
  return Math.floor(parseQuantity(q) / 2 ** 20);
}

export function millisToCpu(millis: number): string {
  return millis % 1000 === 0 ? String(millis / 1000) : `${millis}m`;
}

export function mbToMemory(mb: number): string {
  return mb % 1024 === 0 ? `${mb / 1024}Gi` : `${mb}Mi`;
}
