// Scale to zero on the instance page (plans that allow it): whether it is awake, the idle timeout before it sleeps
// (the plan's or its own), pinning it awake, sleeping or waking it now, and its sleep/wake history.
"use client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Badge, Button, Card, CardBody, CardHeader, Checkbox, ErrorMessage, Field, Input, cn } from "@/components/ui";
import { useOrg } from "@/components/org/org-context";
import { Ago } from "@/components/workflows/relative-time";
import { formatDuration } from "@/components/workflows/format";
import { isRunMoving } from "@/components/workflows/run-status";
import { can } from "@/lib/roles";
import { useTRPC } from "@/lib/trpc/client";
import { fieldErrorsOf, formErrorMessage } from "@/lib/trpc/errors";
import type { RouterOutputs } from "@/lib/trpc/types";
import { stateLabel } from "./instance-status";
import { notAllowedReason } from "./roles";
import type { Traffic, useTraffic } from "./traffic-card";

type Instance = RouterOutputs["instances"]["get"];
type HistoryItem = Traffic["history"][number];

/** The shortest idle timeout the server accepts (server/scaling/sleep-wake.ts MIN_IDLE_SECONDS). */
const MIN_IDLE_SECONDS = 60;
const MAX_IDLE_SECONDS = 30 * 86_400;

type Phase = { label: string; tone: "green" | "indigo" | "neutral" | "amber"; moving?: boolean };

/** Awake, Sleeping, or on the way between the two (a pending sleep or wake run), else the plain observed state. */
export function sleepPhase(i: Instance): Phase {
  const pending = i.runs.find((r) => isRunMoving(r.status) || r.status === "paused");
  if (pending?.type === "instance-wake" || (i.observedState === "updating" && /^waking/i.test(i.statusMessage ?? ""))) return { label: "Waking…", tone: "indigo", moving: true };
  if (pending?.type === "instance-sleep") return { label: "Going to sleep…", tone: "indigo", moving: true };
  if (i.observedState === "sleeping") return { label: "Sleeping", tone: "indigo" };
  if (i.observedState === "running") return { label: "Awake", tone: "green" };
  return { label: stateLabel(i.observedState), tone: i.observedState === "failed" ? "amber" : "neutral" };
}

/** 300 → "5 min", 90 → "1 min 30 s", 3600 → "1 h". */
export function formatIdle(seconds: number): string {
  return formatDuration(seconds * 1000);
}

function byWhom(requestedBy: string | null): string {
  return requestedBy ? ` — by ${requestedBy}` : "";
}

/** "Woke in 1.4 s — by gateway", "Slept — by idle detector", "Waking… — by carla@shopfront.test". */
export function historyText(h: HistoryItem): string {
  const wake = h.kind === "wake";
  const who = byWhom(h.requestedBy);
  switch (h.status) {
    case "succeeded":
      return wake ? `Woke in ${formatDuration(h.durationMs)}${who}` : `Slept${who}`;
    case "failed":
      return `${wake ? "Wake" : "Sleep"} failed${h.durationMs !== null ? ` after ${formatDuration(h.durationMs)}` : ""}${who}`;
    case "cancelled":
      return `${wake ? "Wake" : "Sleep"} cancelled${who}`;
    case "queued":
      return `${wake ? "Wake" : "Sleep"} queued${who}`;
    case "paused":
      return `${wake ? "Wake" : "Sleep"} paused by operators${who}`;
    default:
      return `${wake ? "Waking…" : "Going to sleep…"}${who}`;
  }
}

