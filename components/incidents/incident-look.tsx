// How incidents and instance health look in the portal and the console: status badges, cause and outcome words,
// time to recover, and the incident timeline (one icon per event kind).
"use client";
import Link from "next/link";
import type { ReactNode } from "react";
import type { HealthCause, HealthStatus, IncidentStatus } from "@/db/schema";
import { Badge, cn } from "@/components/ui";
import { formatDuration } from "@/components/workflows/format";
import { Ago, useNow } from "@/components/workflows/relative-time";
import { formatDateTime } from "@/lib/format";

type Tone = "neutral" | "brand" | "green" | "amber" | "red" | "indigo";

const statusLooks: Record<IncidentStatus, { label: string; tone: Tone; moving?: boolean }> = {
  open: { label: "Open", tone: "red" },
  recovering: { label: "Recovering", tone: "brand", moving: true },
  needs_attention: { label: "Needs attention", tone: "amber" },
  resolved: { label: "Resolved", tone: "green" },
};

export const INCIDENT_STATUSES = ["open", "recovering", "needs_attention", "resolved"] as const satisfies readonly IncidentStatus[];

export const INCIDENT_STATUS_LABELS = Object.fromEntries(Object.entries(statusLooks).map(([k, v]) => [k, v.label])) as Record<IncidentStatus, string>;

/** Filter choices: each status, plus "live" (anything not resolved). */
export const INCIDENT_STATUS_FILTERS = [
  { value: "live", label: "Not resolved" },
  ...INCIDENT_STATUSES.map((s) => ({ value: s, label: INCIDENT_STATUS_LABELS[s] })),
];

/** The API's `status` filter for a filter choice ("" means none). */
export function statusFilterInput(value: string): { status?: IncidentStatus[] } {
  if (value === "live") return { status: ["open", "recovering", "needs_attention"] };
  if ((INCIDENT_STATUSES as readonly string[]).includes(value)) return { status: [value as IncidentStatus] };
  return {};
}

export function IncidentStatusBadge({ status, className }: { status: string; className?: string }) {
  const look = statusLooks[status as IncidentStatus] ?? { label: status, tone: "neutral" as const };
  return (
    <Badge tone={look.tone} className={className}>
      {look.moving && <span aria-hidden="true" className="mr-1.5 size-1.5 animate-pulse rounded-full bg-current" />}
      {look.label}
    </Badge>
  );
}

export const CAUSE_LABELS: Record<HealthCause, string> = {
  crash_loop: "Crash loop",
  image_pull: "Image cannot be pulled",
  unschedulable: "Pods cannot be scheduled",
  node_lost: "Node lost",
  cluster_unreachable: "Cluster unreachable",
  not_ready: "Not ready",
};

export function causeLabel(cause: string | null | undefined): string {
  if (!cause) return "";
  return CAUSE_LABELS[cause as HealthCause] ?? cause;
}

const outcomeLooks: Record<string, { label: string; tone: Tone }> = {
  recovered: { label: "Recovered by Fleetplane", tone: "green" },
  healed: { label: "Healed by itself", tone: "green" },
  failed: { label: "Recovery failed", tone: "red" },
  stopped: { label: "Closed by operators", tone: "neutral" },
};

export function outcomeLabel(outcome: string | null | undefined): string | null {
  if (!outcome) return null;
  return outcomeLooks[outcome]?.label ?? outcome;
}

/** Time to recover once resolved; "Ongoing" with the time since detection while it lasts. */
export function TimeToRecover({ status, ttrMs, detectedAt, className }: { status: string; ttrMs: number | null; detectedAt: Date | string; className?: string }) {
  const now = useNow(5_000);
  if (ttrMs !== null) return <span className={cn("tabular-nums", className)}>{formatDuration(ttrMs)}</span>;
  if (status === "resolved") return <span className={cn("text-zinc-400", className)}>—</span>;
  return (
    <span className={cn("text-amber-800", className)} suppressHydrationWarning>
      Ongoing <span className="text-xs text-zinc-500 tabular-nums">· {formatDuration(now - new Date(detectedAt).getTime())}</span>
    </span>
  );
}

const healthLooks: Record<HealthStatus, { label: string; tone: Tone; dot: string }> = {
  healthy: { label: "Healthy", tone: "green", dot: "bg-green-500" },
  degraded: { label: "Degraded", tone: "amber", dot: "bg-amber-500" },
  unhealthy: { label: "Unhealthy", tone: "red", dot: "bg-red-500" },
  unknown: { label: "Unknown", tone: "neutral", dot: "bg-zinc-400" },
};

