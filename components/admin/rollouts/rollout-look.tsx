// How rollouts and their instances look: status badges, words for each status, and the segmented progress bar
// (done green, failed red, under way blue, waiting amber, skipped grey) used by the list and the rollout page.
import type { RolloutStatus, RolloutTargetStatus } from "@/db/schema";
import { Badge, cn } from "@/components/ui";

type Tone = "neutral" | "brand" | "green" | "amber" | "red" | "indigo";

export const ROLLOUT_STATUSES = ["scheduled", "running", "paused", "completed", "aborted", "rolling_back", "rolled_back", "failed"] as const satisfies readonly RolloutStatus[];

const rolloutLook: Record<RolloutStatus, { label: string; tone: Tone }> = {
  scheduled: { label: "Scheduled", tone: "indigo" },
  running: { label: "Running", tone: "brand" },
  paused: { label: "Paused", tone: "amber" },
  completed: { label: "Completed", tone: "green" },
  aborted: { label: "Aborted", tone: "neutral" },
  rolling_back: { label: "Rolling back", tone: "amber" },
  rolled_back: { label: "Rolled back", tone: "indigo" },
  failed: { label: "Failed", tone: "red" },
};

export const ROLLOUT_STATUS_LABELS = Object.fromEntries(ROLLOUT_STATUSES.map((s) => [s, rolloutLook[s].label])) as Record<RolloutStatus, string>;

export const manageReason = "Only platform admins can start and steer rollouts";

/** Rollouts that still change something: their pages poll every 2 s. */
export function isRolloutLive(status: string): boolean {
  return status === "scheduled" || status === "running" || status === "paused" || status === "rolling_back";
}

export function RolloutStatusBadge({ status, className }: { status: RolloutStatus; className?: string }) {
  const look = rolloutLook[status] ?? { label: status, tone: "neutral" as const };
  const moving = status === "running" || status === "rolling_back";
  return (
    <Badge tone={look.tone} className={className}>
      {moving && <span aria-hidden="true" className="mr-1.5 size-1.5 animate-pulse rounded-full bg-current" />}
      {look.label}
    </Badge>
  );
}

/** Instance statuses in the order a person reads them (the order of the count tiles and the bar's segments). */
export const TARGET_STATUSES = ["done", "failed", "in_progress", "rolling_back", "scheduled", "deferred", "pending", "skipped", "rolled_back"] as const satisfies readonly RolloutTargetStatus[];

const targetLook: Record<RolloutTargetStatus, { label: string; tone: Tone; fill: string; text: string }> = {
  pending: { label: "Pending", tone: "neutral", fill: "bg-zinc-200", text: "text-zinc-700" },
  scheduled: { label: "Scheduled", tone: "indigo", fill: "bg-indigo-300", text: "text-indigo-700" },
  deferred: { label: "Deferred", tone: "amber", fill: "bg-amber-400", text: "text-amber-800" },
  in_progress: { label: "In progress", tone: "brand", fill: "bg-brand-500", text: "text-brand-700" },
  done: { label: "Done", tone: "green", fill: "bg-green-500", text: "text-green-700" },
  failed: { label: "Failed", tone: "red", fill: "bg-red-500", text: "text-red-700" },
  skipped: { label: "Skipped", tone: "neutral", fill: "bg-zinc-400", text: "text-zinc-600" },
  rolling_back: { label: "Rolling back", tone: "amber", fill: "bg-amber-500", text: "text-amber-800" },
  rolled_back: { label: "Rolled back", tone: "indigo", fill: "bg-indigo-500", text: "text-indigo-700" },
};

export function targetLabel(status: string): string {
  return targetLook[status as RolloutTargetStatus]?.label ?? status;
}

export function targetText(status: string): string {
  return targetLook[status as RolloutTargetStatus]?.text ?? "text-zinc-700";
}

export function TargetStatusBadge({ status }: { status: string }) {
  const look = targetLook[status as RolloutTargetStatus] ?? { label: status, tone: "neutral" as const };
  return (
    <Badge tone={look.tone}>
      {status === "in_progress" && <span aria-hidden="true" className="mr-1.5 size-1.5 animate-pulse rounded-full bg-current" />}
      {look.label}
    </Badge>
  );
}

/** "3 done, 1 failed, 96 pending": the counts in words (for tooltips and screen readers). */
export function describeCounts(counts: Record<string, number>, total: number): string {
  const parts = TARGET_STATUSES.filter((s) => (counts[s] ?? 0) > 0).map((s) => `${counts[s]} ${targetLabel(s).toLowerCase()}`);
  return parts.length ? `${parts.join(", ")} of ${total}` : `${total} instances`;
}

/**
 * One bar split by instance status over `total` (what is left blank is pending). `size` md for wave rows,
 * sm for table cells.
 */
export function SegmentedBar({ counts, total, label, size = "md", className }: { counts: Record<string, number>; total: number; label: string; size?: "sm" | "md"; className?: string }) {
  const text = `${label}: ${describeCounts(counts, total)}`;
  return (
    <div className={cn("flex overflow-hidden rounded-full bg-zinc-100 ring-1 ring-zinc-200 ring-inset", size === "sm" ? "h-1.5" : "h-3", className)} title={text} role="img" aria-label={text}>
      {total > 0 &&
        TARGET_STATUSES.filter((s) => s !== "pending").map((s) => {
          const n = counts[s] ?? 0;
          return n > 0 ? <span key={s} className={cn("h-full", targetLook[s].fill)} style={{ width: `${(n / total) * 100}%` }} /> : null;
        })}
    </div>
  );
}

/** The colour key of SegmentedBar, for the statuses present. */
export function BarLegend({ statuses, className }: { statuses: readonly string[]; className?: string }) {
  return (
    <ul className={cn("flex flex-wrap items-center gap-x-4 gap-y-1 text-xs text-zinc-600", className)} aria-label="Colour key">
      {statuses.map((s) => (
        <li key={s} className="flex items-center gap-1.5">
          <span aria-hidden="true" className={cn("size-2.5 rounded-sm", s === "pending" ? "bg-zinc-100 ring-1 ring-zinc-300 ring-inset" : targetLook[s as RolloutTargetStatus]?.fill)} />
          {targetLabel(s)}
        </li>
      ))}
    </ul>
  );
}

/** "1 instance, then 25 %, 50 %, 100 %": a wave plan as people say it. */
export function describeWavePlan(plan: { canary: { count: number } | { percent: number }; percents: number[] }): string {
  const canary = "count" in plan.canary ? `${plan.canary.count} canary instance${plan.canary.count === 1 ? "" : "s"}` : `${plan.canary.percent} % canary`;
  return `${canary}, then ${plan.percents.map((p) => `${p} %`).join(", ")}`;
}

/** "1 failure" or "10 % failed": a failure threshold as people say it. */
export function describeThreshold(t: { count?: number; percent?: number }): string {
  const parts: string[] = [];
  if (t.count !== undefined) parts.push(`${t.count} failed upgrade${t.count === 1 ? "" : "s"}`);
  if (t.percent !== undefined) parts.push(`${t.percent} % failed`);
  return parts.join(" or ");
}

/** 0 → "none", 90 → "90 s", 300 → "5 min", 7200 → "2 h". */
export function formatSeconds(s: number): string {
  if (s <= 0) return "none";
  if (s < 120) return `${s} s`;
  if (s < 7200) return s % 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s / 60} min`;
  return s % 3600 ? `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min` : `${s / 3600} h`;
}
