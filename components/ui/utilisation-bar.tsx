// A stacked bar of how much of a capacity is taken (one segment per consumer) and how much is free, with the numbers in text.
import type { ReactNode } from "react";
import { cn } from "./cn";

export type UtilisationTone = "neutral" | "brand" | "amber" | "green";

export type UtilisationSegment = { label: string; value: number; tone: UtilisationTone };

const fills: Record<UtilisationTone, string> = {
  neutral: "bg-zinc-400",
  brand: "bg-brand-500",
  amber: "bg-amber-400",
  green: "bg-green-500",
};

function percent(value: number, total: number): number {
  if (total <= 0) return 0;
  return Math.max(0, Math.min(100, (value / total) * 100));
}

/**
 * One dimension (cpu, memory, …): segments stacked left to right over `total`, the rest drawn as free.
 * The visible summary defaults to "used of total"; the full breakdown is the tooltip and the screen-reader text.
 */
export function UtilisationBar({
  label,
  total,
  segments,
  format,
  summary,
  className,
}: {
  label: string;
  total: number;
  segments: UtilisationSegment[];
  format: (value: number) => string;
  /** Replaces the default "used of total" text next to the bar. */
  summary?: ReactNode;
  className?: string;
}) {
  const used = segments.reduce((s, x) => s + x.value, 0);
  const free = total - used;
  const over = free < 0;
  const breakdown = [
    ...segments.map((s) => `${format(s.value)} ${s.label}`),
    over ? `over capacity by ${format(-free)}` : `${format(free)} free`,
  ].join(", ");
  const description = total > 0 ? `${label}: ${breakdown}, of ${format(total)} (${Math.round((used / total) * 100)}% used)` : `${label}: no capacity reported`;
  // Scale to the larger of total and used so an overcommitted bar still shows each part.
  const scale = Math.max(total, used);
  return (
    <div className={cn("relative flex min-w-0 items-center gap-2 text-xs", className)} title={description}>
      <span className="w-14 shrink-0 font-medium text-zinc-600" aria-hidden="true">
        {label}
      </span>
      <span aria-hidden="true" className={cn("flex h-2 min-w-16 flex-1 overflow-hidden rounded-full bg-zinc-100 ring-1 ring-inset", over ? "ring-red-400" : "ring-zinc-200")}>
        {segments.map((s) =>
          s.value > 0 ? <span key={s.label} className={cn("h-full", fills[s.tone])} style={{ width: `${percent(s.value, scale)}%` }} /> : null,
        )}
      </span>
      <span aria-hidden="true" className={cn("min-w-28 shrink-0 text-right whitespace-nowrap tabular-nums", over ? "font-medium text-red-700" : "text-zinc-700")}>
        {summary ?? (total > 0 ? `${format(used)} of ${format(total)}` : "no capacity")}
      </span>
      <span className="sr-only">{description}</span>
    </div>
  );
}

/** The key to the colours of a group of UtilisationBars. */
export function UtilisationLegend({ items, className }: { items: { label: string; tone: UtilisationTone | "free" }[]; className?: string }) {
  return (
    <ul className={cn("flex flex-wrap items-center gap-x-4 gap-y-1 text-xs text-zinc-600", className)} aria-label="Colour key">
      {items.map((i) => (
        <li key={i.label} className="flex items-center gap-1.5">
          <span aria-hidden="true" className={cn("size-2.5 rounded-sm", i.tone === "free" ? "bg-zinc-100 ring-1 ring-inset ring-zinc-300" : fills[i.tone])} />
          {i.label}
        </li>
      ))}
    </ul>
  );
}
