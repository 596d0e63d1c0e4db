// Small charts drawn with divs (no chart library): stacked columns over time, stacked horizontal bars and sparklines.
"use client";
import { useState } from "react";
import { cn } from "@/components/ui";
import { niceCeiling } from "./format";

export type ChartSegment = { key: string; label: string; value: number; swatch: string };
export type ChartColumn = { key: string; label: string; tick: string; segments: ChartSegment[] };

export function ChartLegend({ items, className }: { items: { key: string; label: string; swatch: string }[]; className?: string }) {
  return (
    <ul className={cn("flex flex-wrap items-center gap-x-4 gap-y-1 text-xs text-zinc-600", className)} aria-label="Colour key">
      {items.map((i) => (
        <li key={i.key} className="flex items-center gap-1.5">
          <span aria-hidden="true" className={cn("size-2.5 rounded-sm", i.swatch)} />
          {i.label}
        </li>
      ))}
    </ul>
  );
}

const sum = (segments: ChartSegment[]) => segments.reduce((s, x) => s + x.value, 0);

/**
 * Columns over time (one per day), each stacked by segment, on a y-axis with round gridlines. Hovering or focusing
 * a column shows its breakdown above the chart; screen readers get the same numbers as a table.
 */
export function StackedColumnChart({
  columns,
  format,
  axisFormat = format,
  emptyMax = 1,
  label,
  summary,
  columnHeading = "Day",
}: {
  columns: ChartColumn[];
  format: (v: number) => string;
  /** Labels of the y-axis gridlines (round values; may need more precision than `format`). */
  axisFormat?: (v: number) => string;
  /** The axis's top when every column is zero. */
  emptyMax?: number;
  label: string;
  summary: string;
  /** Heading of the first column of the screen-reader table (what one column stands for). */
  columnHeading?: string;
}) {
  const [active, setActive] = useState<string | null>(null);
  const highest = Math.max(0, ...columns.map((c) => sum(c.segments)));
  const max = highest > 0 ? niceCeiling(highest) : emptyMax;
  const ticks = [1, 0.75, 0.5, 0.25, 0].map((f) => f * max);
  const every = Math.max(1, Math.ceil(columns.length / 10));
  const shown = columns.find((c) => c.key === active);
  return (
    <figure aria-label={label}>
      <div className="mb-3 flex min-h-10 flex-wrap items-baseline gap-x-4 gap-y-1 text-sm" aria-live="polite">
        {shown ? (
          <>
            <span className="font-medium text-zinc-900">{shown.label}</span>
            <span className="font-semibold text-zinc-900 tabular-nums">{format(sum(shown.segments))}</span>
            {shown.segments.map((s) => (
              <span key={s.key} className="flex items-center gap-1.5 text-xs text-zinc-600">
                <span aria-hidden="true" className={cn("size-2 rounded-sm", s.swatch)} />
                {s.label} <span className="tabular-nums">{format(s.value)}</span>
              </span>
            ))}
          </>
        ) : (
          <span className="text-zinc-500">{summary}</span>
        )}
      </div>
      <div className="flex gap-2" aria-hidden="true">
        <div className="relative h-48 w-14 shrink-0 text-right text-[11px] text-zinc-500 tabular-nums">
          {ticks.map((t, i) => (
            <span key={i} className="absolute right-0 -translate-y-1/2" style={{ top: `${(i / (ticks.length - 1)) * 100}%` }}>
              {axisFormat(t)}
            </span>
          ))}
        </div>
        <div className="min-w-0 flex-1">
          <div className="relative h-48 border-b border-zinc-300">
            {ticks.slice(0, -1).map((_, i) => (
              <div key={i} className="absolute inset-x-0 border-t border-dashed border-zinc-200" style={{ top: `${(i / (ticks.length - 1)) * 100}%` }} />
            ))}
            <div className="absolute inset-0 flex items-end gap-[3px] px-0.5">
              {columns.map((c) => {
                const total = sum(c.segments);
                return (
                  <div
                    key={c.key}
                    className={cn("group flex h-full min-w-0 flex-1 cursor-default flex-col justify-end rounded-t-sm", active === c.key && "bg-zinc-100")}
                    onMouseEnter={() => setActive(c.key)}
                    onMouseLeave={() => setActive(null)}
                    title={`${c.label}: ${format(total)}`}
                  >
                    <div className="flex w-full flex-col-reverse overflow-hidden rounded-t-sm" style={{ height: `${(total / max) * 100}%` }}>
                      {c.segments.map((s) =>
                        s.value > 0 ? <div key={s.key} className={cn("w-full shrink-0 group-hover:opacity-80", s.swatch)} style={{ height: `${(s.value / total) * 100}%` }} /> : null,
                      )}
                    </div>
                  </div>
                );
              })}
            </div>
          </div>
          <div className="mt-1 flex gap-[3px] px-0.5 text-[11px] text-zinc-500">
            {columns.map((c, i) => (
              <span key={c.key} className="min-w-0 flex-1 overflow-visible text-center whitespace-nowrap">
                {i % every === 0 ? c.tick : ""}
              </span>
            ))}
          </div>
        </div>
      </div>
      <table className="sr-only">
        <caption>{label}</caption>
        <thead>
          <tr>
            <th scope="col">{columnHeading}</th>
            <th scope="col">Total</th>
            {columns[0]?.segments.map((s) => (
              <th key={s.key} scope="col">
                {s.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {columns.map((c) => (
            <tr key={c.key}>
              <th scope="row">{c.label}</th>
              <td>{format(sum(c.segments))}</td>
              {c.segments.map((s) => (
                <td key={s.key}>{format(s.value)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

/** One horizontal bar per row, stacked by segment, scaled to the largest row, with the total and a note on the right. */
export function StackedBarList({ rows, format, label }: { rows: { key: string; label: string; note?: string; segments: ChartSegment[] }[]; format: (v: number) => string; label: string }) {
  const max = Math.max(0, ...rows.map((r) => sum(r.segments)));
  return (
    <ul aria-label={label} className="space-y-2.5">
      {rows.map((r) => {
        const total = sum(r.segments);
        const breakdown = r.segments.map((s) => `${s.label} ${format(s.value)}`).join(", ");
        return (
          <li key={r.key} className="grid grid-cols-[minmax(0,10rem)_minmax(0,1fr)_auto] items-center gap-3 text-sm" title={`${r.label}: ${format(total)} (${breakdown})`}>
            <span className="truncate font-medium text-zinc-800">{r.label}</span>
            <span className="flex h-3.5 overflow-hidden rounded-sm bg-zinc-100" aria-hidden="true">
              {max > 0 &&
                r.segments.map((s) => (s.value > 0 ? <span key={s.key} className={cn("h-full", s.swatch)} style={{ width: `${(s.value / max) * 100}%` }} /> : null))}
            </span>
            <span className="min-w-32 text-right text-xs whitespace-nowrap text-zinc-600 tabular-nums">
              <span className="font-semibold text-zinc-900">{format(total)}</span>
              {r.note && <span className="ml-1.5">{r.note}</span>}
            </span>
            <span className="sr-only">{breakdown}</span>
          </li>
        );
      })}
    </ul>
  );
}

/** A tiny column chart of one series (a meter's daily quantity), for a summary tile. */
export function Sparkline({ values, swatch, label }: { values: number[]; swatch: string; label: string }) {
  const max = Math.max(0, ...values);
  return (
    <div className="flex h-8 items-end gap-px" role="img" aria-label={label}>
      {values.map((v, i) => (
        <span key={i} className={cn("min-w-0 flex-1 rounded-t-[1px]", v > 0 ? swatch : "bg-zinc-100")} style={{ height: max > 0 && v > 0 ? `${Math.max(6, (v / max) * 100)}%` : "2px" }} />
      ))}
    </div>
  );
}