export function HealthBadge({ status, className }: { status: string; className?: string }) {
  const look = healthLooks[status as HealthStatus] ?? healthLooks.unknown;
  return (
    <Badge tone={look.tone} className={className}>
      <span aria-hidden="true" className={cn("mr-1.5 size-1.5 rounded-full", look.dot)} />
      {look.label}
    </Badge>
  );
}

export type TimelineEvent = { id: string; at: Date | string; kind: string; message: string; actor: string; runId: string | null };

type KindLook = { label: string; icon: string; path: ReactNode };

const kindLooks: Record<string, KindLook> = {
  detected: { label: "Detected", icon: "bg-red-600 text-white ring-red-600", path: <path d="M12 7v6M12 16.5h.01" /> },
  action: { label: "Recovery action", icon: "bg-brand-50 text-brand-700 ring-brand-200", path: <path d="M21 12a9 9 0 1 1-3-6.7M21 4v5h-5" /> },
  outcome: { label: "Outcome", icon: "bg-green-600 text-white ring-green-600", path: <path d="m5 12.5 4.5 4.5L19 7.5" /> },
  note: { label: "Note", icon: "bg-white text-zinc-600 ring-zinc-300", path: <path d="M5 5h14v10H9l-4 4z" /> },
  acknowledged: { label: "Acknowledged", icon: "bg-indigo-50 text-indigo-700 ring-indigo-200", path: <><circle cx="12" cy="8" r="3.5" /><path d="M5.5 20a6.5 6.5 0 0 1 13 0" /></> },
  escalated: { label: "Escalated", icon: "bg-amber-100 text-amber-800 ring-amber-300", path: <path d="M12 19V5M6 11l6-6 6 6" /> },
};

function KindIcon({ kind }: { kind: string }) {
  const look = kindLooks[kind] ?? kindLooks.note!;
  return (
    <span className={cn("relative z-10 flex size-7 shrink-0 items-center justify-center rounded-full ring-1 ring-inset", look.icon)} title={look.label}>
      <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2.25} strokeLinecap="round" strokeLinejoin="round" className="size-3.5" aria-hidden="true">
        {look.path}
      </svg>
    </span>
  );
}

/** A failed outcome (or a "could not act" action) reads in red; a person's note stands out as quoted text. */
function messageTone(e: TimelineEvent): string {
  if (e.kind === "escalated") return "text-amber-900";
  if (e.kind === "outcome" && /fail/i.test(e.message)) return "text-red-700";
  return "text-zinc-800";
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The incident's events, oldest first, as a vertical timeline; `runHref` links an event to its workflow run. */
export function IncidentTimeline({ events, runHref }: { events: TimelineEvent[]; runHref?: (runId: string) => string }) {
  if (events.length === 0) return <p className="text-sm text-zinc-500">Nothing recorded yet.</p>;
  return (
    <ol aria-label="Timeline" className="relative">
      {events.map((e, i) => {
        const look = kindLooks[e.kind] ?? { label: capitalize(e.kind) };
        const person = e.actor !== "fleetplane";
        return (
          <li key={e.id} className="relative flex gap-3 pb-5 last:pb-0">
            {i < events.length - 1 && <span aria-hidden="true" className="absolute top-7 bottom-0 left-3.5 w-px -translate-x-1/2 bg-zinc-200" />}
            <KindIcon kind={e.kind} />
            <div className="min-w-0 flex-1 pt-0.5">
              <div className="flex flex-wrap items-baseline justify-between gap-x-4 gap-y-0.5">
                <p className="text-sm font-medium text-zinc-900">
                  {look.label}
                  <span className="ml-2 text-xs font-normal text-zinc-500">{person ? `by ${e.actor}` : "by Fleetplane"}</span>
                </p>
                <p className="text-xs text-zinc-500 tabular-nums">
                  <Ago value={e.at} /> <span className="text-zinc-400">· {formatDateTime(e.at)}</span>
                </p>
              </div>
              {e.kind === "note" && person ? (
                <blockquote className="mt-1 rounded-md bg-zinc-50 px-3 py-2 text-sm whitespace-pre-wrap text-zinc-800 ring-1 ring-zinc-200 ring-inset">{e.message}</blockquote>
              ) : (
                e.kind !== "acknowledged" && <p className={cn("mt-0.5 text-sm break-words", messageTone(e))}>{capitalize(e.message)}</p>
              )}
              {e.runId && runHref && (
                <Link href={runHref(e.runId)} className="mt-1 inline-block text-xs font-medium text-brand-700 hover:text-brand-900 hover:underline">
                  Workflow run {e.runId.slice(0, 8)} →
                </Link>
              )}
            </div>
          </li>
        );
      })}
    </ol>
  );
}
