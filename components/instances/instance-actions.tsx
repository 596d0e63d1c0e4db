// What a person can do to an instance: scale, stop or start, restart, change plan and delete (typed confirmation).
// Each action starts a workflow run; buttons the role or the instance's state do not allow stay visible, disabled with the reason.
"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Alert, Button, Dialog, ErrorMessage, Field, Input, Select } from "@/components/ui";
import { useOrg } from "@/components/org/org-context";
import { formatCpu, formatMemory } from "@/lib/format";
import { can } from "@/lib/roles";
import { useTRPC } from "@/lib/trpc/client";
import { fieldErrorsOf, formErrorMessage } from "@/lib/trpc/errors";
import type { RouterOutputs } from "@/lib/trpc/types";
import { priceLabel } from "./instances-page";
import { notAllowedReason } from "./roles";

type Instance = RouterOutputs["instances"]["get"];
export type ActionNotice = { tone: "success" | "error" | "info"; text: string };

function useInvalidate(instanceId: string) {
  const org = useOrg();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.instances.get.queryKey({ orgId: org.id, instanceId }) }),
      queryClient.invalidateQueries({ queryKey: trpc.instances.list.queryKey({ orgId: org.id }) }),
    ]);
}

function started(what: string, result: { status: string }): ActionNotice {
  return result.status === "queued"
    ? { tone: "info", text: `${what} is queued: it starts when the change in progress ends.` }
    : result.status === "paused"
      ? { tone: "info", text: `${what} was created paused: operators are holding new runs of this kind for now.` }
      : { tone: "success", text: `${what} started. Follow its steps below.` };
}

export function InstanceActions({ instance, onNotice }: { instance: Instance; onNotice: (n: ActionNotice) => void }) {
  const org = useOrg();
  const trpc = useTRPC();
  const invalidate = useInvalidate(instance.id);
  const [dialog, setDialog] = useState<"scale" | "plan" | "delete" | null>(null);
  const ref = { orgId: org.id, instanceId: instance.id };
  const fail = (verb: string) => (err: unknown) => onNotice({ tone: "error", text: `Could not ${verb} ${instance.name}: ${err instanceof Error ? err.message : String(err)}` });
  const stop = useMutation(trpc.instances.stop.mutationOptions({ onSuccess: async (r) => (await invalidate(), onNotice(started("The stop", r))), onError: fail("stop") }));
  const start = useMutation(trpc.instances.start.mutationOptions({ onSuccess: async (r) => (await invalidate(), onNotice(started("The start", r))), onError: fail("start") }));
  const restart = useMutation(trpc.instances.restart.mutationOptions({ onSuccess: async (r) => (await invalidate(), onNotice(started("The restart", r))), onError: fail("restart") }));

  const deleting = instance.desiredState === "deleted";
  const roleManage = can(org.role, "instances:manage") ? null : notAllowedReason(org.role, "change instances");
  const roleDelete = can(org.role, "instances:delete") ? null : notAllowedReason(org.role, "delete instances");
  const gone = deleting ? "The instance is being deleted" : null;
  const stopped = instance.desiredState === "stopped";
  const showStart = stopped || instance.observedState === "stopped" || instance.observedState === "sleeping";
  const busy = stop.isPending || start.isPending || restart.isPending;

  return (
    <>
      <div className="flex flex-wrap items-center gap-2">
        <Button variant="secondary" size="sm" disabledReason={roleManage ?? gone ?? (stopped ? "Start the instance before scaling it" : null)} onClick={() => setDialog("scale")}>
          Scale
        </Button>
        {showStart ? (
          <Button variant="secondary" size="sm" loading={start.isPending} disabled={busy} disabledReason={roleManage ?? gone} onClick={() => start.mutate(ref)}>
            Start
          </Button>
        ) : (
          <Button variant="secondary" size="sm" loading={stop.isPending} disabled={busy} disabledReason={roleManage ?? gone} onClick={() => stop.mutate(ref)}>
            Stop
          </Button>
        )}
        <Button
          variant="secondary"
          size="sm"
          loading={restart.isPending}
          disabled={busy}
          disabledReason={roleManage ?? gone ?? (instance.desiredState !== "running" ? "Only a running instance can be restarted" : null)}
          onClick={() => restart.mutate(ref)}
        >
          Restart
        </Button>
        <Button variant="secondary" size="sm" disabledReason={roleManage ?? gone} onClick={() => setDialog("plan")}>
          Change plan
        </Button>
        <Button variant="ghost-danger" size="sm" disabledReason={roleDelete ?? gone} onClick={() => setDialog("delete")}>
          Delete
        </Button>
      </div>
      {/* Mounted only while open, so each opening starts from a clean form. */}
      {dialog === "scale" && <ScaleDialog instance={instance} open onClose={() => setDialog(null)} onNotice={onNotice} />}
      {dialog === "plan" && <ChangePlanDialog instance={instance} open onClose={() => setDialog(null)} onNotice={onNotice} />}
      {dialog === "delete" && <DeleteDialog instance={instance} open onClose={() => setDialog(null)} onNotice={onNotice} />}
    </>
  );
}

