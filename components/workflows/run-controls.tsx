// Pause, resume, retry and cancel for one run: only the buttons its status allows; a role that may not steer runs sees them disabled with the reason.
"use client";
import { useState } from "react";
import type { RunStatus } from "@/db/schema";
import { Button, Dialog, ErrorMessage } from "@/components/ui";

export type RunActions = {
  pause: () => Promise<unknown>;
  resume: () => Promise<unknown>;
  retry: () => Promise<unknown>;
  cancel: () => Promise<unknown>;
};

type Verb = keyof RunActions;

/** Which controls a run offers in its status (the server checks again). */
export function allowedRunActions(run: { status: RunStatus; pauseRequested: string | null }): Verb[] {
  const out: Verb[] = [];
  const pausing = !!run.pauseRequested && (run.status === "running" || run.status === "queued");
  if ((run.status === "running" || run.status === "queued") && !pausing) out.push("pause");
  if (run.status === "paused" || pausing) out.push("resume");
  if (run.status === "failed") out.push("retry");
  if (["queued", "running", "paused", "failed"].includes(run.status)) out.push("cancel");
  return out;
}

const labels: Record<Verb, string> = { pause: "Pause", resume: "Resume", retry: "Retry from failed step", cancel: "Cancel run" };
const compactLabels: Record<Verb, string> = { pause: "Pause", resume: "Resume", retry: "Retry", cancel: "Cancel" };

export function RunControls({
  run,
  actions,
  disabledReason,
  size = "sm",
  compact,
  onDone,
}: {
  run: { status: RunStatus; pauseRequested: string | null; title?: string };
  actions: RunActions;
  /** Set when the viewer's role may not steer runs: buttons stay visible but disabled, saying why. */
  disabledReason?: string | null;
  size?: "sm" | "md";
  /** Short labels on one line, for table rows. */
  compact?: boolean;
  onDone?: () => void;
}) {
  const [busy, setBusy] = useState<Verb | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [confirmCancel, setConfirmCancel] = useState(false);
  const allowed = allowedRunActions(run);
  if (allowed.length === 0) return null;

  async function act(verb: Verb) {
    setBusy(verb);
    setError(null);
    try {
      await actions[verb]();
      onDone?.();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  }

  return (
    <div className="space-y-2">
      <div className={compact ? "flex items-center justify-end gap-1" : "flex flex-wrap items-center gap-2"}>
        {allowed
          .filter((v) => v !== "cancel")
          .map((verb) => (
            <Button
              key={verb}
              size={size}
              variant={verb === "retry" || verb === "resume" ? "primary" : "secondary"}
              loading={busy === verb}
              disabled={busy !== null && busy !== verb}
              disabledReason={disabledReason}
              onClick={() => act(verb)}
            >
              {(compact ? compactLabels : labels)[verb]}
            </Button>
          ))}
        {allowed.includes("cancel") && (
          <Button size={size} variant="ghost-danger" disabled={busy !== null} disabledReason={disabledReason} onClick={() => setConfirmCancel(true)}>
            {(compact ? compactLabels : labels).cancel}
          </Button>
        )}
      </div>
      <ErrorMessage error={error} />
      <Dialog
        open={confirmCancel}
        onClose={() => setConfirmCancel(false)}
        title={`Cancel ${run.title ? `“${run.title}”` : "this run"}?`}
        footer={
          <>
            <Button variant="secondary" onClick={() => setConfirmCancel(false)}>
              Keep it
            </Button>
            <Button
              variant="danger"
              loading={busy === "cancel"}
              onClick={async () => {
                setConfirmCancel(false);
                await act("cancel");
              }}
            >
              Cancel run
            </Button>
          </>
        }
      >
        <p className="text-sm text-zinc-700">
          {run.status === "queued"
            ? "The run has not started: it is dropped and the runs after it move up."
            : "A step that is running finishes first. Then the steps already done are undone in reverse order, and the run ends as cancelled."}
        </p>
      </Dialog>
    </div>
  );
}