export function ScaleToZeroCard({ instance: i, traffic }: { instance: Instance; traffic: ReturnType<typeof useTraffic> }) {
  const org = useOrg();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const ref = { orgId: org.id, instanceId: i.id };
  const invalidate = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.instances.get.queryKey(ref) }),
      queryClient.invalidateQueries({ queryKey: trpc.instances.traffic.queryKey(ref) }),
      queryClient.invalidateQueries({ queryKey: trpc.instances.list.queryKey({ orgId: org.id }) }),
    ]);
  const sleep = useMutation(trpc.instances.sleep.mutationOptions({ onSuccess: invalidate }));
  const wake = useMutation(trpc.instances.wake.mutationOptions({ onSuccess: invalidate }));
  const pin = useMutation(trpc.instances.setScaling.mutationOptions({ onSuccess: invalidate }));
  // What the box shows until the saved value comes back (a controlled checkbox would otherwise flick back).
  const [pinning, setPinning] = useState<boolean | null>(null);

  const manage = can(org.role, "instances:manage");
  const phase = sleepPhase(i);
  const deleting = i.desiredState === "deleted";
  const moving = phase.moving || i.runs.some((r) => isRunMoving(r.status));
  const busy = sleep.isPending || wake.isPending;
  const effective = i.idleTimeoutSeconds ?? i.planIdleTimeoutSeconds;
  const actionError = sleep.error ?? wake.error ?? pin.error;

  return (
    <Card>
      <CardHeader
        title="Scale to zero"
        description={`The ${i.planName} plan puts the instance to sleep when it gets no requests; the next request wakes it.`}
      />
      <CardBody className="space-y-5">
        <div className="flex flex-wrap items-center justify-between gap-3">
          <div className="flex items-center gap-2 text-sm">
            <span className="text-zinc-600">State</span>
            <Badge tone={phase.tone === "amber" ? "amber" : phase.tone} className="text-sm">
              {phase.moving && <span aria-hidden="true" className="mr-1.5 size-1.5 animate-pulse rounded-full bg-current" />}
              {phase.label}
            </Badge>
            {i.pinnedAwake && <span className="text-xs text-zinc-500">Pinned awake</span>}
          </div>
          {manage &&
            (i.observedState === "sleeping" ? (
              <Button size="sm" variant="secondary" loading={wake.isPending} disabled={busy} disabledReason={deleting ? "The instance is being deleted" : moving ? "Wait for the change in progress" : null} onClick={() => wake.mutate(ref)}>
                Wake now
              </Button>
            ) : (
              <Button
                size="sm"
                variant="secondary"
                loading={sleep.isPending}
                disabled={busy}
                disabledReason={
                  deleting
                    ? "The instance is being deleted"
                    : moving
                      ? "Wait for the change in progress"
                      : i.observedState !== "running" || i.desiredState !== "running"
                        ? "Only a running instance can be put to sleep"
                        : null
                }
                onClick={() => sleep.mutate(ref)}
              >
                Sleep now
              </Button>
            ))}
        </div>

        {actionError && <ErrorMessage error={formErrorMessage(actionError, ["idleTimeoutSeconds"])} />}

        <dl className="space-y-3 text-sm">
          <div>
            <dt className="text-xs font-medium tracking-wide text-zinc-500 uppercase">Idle timeout</dt>
            <dd className="mt-1 text-zinc-900">
              <span className="font-medium">{formatIdle(effective)}</span>
              <span className="text-zinc-500">{i.idleTimeoutSeconds === null ? " (plan default)" : ` (custom; plan default ${formatIdle(i.planIdleTimeoutSeconds)})`}</span>
            </dd>
          </div>
          {!manage && (
            <div>
              <dt className="text-xs font-medium tracking-wide text-zinc-500 uppercase">Pinned awake</dt>
              <dd className="mt-1 text-zinc-900">{i.pinnedAwake ? "Yes — it never sleeps when idle" : "No"}</dd>
            </div>
          )}
        </dl>

        {manage ? (
          <div className="space-y-4 border-t border-zinc-100 pt-4">
            <Checkbox
              label="Pin awake"
              hint="Never put it to sleep when idle (it keeps using its resources)."
              checked={pinning ?? i.pinnedAwake}
              disabled={pin.isPending || deleting}
              onChange={(e) => {
                setPinning(e.target.checked);
                pin.mutate({ ...ref, pinnedAwake: e.target.checked }, { onSettled: () => setPinning(null) });
              }}
            />
            {/* Keyed by the saved value, so a save elsewhere (or a reset) starts the form from it. */}
            <IdleTimeoutForm key={String(i.idleTimeoutSeconds)} instance={i} disabled={deleting} onSaved={invalidate} />
          </div>
        ) : (
          <p className="text-xs text-zinc-500">{notAllowedReason(org.role, "change scale to zero")}.</p>
        )}

        <History traffic={traffic} />
      </CardBody>
    </Card>
  );
}

