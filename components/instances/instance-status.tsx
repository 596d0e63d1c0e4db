// How an instance's observed state looks (one colour per state; sleeping is indigo with a moon) and which states are
// on their way somewhere.
import type { ObservedState } from "@/db/schema";
import { Badge, cn } from "@/components/ui";

type Tone = "neutral" | "brand" | "green" | "amber" | "red" | "indigo";

const looks: Record<ObservedState, { label: string; tone: Tone; moving?: boolean }> = {
  pending: { label: "Pending", tone: "neutral", moving: true },
  provisioning: { label: "Provisioning", tone: "brand", moving: true },
  running: { label: "Running", tone: "green" },
  updating: { label: "Updating", tone: "brand", moving: true },
  stopping: { label: "Stopping", tone: "amber", moving: true },
  stopped: { label: "Stopped", tone: "neutral" },
  sleeping: { label: "Sleeping", tone: "indigo" },
  failed: { label: "Failed", tone: "red" },
  deleting: { label: "Deleting", tone: "amber", moving: true },
  deleted: { label: "Deleted", tone: "neutral" },
};

export const OBSERVED_STATE_LABELS = Object.fromEntries(Object.entries(looks).map(([k, v]) => [k, v.label])) as Record<ObservedState, string>;

/** States a workflow is still working on: lists and pages poll fast while one is shown. */
export function isTransitional(state: string): boolean {
  return looks[state as ObservedState]?.moving ?? false;
}

export function stateLabel(state: string): string {
  return looks[state as ObservedState]?.label ?? state;
}

/**
 * The sleep and wake workflows pass through "stopping" and "updating"; their status message tells them apart from a
 * stop or an update, so the badge can say "Going to sleep" or "Waking" (indigo, like "Sleeping").
 */
function lookOf(state: string, message?: string | null): { label: string; tone: Tone; moving?: boolean } {
  if (state === "updating" && message && /^waking/i.test(message)) return { label: "Waking", tone: "indigo", moving: true };
  if (state === "stopping" && message && /^going to sleep/i.test(message)) return { label: "Going to sleep", tone: "indigo", moving: true };
  return looks[state as ObservedState] ?? { label: state, tone: "neutral" };
}

function MoonIcon() {
  return (
    <svg viewBox="0 0 16 16" aria-hidden="true" className="mr-1 size-3 shrink-0" fill="currentColor">
      <path d="M13.5 10.2A5.75 5.75 0 0 1 5.8 2.5a5.75 5.75 0 1 0 7.7 7.7Z" />
    </svg>
  );
}

/** `message` (the instance's status message) lets the badge name the sleep and wake transitions. */
export function InstanceStatusBadge({ state, message, className }: { state: string; message?: string | null; className?: string }) {
  const look = lookOf(state, message);
  return (
    <Badge tone={look.tone} className={className}>
      {state === "sleeping" && <MoonIcon />}
      {look.moving && <span aria-hidden="true" className="mr-1.5 size-1.5 animate-pulse rounded-full bg-current" />}
      {look.label}
    </Badge>
  );
}

/** The badge with the status message under it (why it failed, what it waits for). */
export function InstanceStatus({ state, message, className }: { state: string; message?: string | null; className?: string }) {
  return (
    <div className={cn("flex min-w-0 flex-col items-start gap-1", className)}>
      <InstanceStatusBadge state={state} message={message} />
      {message && <span className={cn("max-w-64 text-xs", state === "failed" ? "text-red-700" : "text-zinc-500")}>{message}</span>}
    </div>
  );
}

/** "http://host:port/" for an endpoint, or null when there is none yet. */
export function endpointUrl(host: string | null | undefined, port: number | null | undefined): string | null {
  if (!host) return null;
  return `http://${host}${port ? `:${port}` : ""}/`;
}

/** The instance's address: a link while it serves (`live`), plain text with a note otherwise. */
export function Endpoint({ host, port, className, live = true }: { host: string | null | undefined; port: number | null | undefined; className?: string; live?: boolean }) {
  const url = endpointUrl(host, port);
  if (!url || !host) return <span className={cn("text-zinc-400", className)}>—</span>;
  if (!live) {
    return (
      <span className={cn("font-mono text-xs text-zinc-500", className)} title="Not serving while the instance is not running">
        {host}:{port} <span className="font-sans">(not serving)</span>
      </span>
    );
  }
  return (
    <a href={url} target="_blank" rel="noreferrer" className={cn("font-mono text-xs text-brand-700 hover:text-brand-900 hover:underline", className)}>
      {/* Break long host names at their dots, not in the middle of a label. */}
      {host.split(".").map((part, i) => (
        <span key={i}>
          {i > 0 && (
            <>
              .<wbr />
            </>
          )}
          {part}
        </span>
      ))}
      {port ? `:${port}` : ""}
    </a>
  );
}