function ScaleDialog({ instance, open, onClose, onNotice }: { instance: Instance; open: boolean; onClose: () => void; onNotice: (n: ActionNotice) => void }) {
  const org = useOrg();
  const trpc = useTRPC();
  const invalidate = useInvalidate(instance.id);
  const [value, setValue] = useState(String(instance.desiredReplicas));
  const scale = useMutation(trpc.instances.scale.mutationOptions());
  const n = Number(value);
  const problem = !/^\d+$/.test(value.trim()) || n < 1 || n > 20 ? "Choose between 1 and 20 replicas." : n === instance.desiredReplicas ? "That is the current number of replicas." : null;
  const errors = fieldErrorsOf(scale.error);
  return (
    <Dialog
      open={open}
      onClose={onClose}
      title={`Scale ${instance.name}`}
      description="How many copies of it run. More replicas take more capacity on the cluster."
      footer={
        <>
          <Button variant="secondary" onClick={onClose} disabled={scale.isPending}>
            Cancel
          </Button>
          <Button type="submit" form="scale-instance" loading={scale.isPending} disabled={!!problem}>
            Scale to {Number.isFinite(n) && n > 0 ? n : "…"}
          </Button>
        </>
      }
    >
      <form
        id="scale-instance"
        className="space-y-4"
        onSubmit={async (e) => {
          e.preventDefault();
          if (problem) return;
          try {
            const r = await scale.mutateAsync({ orgId: org.id, instanceId: instance.id, replicas: n });
            await invalidate();
            onNotice(started(`Scaling to ${n}`, r));
            onClose();
          } catch {
            /* shown below */
          }
        }}
      >
        <ErrorMessage error={formErrorMessage(scale.error, ["replicas"])} />
        <Field label="Replicas" error={errors.replicas ?? (value.trim() && problem && n !== instance.desiredReplicas ? problem : null)} hint={`Now ${instance.desiredReplicas}; the ${instance.planName} plan starts with this many.`}>
          <Input type="number" min={1} max={20} step={1} inputMode="numeric" value={value} onChange={(e) => setValue(e.target.value)} className="max-w-32 tabular-nums" />
        </Field>
      </form>
    </Dialog>
  );
}

