// The steps of one workflow run as a vertical timeline: status, attempts, duration, error text and output.
// Used by the customer portal (instance pages) and the provider console (run pages) alike.
"use client";
import type { RunStatus, StepStatus } from "@/db/schema";
import { cn } from "@/components/ui";
import { humanizeStep } from "./format";
import { Ago, Elapsed, useNow } from "./relative-time";
import { StepStatusIcon, stepStatusLabel } from "./run-status";

export type TimelineStep = {
  index: number;
  name: string;
  status: StepStatus;
  attempts: number;
  startedAt: Date | string | null;
  finishedAt: Date | string | null;
  durationMs: number | null;
  error: string | null;
  output: Record<string, unknown> | null;
  nextAttemptAt?: Date | string | null;
};

const statusText: Partial<Record<StepStatus, string>> = {
  running: "text-brand-700",
  waiting_retry: "text-amber-800",
  failed: "text-red-700",
  compensating: "text-amber-800",
  compensated: "text-zinc-600",
};

export function StepTimeline({
  steps,
  runStatus,
  currentStep,
  className,
}: {
  steps: TimelineStep[];
  runStatus?: RunStatus;
  /** The run's next (or running) step: a pending step there is waiting for a worker, not for earlier steps. */
  currentStep?: number;
  className?: string;
}) {
  if (steps.length === 0) return <p className={cn("text-sm text-zinc-500", className)}>This run has no steps.</p>;
  return (
    <ol className={cn("relative", className)} aria-label="Steps">
      {steps.map((step, i) => (
        <StepItem key={step.index} step={step} last={i === steps.length - 1} runStatus={runStatus} isCurrent={step.index === currentStep} />
      ))}
    </ol>
  );
}

/** A step that waits for something outside its run (a rollout's wave) looks again on a schedule: not a retry. */
const isWaiting = (step: TimelineStep) => step.status === "waiting_retry" && step.output?.waiting === true;

function StepItem({ step, last, runStatus, isCurrent }: { step: TimelineStep; last: boolean; runStatus?: RunStatus; isCurrent: boolean }) {
  const done = step.status === "succeeded" || step.status === "compensated";
  const waiting = isWaiting(step);
  const quietPending = step.status === "pending" && (runStatus === "cancelled" || runStatus === "failed");
  return (
    <li className="relative flex gap-3 pb-4 last:pb-0">
      {!last && <span aria-hidden="true" className={cn("absolute top-6 bottom-0 left-3 w-px -translate-x-1/2", done ? "bg-green-300" : "bg-zinc-200")} />}
      <StepStatusIcon status={step.status} />
      <div className="min-w-0 flex-1 pt-0.5">
        <div className="flex flex-wrap items-baseline justify-between gap-x-4 gap-y-0.5">
          <p className={cn("text-sm font-medium", step.status === "pending" || step.status === "skipped" ? "text-zinc-500" : "text-zinc-900")}>
            <span className="mr-1.5 text-xs text-zinc-400 tabular-nums">{step.index + 1}.</span>
            <span title={step.name}>{humanizeStep(step.name)}</span>
          </p>
          <p className="flex flex-wrap items-baseline gap-x-3 text-xs text-zinc-500 tabular-nums">
            {step.attempts > 1 && step.status !== "running" && !waiting && (
              <span className={cn("font-medium", step.status === "failed" || step.status === "waiting_retry" ? "text-amber-800" : "text-zinc-600")}>
                {step.attempts} attempts
              </span>
            )}
            {(step.startedAt || step.durationMs !== null) && (
              <span title="Duration">
                <Elapsed startedAt={step.startedAt} finishedAt={step.finishedAt} durationMs={step.status === "running" ? null : step.durationMs} />
              </span>
            )}
          </p>
        </div>
        <StepState step={step} quiet={quietPending} next={isCurrent ? runStatus : undefined} />
        {step.error && (
          <pre className="mt-1.5 max-h-40 overflow-auto rounded-md bg-red-50 px-3 py-2 font-mono text-xs whitespace-pre-wrap text-red-800 ring-1 ring-red-200 ring-inset">
            {step.error}
          </pre>
        )}
        <StepOutput output={step.output} />
      </div>
    </li>
  );
}

/** What a pending step waits for, given the status of its run when it is the run's current step. */
function pendingText(quiet: boolean, next: RunStatus | undefined): string {
  if (quiet) return "Not run";
  if (next === "running") return "Starting: waiting for a worker to pick it up";
  if (next === "paused") return "Next: runs when the run is resumed";
  if (next === "queued") return "Runs when the run's turn comes";
  return "Waiting for the steps before it";
}

function StepState({ step, quiet, next }: { step: TimelineStep; quiet: boolean; next?: RunStatus }) {
  if (step.status === "succeeded") {
    return step.finishedAt ? (
      <p className="text-xs text-zinc-500">
        Done <Ago value={step.finishedAt} />
      </p>
    ) : null;
  }
  if (step.status === "pending") return <p className={cn("text-xs", next === "running" ? "text-brand-700" : "text-zinc-400")}>{pendingText(quiet, next)}</p>;
  if (isWaiting(step) && next === "paused") return <p className="text-xs text-zinc-500">Paused: looks again when the run is resumed</p>;
  if (isWaiting(step)) {
    return (
      <p className="text-xs text-brand-700">
        In progress: waiting{step.nextAttemptAt && <NextLook at={step.nextAttemptAt} />}
      </p>
    );
  }
  return (
    <p className={cn("text-xs", statusText[step.status] ?? "text-zinc-500")}>
      {stepStatusLabel(step.status)}
      {step.status === "running" && step.attempts > 0 && <> · attempt {step.attempts}</>}
      {step.status === "running" && step.startedAt && (
        <>
          {" "}
          · started <Ago value={step.startedAt} />
        </>
      )}
      {step.status === "waiting_retry" && step.nextAttemptAt && <NextAttempt at={step.nextAttemptAt} />}
      {step.status === "failed" && step.finishedAt && (
        <>
          {" "}
          <Ago value={step.finishedAt} />
        </>
      )}
      {step.status === "compensated" && " (its change was rolled back)"}
    </p>
  );
}

function NextLook({ at }: { at: Date | string }) {
  const now = useNow(1000);
  if (new Date(at).getTime() <= now) return <> · looks again now</>;
  return (
    <>
      {" "}
      · looks again <Ago value={at} />
    </>
  );
}

function NextAttempt({ at }: { at: Date | string }) {
  const now = useNow(1000);
  if (new Date(at).getTime() <= now) return <> · next attempt due now</>;
  return (
    <>
      {" "}
      · next attempt <Ago value={at} />
    </>
  );
}

function StepOutput({ output }: { output: Record<string, unknown> | null }) {
  if (!output || (typeof output === "object" && Object.keys(output).length === 0)) return null;
  const compact = JSON.stringify(output);
  if (compact.length <= 90) {
    return (
      <p className="mt-1 text-xs text-zinc-500">
        Output <code className="rounded bg-zinc-100 px-1.5 py-0.5 font-mono text-[11px] break-all text-zinc-700">{compact}</code>
      </p>
    );
  }
  return (
    <details className="mt-1 text-xs text-zinc-500">
      <summary className="cursor-pointer select-none hover:text-zinc-700">Output ({Object.keys(output).length} fields)</summary>
      <pre className="mt-1 max-h-48 overflow-auto rounded-md bg-zinc-50 px-3 py-2 font-mono text-[11px] text-zinc-700 ring-1 ring-zinc-200 ring-inset">{JSON.stringify(output, null, 2)}</pre>
    </details>
  );
}
