// A rollout's progress over time: how many upgrades had finished (done in green, failed in red) at each moment, drawn
// from its instances' finish times. A small SVG step chart; screen readers get the totals in words.
"use client";
import { formatDateTime } from "@/lib/format";
import { formatDuration } from "@/components/workflows/format";
import { useNow } from "@/components/workflows/relative-time";

type Finished = { status: string; finished_at: Date | string | null; started_at: Date | string | null };

const W = 600;
const H = 150;

/** Points of a cumulative step line over [from, to] for the given finish times (sorted). */
function stepPath(times: number[], from: number, to: number, max: number): string {
  const x = (t: number) => ((Math.min(Math.max(t, from), to) - from) / Math.max(1, to - from)) * W;
  const y = (n: number) => H - (n / Math.max(1, max)) * H;
  let d = `M0,${H}`;
  times.forEach((t, i) => {
    d += ` L${x(t).toFixed(1)},${y(i).toFixed(1)} L${x(t).toFixed(1)},${y(i + 1).toFixed(1)}`;
  });
  return `${d} L${W},${y(times.length).toFixed(1)}`;
}

export function ProgressChart({ targets, total, startedAt, finishedAt, live }: { targets: Finished[]; total: number; startedAt: Date | string; finishedAt: Date | string | null; live: boolean }) {
  const now = useNow(live ? 2_000 : 60_000);
  const at = (v: Date | string | null) => (v ? new Date(v).getTime() : NaN);
  const done = targets.filter((t) => t.status === "done" && t.finished_at).map((t) => at(t.finished_at)).sort((a, b) => a - b);
  const failed = targets.filter((t) => t.status === "failed" && t.finished_at).map((t) => at(t.finished_at)).sort((a, b) => a - b);
  const firstStart = Math.min(at(startedAt), ...targets.map((t) => at(t.started_at)).filter((t) => Number.isFinite(t)));
  const from = Number.isFinite(firstStart) ? firstStart : at(startedAt);
  const last = Math.max(from + 1000, ...done, ...failed);
  const to = finishedAt ? Math.max(at(finishedAt), last) : Math.max(now, last);
  if (done.length + failed.length === 0) return <p className="text-sm text-zinc-500">No upgrade has finished yet.</p>;
  const summary = `${done.length} of ${total} upgraded, ${failed.length} failed, over ${formatDuration(to - from)}`;
  return (
    <figure aria-label="Progress over time">
      <div className="flex gap-2">
        <div className="flex h-36 w-8 shrink-0 flex-col justify-between text-right text-[11px] text-zinc-500 tabular-nums" aria-hidden="true">
          <span>{total}</span>
          <span>0</span>
        </div>
        <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" className="h-36 w-full rounded-md bg-zinc-50 ring-1 ring-zinc-200 ring-inset" aria-hidden="true">
          {[0.25, 0.5, 0.75].map((f) => (
            <line key={f} x1={0} x2={W} y1={H * f} y2={H * f} stroke="#e4e4e7" strokeWidth={1} vectorEffect="non-scaling-stroke" />
          ))}
          <path d={stepPath(done, from, to, total)} fill="none" stroke="#16a34a" strokeWidth={2} vectorEffect="non-scaling-stroke" />
          {failed.length > 0 && <path d={stepPath(failed, from, to, total)} fill="none" stroke="#dc2626" strokeWidth={2} vectorEffect="non-scaling-stroke" />}
        </svg>
      </div>
      <div className="mt-1 ml-10 flex justify-between text-[11px] text-zinc-500" aria-hidden="true">
        <span>{formatDateTime(new Date(from))}</span>
        <span>{finishedAt ? formatDateTime(new Date(to)) : "now"}</span>
      </div>
      <figcaption className="mt-2 flex flex-wrap items-center gap-x-4 gap-y-1 text-xs text-zinc-600">
        <span className="flex items-center gap-1.5">
          <span aria-hidden="true" className="h-0.5 w-4 bg-green-600" /> Upgraded ({done.length})
        </span>
        <span className="flex items-center gap-1.5">
          <span aria-hidden="true" className="h-0.5 w-4 bg-red-600" /> Failed ({failed.length})
        </span>
        <span className="sr-only">{summary}</span>
      </figcaption>
    </figure>
  );
}
