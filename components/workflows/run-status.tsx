// How run and step statuses look: a coloured badge per run status, a small icon per step status.
import type { RunStatus, StepStatus } from "@/db/schema";
import { Badge, cn } from "@/components/ui";

const runTones: Record<RunStatus, { label: string; tone: "neutral" | "brand" | "green" | "amber" | "red" }> = {
  queued: { label: "Queued", tone: "neutral" },
  running: { label: "Running", tone: "brand" },
  paused: { label: "Paused", tone: "amber" },
  succeeded: { label: "Succeeded", tone: "green" },
  failed: { label: "Failed", tone: "red" },
  cancelling: { label: "Cancelling", tone: "amber" },
  cancelled: { label: "Cancelled", tone: "neutral" },
};

export const RUN_STATUS_LABELS: Record<RunStatus, string> = Object.fromEntries(Object.entries(runTones).map(([k, v]) => [k, v.label])) as Record<RunStatus, string>;

/** Runs whose steps are moving (or about to): pages poll fast while one is on screen. */
export function isRunMoving(status: string): boolean {
  return status === "running" || status === "cancelling" || status === "queued";
}

/** Runs that still hold their subject (moving, or paused waiting for a person). */
export function isRunOpen(status: string): boolean {
  return isRunMoving(status) || status === "paused";
}

export function RunStatusBadge({ status, pauseRequested }: { status: RunStatus; pauseRequested?: string | null }) {
  const t = runTones[status] ?? { label: status, tone: "neutral" as const };
  const pausing = pauseRequested && (status === "running" || status === "queued");
  return (
    <span className="inline-flex items-center gap-1.5">
      <Badge tone={t.tone}>
        {status === "running" && <span aria-hidden="true" className="mr-1.5 size-1.5 animate-pulse rounded-full bg-current" />}
        {t.label}
      </Badge>
      {pausing && <Badge tone="amber">Pausing</Badge>}
    </span>
  );
}

const stepLabels: Record<StepStatus, string> = {
  pending: "Pending",
  running: "Running",
  waiting_retry: "Waiting to retry",
  succeeded: "Succeeded",
  failed: "Failed",
  compensating: "Undoing",
  compensated: "Undone",
  skipped: "Skipped",
};

export function stepStatusLabel(status: StepStatus): string {
  return stepLabels[status] ?? status;
}

const iconStyles: Record<StepStatus, string> = {
  pending: "bg-white text-zinc-400 ring-zinc-300",
  running: "bg-brand-50 text-brand-600 ring-brand-200",
  waiting_retry: "bg-amber-50 text-amber-700 ring-amber-200",
  succeeded: "bg-green-600 text-white ring-green-600",
  failed: "bg-red-600 text-white ring-red-600",
  compensating: "bg-amber-50 text-amber-700 ring-amber-200",
  compensated: "bg-zinc-100 text-zinc-600 ring-zinc-300",
  skipped: "bg-white text-zinc-400 ring-zinc-200",
};

function Glyph({ status }: { status: StepStatus }) {
  const common = { viewBox: "0 0 24 24", fill: "none", stroke: "currentColor", strokeWidth: 2.5, strokeLinecap: "round" as const, strokeLinejoin: "round" as const, className: "size-3.5", "aria-hidden": true };
  switch (status) {
    case "succeeded":
      return <svg {...common}><path d="m5 12.5 4.5 4.5L19 7.5" /></svg>;
    case "failed":
      return <svg {...common}><path d="M7 7l10 10M17 7 7 17" /></svg>;
    case "running":
      return (
        <svg {...common} className="size-3.5 animate-spin">
          <path d="M21 12a9 9 0 1 1-9-9" />
        </svg>
      );
    case "waiting_retry":
      return <svg {...common}><circle cx="12" cy="12" r="8" strokeWidth={2} /><path d="M12 8v4l2.5 2" strokeWidth={2} /></svg>;
    case "compensating":
    case "compensated":
      return <svg {...common}><path d="M9 14 4 9l5-5" /><path d="M4 9h10a6 6 0 0 1 0 12h-3" /></svg>;
    case "skipped":
      return <svg {...common}><path d="M7 12h10" /></svg>;
    default:
      return <span className="size-1.5 rounded-full bg-current" aria-hidden="true" />;
  }
}

export function StepStatusIcon({ status, className }: { status: StepStatus; className?: string }) {
  return (
    <span className={cn("relative z-10 flex size-6 shrink-0 items-center justify-center rounded-full ring-1 ring-inset", iconStyles[status], className)} title={stepStatusLabel(status)}>
      <Glyph status={status} />
      <span className="sr-only">{stepStatusLabel(status)}</span>
    </span>
  );
}
