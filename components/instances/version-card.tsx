// The instance's version: what it runs and, when a rollout has an upgrade pending for it, the new version, its
// release notes, when it will happen (its wave, the next maintenance window, deferred until…, a security patch's
// deadline), with "Upgrade now" and "Defer" for roles that may change instances.
"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Alert, Badge, Button, Card, CardBody, CardHeader, ConfirmDialog, ErrorMessage } from "@/components/ui";
import { useOrg } from "@/components/org/org-context";
import { Ago } from "@/components/workflows/relative-time";
import { formatDateTime } from "@/lib/format";
import { can } from "@/lib/roles";
import { useTRPC } from "@/lib/trpc/client";
import type { RouterOutputs } from "@/lib/trpc/types";
import { notAllowedReason } from "./roles";

type Instance = RouterOutputs["instances"]["get"];
type Pending = NonNullable<RouterOutputs["upgrades"]["pending"]>;

export function VersionCard({ instance: i }: { instance: Instance }) {
  const org = useOrg();
  const trpc = useTRPC();
  const ref = { orgId: org.id, instanceId: i.id };
  const pending = useQuery({
    ...trpc.upgrades.pending.queryOptions(ref),
    // Fast while the upgrade is under way (the version changes at its end), else now and then.
    refetchInterval: (q) => (q.state.data?.status === "in_progress" ? 2_000 : 15_000),
  });
  const p = pending.data;
  return (
    <Card>
      <CardHeader title="Version" description={p ? "An upgrade is on its way." : undefined} />
      <CardBody className="space-y-3 text-sm">
        <p className="flex flex-wrap items-baseline justify-between gap-2">
          <span className="text-zinc-600">Current</span>
          <span className="font-mono font-medium text-zinc-900" data-testid="running-version">
            {i.serviceName} {i.version}
          </span>
        </p>
        {pending.error ? <ErrorMessage error={pending.error} /> : p ? <PendingUpgrade instance={i} pending={p} /> : pending.isPending ? null : <p className="text-zinc-500">Up to date: no upgrade is pending.</p>}
      </CardBody>
    </Card>
  );
}

/** When the upgrade will happen, in words. */
function whenText(p: Pending): { text: string; tone: "brand" | "indigo" | "amber" | "neutral" } {
  if (p.status === "in_progress") return { text: "Upgrading now: follow its steps under Runs.", tone: "brand" };
  if (p.rolloutStatus === "paused") return { text: "On hold: the provider paused this release for now.", tone: "amber" };
  if (p.status === "scheduled") return { text: p.scheduledFor ? `Scheduled for ${formatDateTime(p.scheduledFor)}, your next maintenance window.` : "Scheduled for your next maintenance window.", tone: "indigo" };
  if (p.status === "deferred") {
    return p.mandatory && p.deadlineAt
      ? { text: `Deferred until ${formatDateTime(p.deadlineAt)}; then it is applied regardless of maintenance windows.`, tone: "amber" }
      : { text: "Deferred: it is applied only when you upgrade now.", tone: "amber" };
  }
  if (new Date(p.startsAt).getTime() > Date.now()) return { text: `The release starts ${formatDateTime(p.startsAt)}.`, tone: "neutral" };
  return { text: `Waiting for its turn (wave ${p.wave}), inside your maintenance windows.`, tone: "neutral" };
}

const toneText = { brand: "text-brand-700", indigo: "text-indigo-700", amber: "text-amber-800", neutral: "text-zinc-700" } as const;

function PendingUpgrade({ instance: i, pending: p }: { instance: Instance; pending: Pending }) {
  const org = useOrg();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const ref = { orgId: org.id, instanceId: i.id };
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.upgrades.pending.queryKey(ref) }),
      queryClient.invalidateQueries({ queryKey: trpc.instances.get.queryKey(ref) }),
      queryClient.invalidateQueries({ queryKey: trpc.instances.list.queryKey({ orgId: org.id }) }),
    ]);
  const upgrade = useMutation(trpc.upgrades.upgradeNow.mutationOptions({ onSuccess: refresh }));
  const defer = useMutation(trpc.upgrades.defer.mutationOptions({ onSuccess: refresh }));
  const [confirming, setConfirming] = useState(false);
  const when = whenText(p);
  const pastDeadline = p.mandatory && p.deadlineAt && new Date(p.deadlineAt).getTime() <= Date.now();
  const role = can(org.role, "instances:manage") ? null : notAllowedReason(org.role, "upgrade or defer instances");
  const gone = i.desiredState === "deleted" ? "The instance is being deleted" : null;
  const upgradeReason = role ?? gone ?? (p.status === "in_progress" ? "The upgrade is under way" : p.rolloutStatus === "paused" ? "The provider paused this release; try again later" : null);
  const deferReason =
    role ?? gone ?? (p.status === "in_progress" ? "The upgrade is under way" : p.status === "deferred" ? "Already deferred" : pastDeadline ? "This security patch is past its deadline" : null);

  return (
    <div className="space-y-3 border-t border-zinc-100 pt-3">
      <p className="flex flex-wrap items-center justify-between gap-2">
        <span className="text-zinc-600">Pending</span>
        <span className="flex flex-wrap items-center gap-2">
          {p.mandatory && <Badge tone="red">Security patch</Badge>}
          <span className="font-mono font-medium text-zinc-900">{p.version}</span>
        </span>
      </p>
      <p className={toneText[when.tone]} data-testid="upgrade-when">
        {when.text}
      </p>
      {p.mandatory && p.deadlineAt && p.status !== "deferred" && (
        <p className="text-red-700">
          Mandatory: applied by <span className="font-medium">{formatDateTime(p.deadlineAt)}</span> (<Ago value={p.deadlineAt} />) at the latest.
        </p>
      )}
      {p.releaseNotes ? (
        <details className="rounded-md bg-zinc-50 px-3 py-2 ring-1 ring-zinc-200 ring-inset" open={p.releaseNotes.length < 280}>
          <summary className="cursor-pointer text-xs font-medium tracking-wide text-zinc-500 uppercase select-none">Release notes</summary>
          <p className="mt-1.5 max-h-48 overflow-y-auto whitespace-pre-line text-zinc-700">{p.releaseNotes}</p>
        </details>
      ) : null}
      <ErrorMessage error={upgrade.error ?? defer.error} />
      {upgrade.isSuccess && !upgrade.isPending && p.status === "in_progress" && <Alert tone="success">The upgrade to {upgrade.data.version} started.</Alert>}
      <div className="flex flex-wrap gap-2">
        <Button size="sm" disabledReason={upgradeReason} onClick={() => setConfirming(true)}>
          Upgrade now
        </Button>
        <Button variant="secondary" size="sm" loading={defer.isPending} disabledReason={deferReason} onClick={() => defer.mutate(ref)}>
          Defer
        </Button>
      </div>
      <p className="text-xs text-zinc-500">
        {p.mandatory ? "A security patch can be deferred only until its deadline." : "Deferring leaves this instance out of the release; you can still upgrade it from here later."}
      </p>
      <ConfirmDialog
        open={confirming}
        onClose={() => setConfirming(false)}
        title={`Upgrade ${i.name} to ${p.version} now?`}
        message={`It starts at once, outside your maintenance windows. ${i.serviceKind === "stateful" ? "Replicas are replaced one at a time." : "Replicas are replaced as a rolling update."} Follow the steps under Runs.`}
        confirmLabel="Upgrade now"
        danger={false}
        onConfirm={() => upgrade.mutateAsync(ref)}
      />
    </div>
  );
}
