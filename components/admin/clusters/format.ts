// Capacity amounts as people read them: millicores as vCPU, MiB as GiB, ids shortened, counts with their noun.

const upTo2 = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });
const upTo1 = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });
const whole = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

function number(value: number): string {
  const abs = Math.abs(value);
  return (abs >= 100 ? whole : abs >= 1 ? upTo1 : upTo2).format(value);
}

/** 1500 → "1.5", 250 → "0.25" (vCPU, without the unit). */
export function vcpuNumber(millis: number): string {
  return number(millis / 1000);
}

/** 1500 → "1.5 vCPU". */
export function formatVcpu(millis: number): string {
  return `${vcpuNumber(millis)} vCPU`;
}

type MemoryUnit = "MiB" | "GiB" | "TiB";

function memoryUnit(mb: number): MemoryUnit {
  const abs = Math.abs(mb);
  return abs >= 1024 * 1024 ? "TiB" : abs >= 1024 ? "GiB" : "MiB";
}

function inUnit(mb: number, unit: MemoryUnit): string {
  return number(unit === "TiB" ? mb / (1024 * 1024) : unit === "GiB" ? mb / 1024 : mb);
}

/** 12288 → "12 GiB", 512 → "512 MiB". */
export function formatMib(mb: number): string {
  const unit = memoryUnit(mb);
  return `${inUnit(mb, unit)} ${unit}`;
}

export function formatPods(pods: number): string {
  return `${whole.format(pods)} ${pods === 1 ? "pod" : "pods"}`;
}

/** "3.2 of 8 vCPU": both amounts in one unit. */
export function cpuPair(used: number, total: number): string {
  return `${vcpuNumber(used)} of ${formatVcpu(total)}`;
}

/** "0.5 of 32 GiB": both amounts in the unit of the total. */
export function memoryPair(used: number, total: number): string {
  const unit = memoryUnit(total);
  return `${inUnit(used, unit)} of ${inUnit(total, unit)} ${unit}`;
}

export function podsPair(used: number, total: number): string {
  return `${whole.format(used)} of ${whole.format(total)} pods`;
}

/** "8 vCPU / 32 GiB", the way a node shape is spoken of. */
export function formatShape(shape: { cpuMillis: number; memoryMb: number }): string {
  return `${formatVcpu(shape.cpuMillis)} / ${formatMib(shape.memoryMb)}`;
}

/** The first 8 characters of a uuid: enough to tell instances apart on one screen. */
export function shortId(id: string): string {
  return id.length > 8 ? id.slice(0, 8) : id;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${whole.format(n)} ${n === 1 ? one : many}`;
}

/** 24 → "24th". */
export function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? "th" : ({ 1: "st", 2: "nd", 3: "rd" } as Record<number, string>)[n % 10] ?? "th";
  return `${n}${suffix}`;
}

/** "no node is Ready" → "No node is Ready." */
export function asSentence(text: string): string {
  const t = text.trim();
  if (!t) return t;
  const s = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?]$/.test(s) ? s : `${s}.`;
}
