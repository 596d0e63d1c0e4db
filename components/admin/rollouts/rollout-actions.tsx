// What a platform admin can do to a rollout: pause it, resume it (optionally onto a fixed version of the same
// service), abort it, or roll it back; each asks first and shows the API's refusal in place.
"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Button, ConfirmDialog, Dialog, ErrorMessage, Field, Select } from "@/components/ui";
import { useTRPC } from "@/lib/trpc/client";
import { fieldErrorsOf, formErrorMessage } from "@/lib/trpc/errors";
import type { RouterOutputs } from "@/lib/trpc/types";
import { manageReason } from "./rollout-look";

type Rollout = RouterOutputs["rollouts"]["get"];
type Confirm = "pause" | "resume" | "abort" | "rollback" | null;

export function RolloutActions({ rollout: data, mayManage }: { rollout: Rollout; mayManage: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const r = data.rollout;
  const ref = { rolloutId: r.id };
  const refresh = () =>
    Promise.all([queryClient.invalidateQueries({ queryKey: trpc.rollouts.get.queryKey(ref) }), queryClient.invalidateQueries({ queryKey: trpc.rollouts.list.queryKey() })]);
  const pause = useMutation(trpc.rollouts.pause.mutationOptions({ onSuccess: refresh }));
  const abort = useMutation(trpc.rollouts.abort.mutationOptions({ onSuccess: refresh }));
  const rollback = useMutation(trpc.rollouts.rollback.mutationOptions({ onSuccess: refresh }));
  const [confirm, setConfirm] = useState<Confirm>(null);

  const role = mayManage ? null : manageReason;
  const s = r.status;
  const pauseReason = role ?? (s === "running" || s === "scheduled" ? null : `A ${label(s)} rollout cannot be paused`);
  const resumeReason = role ?? (s === "paused" ? null : "Only a paused rollout can be resumed");
  const abortReason = role ?? (s === "running" || s === "scheduled" || s === "paused" ? null : `A ${label(s)} rollout cannot be aborted`);
  const rollbackReason = role ?? (s === "rolling_back" || s === "rolled_back" ? "This rollout is already rolled back" : null);

  return (
    <>
      <div className="flex flex-wrap items-center gap-2">
        {s === "paused" ? (
          <Button size="sm" disabledReason={resumeReason} onClick={() => setConfirm("resume")}>
            Resume
          </Button>
        ) : (
          <Button variant="secondary" size="sm" disabledReason={pauseReason} onClick={() => setConfirm("pause")}>
            Pause
          </Button>
        )}
        <Button variant="secondary" size="sm" disabledReason={abortReason} onClick={() => setConfirm("abort")}>
          Abort
        </Button>
        <Button variant="ghost-danger" size="sm" disabledReason={rollbackReason} onClick={() => setConfirm("rollback")}>
          Roll back
        </Button>
      </div>
      <ConfirmDialog
        open={confirm === "pause"}
        onClose={() => setConfirm(null)}
        title="Pause this rollout?"
        message="No new upgrade starts; upgrades already under way finish. Nothing else changes until you resume or abort it."
        confirmLabel="Pause rollout"
        danger={false}
        onConfirm={() => pause.mutateAsync(ref)}
      />
      {confirm === "resume" && <ResumeDialog rollout={data} onClose={() => setConfirm(null)} onDone={refresh} />}
      <ConfirmDialog
        open={confirm === "abort"}
        onClose={() => setConfirm(null)}
        title="Abort this rollout?"
        message={
          <>
            It stops for good: instances not yet upgraded are skipped, upgrades under way are cancelled and undone (those instances go back to their version). Instances already upgraded keep{" "}
            {data.version.version}; use Roll back to return them too.
          </>
        }
        confirmLabel="Abort rollout"
        onConfirm={() => abort.mutateAsync(ref)}
      />
      <ConfirmDialog
        open={confirm === "rollback"}
        onClose={() => setConfirm(null)}
        title="Roll this rollout back?"
        message="The rollout stops if it is still going, then every instance it upgraded returns to the version it ran before, wave by wave, by a rollback run."
        confirmLabel="Roll back"
        onConfirm={() => rollback.mutateAsync(ref)}
      />
    </>
  );
}

function label(status: string): string {
  return status.replace("_", " ");
}

/** Resume as is, or with another version of the same service (the fix for what made the rollout pause). */
function ResumeDialog({ rollout: data, onClose, onDone }: { rollout: Rollout; onClose: () => void; onDone: () => Promise<unknown> }) {
  const trpc = useTRPC();
  const catalog = useQuery(trpc.catalog.adminList.queryOptions());
  const versions = catalog.data?.find((s) => s.id === data.service.id)?.versions ?? [];
  const [versionId, setVersionId] = useState("");
  const resume = useMutation(
    trpc.rollouts.resume.mutationOptions({
      onSuccess: async () => {
        await onDone();
        onClose();
      },
    }),
  );
  const errors = fieldErrorsOf(resume.error);
  const chosen = versions.find((v) => v.id === versionId);
  return (
    <Dialog
      open
      onClose={onClose}
      title="Resume this rollout?"
      description={data.rollout.pauseReason ? `It paused because: ${data.rollout.pauseReason}.` : undefined}
      footer={
        <>
          <Button variant="secondary" onClick={onClose} disabled={resume.isPending}>
            Cancel
          </Button>
          <Button form="resume-rollout" type="submit" loading={resume.isPending}>
            {chosen ? `Resume with ${chosen.version}` : "Resume rollout"}
          </Button>
        </>
      }
    >
      <form
        id="resume-rollout"
        className="space-y-4"
        onSubmit={(e) => {
          e.preventDefault();
          resume.mutate({ rolloutId: data.rollout.id, ...(versionId ? { versionId } : {}) });
        }}
      >
        <ErrorMessage error={formErrorMessage(resume.error, ["versionId"])} />
        <Field
          label="Resume with version"
          error={errors.versionId}
          hint={
            chosen
              ? `Instances whose upgrade failed, and those already on ${data.version.version}, are upgraded again to ${chosen.version}; failures count afresh.`
              : "The failures so far are taken as seen: only new ones count towards the threshold."
          }
        >
          <Select name="versionId" value={versionId} onChange={(e) => setVersionId(e.target.value)}>
            <option value="">Keep {data.version.version}</option>
            {versions
              .filter((v) => v.id !== data.version.id)
              .map((v) => (
                <option key={v.id} value={v.id}>
                  {v.version}
                  {v.mandatory ? " · security patch" : ""}
                </option>
              ))}
          </Select>
        </Field>
      </form>
    </Dialog>
  );
}