function IdleTimeoutForm({ instance: i, disabled, onSaved }: { instance: Instance; disabled: boolean; onSaved: () => Promise<unknown> }) {
  const org = useOrg();
  const trpc = useTRPC();
  const save = useMutation(trpc.instances.setScaling.mutationOptions());
  const [value, setValue] = useState(String(i.idleTimeoutSeconds ?? i.planIdleTimeoutSeconds));
  const n = Number(value);
  const valid = /^\d+$/.test(value.trim()) && n >= MIN_IDLE_SECONDS && n <= MAX_IDLE_SECONDS;
  const problem = valid ? null : n > MAX_IDLE_SECONDS ? "At most 30 days." : `At least ${MIN_IDLE_SECONDS} seconds.`;
  const unchanged = valid && n === (i.idleTimeoutSeconds ?? i.planIdleTimeoutSeconds);
  const errors = fieldErrorsOf(save.error);
  const submit = async (seconds: number | null) => {
    try {
      await save.mutateAsync({ orgId: org.id, instanceId: i.id, idleTimeoutSeconds: seconds });
      await onSaved();
    } catch {
      /* shown below */
    }
  };
  return (
    <form
      className="space-y-2"
      onSubmit={(e) => {
        e.preventDefault();
        if (valid && !unchanged) void submit(n);
      }}
    >
      <ErrorMessage error={formErrorMessage(save.error, ["idleTimeoutSeconds"])} />
      <Field
        label="Idle timeout (seconds)"
        error={errors.idleTimeoutSeconds ?? (value.trim() ? problem : "Enter a number of seconds.")}
        hint={valid && !unchanged ? `Sleeps after ${formatIdle(n)} without requests.` : `At least ${MIN_IDLE_SECONDS} s; the plan's default is ${formatIdle(i.planIdleTimeoutSeconds)}.`}
      >
        <div className="flex flex-wrap items-center gap-2">
          <Input
            type="number"
            min={MIN_IDLE_SECONDS}
            max={MAX_IDLE_SECONDS}
            step={1}
            inputMode="numeric"
            value={value}
            disabled={disabled}
            onChange={(e) => setValue(e.target.value)}
            className="max-w-32 tabular-nums"
          />
          <Button type="submit" size="sm" variant="secondary" loading={save.isPending && save.variables?.idleTimeoutSeconds !== null} disabled={!valid || unchanged || disabled || save.isPending}>
            Save
          </Button>
        </div>
      </Field>
      {i.idleTimeoutSeconds !== null && (
        <button
          type="button"
          className={cn("text-sm font-medium text-brand-700 hover:text-brand-900 hover:underline disabled:text-zinc-400 disabled:no-underline")}
          disabled={disabled || save.isPending}
          onClick={() => void submit(null)}
        >
          Reset to the plan default ({formatIdle(i.planIdleTimeoutSeconds)})
        </button>
      )}
    </form>
  );
}

function History({ traffic }: { traffic: ReturnType<typeof useTraffic> }) {
  const items = traffic.data?.history ?? [];
  return (
    <div className="border-t border-zinc-100 pt-4">
      <h3 className="text-sm font-semibold text-zinc-900">Sleep and wake history</h3>
      {traffic.error ? (
        <ErrorMessage error={traffic.error} className="mt-2" />
      ) : traffic.isPending ? (
        <p className="mt-2 text-sm text-zinc-500">Loading…</p>
      ) : items.length === 0 ? (
        <p className="mt-2 text-sm text-zinc-500">It has not slept yet.</p>
      ) : (
        <ul aria-label="Sleep and wake history" className="mt-2 divide-y divide-zinc-100">
          {items.slice(0, 10).map((h) => (
            <li key={h.runId} className="flex items-start gap-2.5 py-2 text-sm">
              <span
                aria-hidden="true"
                className={cn(
                  "mt-1.5 size-2 shrink-0 rounded-full",
                  h.status === "failed" ? "bg-red-500" : h.status === "cancelled" ? "bg-zinc-300" : h.kind === "sleep" ? "bg-indigo-500" : "bg-green-500",
                  (h.status === "running" || h.status === "queued") && "animate-pulse",
                )}
              />
              <span className="min-w-0 flex-1 break-words text-zinc-800">{historyText(h)}</span>
              <Ago value={h.at} className="shrink-0 text-xs whitespace-nowrap text-zinc-500" />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