function ChangePlanDialog({ instance, open, onClose, onNotice }: { instance: Instance; open: boolean; onClose: () => void; onNotice: (n: ActionNotice) => void }) {
  const org = useOrg();
  const trpc = useTRPC();
  const invalidate = useInvalidate(instance.id);
  const catalog = useQuery({ ...trpc.catalog.list.queryOptions(), enabled: open });
  const change = useMutation(trpc.instances.changePlan.mutationOptions());
  const service = catalog.data?.find((s) => s.plans.some((p) => p.id === instance.planId)) ?? catalog.data?.find((s) => s.name === instance.serviceName);
  const plans = service?.plans ?? [];
  const [planId, setPlanId] = useState("");
  const chosen = plans.find((p) => p.id === planId);
  const errors = fieldErrorsOf(change.error);
  return (
    <Dialog
      open={open}
      onClose={onClose}
      title={`Change the plan of ${instance.name}`}
      description={`Now on ${instance.planName} (${priceLabel(instance.priceMonthlyCents)}). The new size must fit on the cluster it runs on.`}
      footer={
        <>
          <Button variant="secondary" onClick={onClose} disabled={change.isPending}>
            Cancel
          </Button>
          <Button type="submit" form="change-plan" loading={change.isPending} disabled={!chosen}>
            Change plan
          </Button>
        </>
      }
    >
      {catalog.isPending ? (
        <p className="text-sm text-zinc-500">Loading plans…</p>
      ) : catalog.error ? (
        <ErrorMessage error={catalog.error} />
      ) : (
        <form
          id="change-plan"
          className="space-y-4"
          onSubmit={async (e) => {
            e.preventDefault();
            if (!chosen) return;
            try {
              const r = await change.mutateAsync({ orgId: org.id, instanceId: instance.id, planId: chosen.id });
              await invalidate();
              onNotice(started(`The change to ${chosen.name}`, r));
              onClose();
            } catch {
              /* shown below */
            }
          }}
        >
          <ErrorMessage error={formErrorMessage(change.error, ["planId"])} />
          <Field label="New plan" error={errors.planId ?? null}>
            <Select value={planId} onChange={(e) => setPlanId(e.target.value)}>
              <option value="" disabled>
                Choose a plan…
              </option>
              {plans.map((p) => (
                <option key={p.id} value={p.id} disabled={p.id === instance.planId}>
                  {p.name} · {priceLabel(p.free ? 0 : p.priceMonthlyCents)} · {formatCpu(p.cpuMillis)}, {formatMemory(p.memoryMb)}
                  {p.storageGb ? `, ${p.storageGb} GiB` : ""} × {p.replicas}
                  {p.id === instance.planId ? " (current)" : ""}
                </option>
              ))}
            </Select>
          </Field>
          {chosen && (
            <p className="text-sm text-zinc-600">
              {chosen.name}: {formatCpu(chosen.cpuMillis)} and {formatMemory(chosen.memoryMb)} memory per replica, {chosen.replicas} {chosen.replicas === 1 ? "replica" : "replicas"}
              {chosen.storageGb ? `, ${chosen.storageGb} GiB storage` : ""}. The replica count is reset to the plan&apos;s.
            </p>
          )}
          {plans.length <= 1 && <Alert tone="info">{instance.serviceName} has no other plan on offer.</Alert>}
        </form>
      )}
    </Dialog>
  );
}

function DeleteDialog({ instance, open, onClose, onNotice }: { instance: Instance; open: boolean; onClose: () => void; onNotice: (n: ActionNotice) => void }) {
  const org = useOrg();
  const trpc = useTRPC();
  const invalidate = useInvalidate(instance.id);
  const remove = useMutation(trpc.instances.delete.mutationOptions());
  const [typed, setTyped] = useState("");
  const matches = typed.trim() === instance.name;
  return (
    <Dialog
      open={open}
      onClose={onClose}
      title={`Delete ${instance.name}?`}
      footer={
        <>
          <Button variant="secondary" onClick={onClose} disabled={remove.isPending}>
            Cancel
          </Button>
          <Button variant="danger" type="submit" form="delete-instance" loading={remove.isPending} disabled={!matches}>
            Delete instance
          </Button>
        </>
      }
    >
      <form
        id="delete-instance"
        className="space-y-4"
        onSubmit={async (e) => {
          e.preventDefault();
          if (!matches) return;
          try {
            const r = await remove.mutateAsync({ orgId: org.id, instanceId: instance.id });
            await invalidate();
            onNotice(started("The deletion", r));
            onClose();
          } catch {
            /* shown below */
          }
        }}
      >
        <Alert tone="warning">
          Its namespace on the cluster is removed with everything in it{instance.serviceKind === "stateful" ? ", including its data volumes" : ""}. This cannot be undone.
        </Alert>
        <ErrorMessage error={remove.error} />
        <Field label={<>Type <span className="font-mono">{instance.name}</span> to confirm</>}>
          <Input value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" spellCheck={false} className="font-mono" />
        </Field>
      </form>
    </Dialog>
  );
}
