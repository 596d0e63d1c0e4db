// One run in full: who asked, when, how far it got, why it stopped, and its step timeline.
"use client";
import type { RunStatus } from "@/db/schema";
import { Alert } from "@/components/ui";
import { humanizeStep } from "./format";
import { Ago, Elapsed } from "./relative-time";
import { StepTimeline, type TimelineStep } from "./step-timeline";

export type RunView = {
  id: string;
  type: string;
  title: string;
  status: RunStatus;
  error: string | null;
  requestedBy: string;
  pauseRequested: string | null;
  currentStep: number;
  stepCount: number;
  createdAt: Date | string;
  startedAt: Date | string | null;
  finishedAt: Date | string | null;
  steps: TimelineStep[];
};

/** "Requested by dana@… · started 12 s ago · ran 4.1 s": one line under a run's title. */
export function RunMeta({ run }: { run: Omit<RunView, "steps"> }) {
  const finished = run.status === "succeeded" || run.status === "failed" || run.status === "cancelled";
  return (
    <p className="flex flex-wrap gap-x-2 text-xs text-zinc-500">
      <span>
        Requested by <span className="font-medium text-zinc-700">{run.requestedBy}</span> <Ago value={run.createdAt} />
      </span>
      {run.startedAt && (
        <>
          <span aria-hidden="true">·</span>
          {run.status === "paused" ? (
            <span>
              started <Ago value={run.startedAt} />
            </span>
          ) : (
            <span>
              {finished ? "took" : "running for"} <Elapsed startedAt={run.startedAt} finishedAt={finished ? run.finishedAt : null} />
            </span>
          )}
        </>
      )}
      {run.finishedAt && finished && (
        <>
          <span aria-hidden="true">·</span>
          <span>
            ended <Ago value={run.finishedAt} />
          </span>
        </>
      )}
    </p>
  );
}

/** What a person should know about the run's state before reading its steps. */
export function RunNotice({ run }: { run: RunView }) {
  const step = run.steps.find((s) => s.index === run.currentStep);
  if (run.status === "failed") {
    return (
      <Alert tone="error" title={step ? `Failed at step ${run.currentStep + 1}, ${humanizeStep(step.name)}` : "Failed"}>
        <p>{run.error ?? step?.error ?? "The step failed after its retries."}</p>
        <p className="mt-1">Retrying starts again from this step; cancelling undoes the steps already done.</p>
      </Alert>
    );
  }
  if (run.status === "paused") {
    return (
      <Alert tone="warning" title={`Paused before step ${Math.min(run.currentStep + 1, run.stepCount)}${step ? `, ${humanizeStep(step.name)}` : ""}`}>
        {run.pauseRequested ? `${capitalize(run.pauseRequested)}. ` : ""}Nothing happens until it is resumed or cancelled.
      </Alert>
    );
  }
  if ((run.status === "running" || run.status === "queued") && run.pauseRequested) {
    return <Alert tone="warning">Pausing ({run.pauseRequested}): the step that is running finishes first, then the run waits until it is resumed.</Alert>;
  }
  if (run.status === "queued") {
    return <Alert tone="info">Waiting its turn: another change to the same instance is in progress, and runs on one instance go one at a time, in order.</Alert>;
  }
  if (run.status === "cancelling") {
    return <Alert tone="warning">Cancelling: the steps already done are being undone in reverse order.</Alert>;
  }
  if (run.status === "cancelled") return <Alert tone="info">{run.error ? `${capitalize(run.error)}.` : "This run was cancelled."}</Alert>;
  return null;
}

export function RunBody({ run }: { run: RunView }) {
  return (
    <div className="space-y-4">
      <RunNotice run={run} />
      <StepTimeline steps={run.steps} runStatus={run.status} currentStep={run.currentStep} />
    </div>
  );
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
