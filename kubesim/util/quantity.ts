// Parsing and printing Kubernetes resource quantities (cpu in millicores, memory in bytes).

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** A quantity as a plain number of base units ("500m" → 0.5, "1Gi" → 1073741824). */
export function parseQuantity(q: string | number | undefined | null): number {
  if (q === undefined || q === null || q === "") return 0;
  if (typeof q === "number") return q;
  const m = /^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)([a-zA-Z]*)$/.exec(q.trim());
  if (!m) throw new Error(`quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`);
  const n = Number(m[1]);
  const suffix = m[2] ?? "";
  if (suffix in BINARY) return n * BINARY[suffix]!;
  if (suffix in DECIMAL) return n * DECIMAL[suffix]!;
  throw new Error(`unable to parse quantity's suffix`);
}

export function isValidQuantity(q: unknown): boolean {
  if (typeof q === "number") return true;
  if (typeof q !== "string") return false;
  try {
    parseQuantity(q);
    return true;
  } catch {
    return false;
  }
}

/** Millicores of a cpu quantity, rounded up as the scheduler does. */
export function cpuMillis(q: string | number | undefined | null): number {
  return Math.ceil(parseQuantity(q) * 1000 - 1e-9);
}

export function formatCpu(millis: number): string {
  return millis % 1000 === 0 ? String(millis / 1000) : `${millis}m`;
}

export function formatMemory(bytes: number): string {
  for (const [suffix, mult] of [["Gi", 2 ** 30], ["Mi", 2 ** 20], ["Ki", 2 ** 10]] as const) {
    if (bytes >= mult && bytes % mult === 0) return `${bytes / mult}${suffix}`;
  }
  return String(bytes);
}

/** Formats a quantity for quota messages the way the API server prints it for the given resource name. */
export function formatForResource(resource: string, value: number): string {
  if (resource.includes("cpu")) return formatCpu(Math.round(value * 1000));
  if (resource.includes("memory") || resource.includes("storage")) return formatMemory(value);
  return String(value);
}
