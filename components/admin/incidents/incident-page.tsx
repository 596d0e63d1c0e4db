// One incident in the provider console: its facts and timeline and, for platform admins, what a person can do about
// it: acknowledge, add a note (customers see it in their timeline), stop automatic recovery, close it, or trigger recovery.
"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState, type FormEvent } from "react";
import { usePlatformRole } from "@/components/admin/admin-context";
import { IncidentStatusBadge, IncidentTimeline } from "@/components/incidents/incident-look";
import { IncidentSummary } from "@/components/incidents/incident-summary";
import { Alert, Button, Card, CardBody, CardHeader, ConfirmDialog, ErrorMessage, Field, LoadingBlock, Textarea } from "@/components/ui";
import { canPlatform } from "@/lib/roles";
import { useTRPC } from "@/lib/trpc/client";
import { fieldErrorsOf, formErrorMessage } from "@/lib/trpc/errors";
import type { RouterOutputs } from "@/lib/trpc/types";

type Incident = RouterOutputs["incidents"]["getAny"];
type Confirm = "stop" | "close" | "trigger" | null;

export function AdminIncidentPage({ incidentId }: { incidentId: string }) {
  const trpc = useTRPC();
  const mayManage = canPlatform(usePlatformRole(), "platform_incidents:manage");
  const query = useQuery({ ...trpc.incidents.getAny.queryOptions({ incidentId }), refetchInterval: 10_000 });
  const instanceId = query.data?.instanceId ?? undefined;
  // The incident row carries ids only; the list (filtered to the instance) has the organization and instance names.
  const named = useQuery({ ...trpc.incidents.listAll.queryOptions({ instanceId, limit: 1 }), enabled: !!instanceId });
  const back = (
    <nav aria-label="Breadcrumb" className="mb-2 text-sm">
      <Link href="/admin/incidents" className="text-zinc-500 hover:text-zinc-800">
        ← Incidents
      </Link>
    </nav>
  );
  if (query.isPending || query.error) {
    return (
      <>
        {back}
        {query.error ? (
          <ErrorMessage error={query.error} />
        ) : (
          <Card>
            <LoadingBlock label="Loading the incident" />
          </Card>
        )}
      </>
    );
  }
  const i = query.data;
  const names = named.data?.[0];
  return (
    <>
      {back}
      <div className="mb-6 flex flex-wrap items-start justify-between gap-4">
        <div className="min-w-0">
          <h1 className="flex flex-wrap items-center gap-3 text-2xl font-semibold tracking-tight text-zinc-900">
            {i.title}
            <IncidentStatusBadge status={i.status} className="text-sm" />
          </h1>
          <p className="mt-1 text-sm text-zinc-600">
            {names?.orgName ?? "…"}
            {i.instanceId && (
              <>
                {" · "}
                <Link href={`/admin/workflows?subject=${i.instanceId}`} className="text-brand-700 hover:text-brand-900 hover:underline">
                  Runs of this instance
                </Link>
              </>
            )}
          </p>
        </div>
      </div>
      <IncidentSummary incident={i} instanceName={names?.instanceName} orgName={names?.orgName} />
      <div className="mt-6 grid gap-6 xl:grid-cols-[minmax(0,1fr)_24rem] xl:items-start">
        <Card className="min-w-0">
          <CardHeader title="Timeline" description="What the monitor detected, each recovery step and what people decided. Customers see the same timeline." />
          <CardBody>
            <IncidentTimeline events={i.timeline} runHref={(runId) => `/admin/workflows/${runId}`} />
          </CardBody>
        </Card>
        {mayManage ? (
          <IncidentActions incident={i} />
        ) : (
          <Card>
            <CardHeader title="Actions" />
            <CardBody>
              <p className="text-sm text-zinc-600">Platform support can read incidents; platform admins acknowledge them, add notes and steer recovery.</p>
            </CardBody>
          </Card>
        )}
      </div>
    </>
  );
}

function IncidentActions({ incident: i }: { incident: Incident }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const refresh = () =>
    Promise.all([queryClient.invalidateQueries({ queryKey: trpc.incidents.getAny.queryKey({ incidentId: i.id }) }), queryClient.invalidateQueries({ queryKey: trpc.incidents.listAll.queryKey() })]);
  const ref = { incidentId: i.id };
  const acknowledge = useMutation(trpc.incidents.acknowledge.mutationOptions({ onSuccess: refresh }));
  const stop = useMutation(trpc.incidents.stopRecovery.mutationOptions({ onSuccess: refresh }));
  const trigger = useMutation(trpc.incidents.triggerRecovery.mutationOptions({ onSuccess: refresh }));
  const [confirm, setConfirm] = useState<Confirm>(null);
  const resolved = i.status === "resolved";
  const over = resolved ? "The incident is resolved" : null;

  return (
    <div className="space-y-6">
      <Card>
        <CardHeader title="Actions" description={resolved ? "The incident is over; you can still add a note." : "Take over from automatic recovery, or hand it back."} />
        <CardBody className="space-y-3">
          <ErrorMessage error={acknowledge.error} />
          <div className="flex flex-wrap gap-2">
            <Button
              variant={i.acknowledgedAt ? "secondary" : "primary"}
              size="sm"
              loading={acknowledge.isPending}
              disabledReason={over ?? (i.acknowledgedAt ? `Acknowledged by ${i.acknowledgedBy ?? "someone"}` : null)}
              onClick={() => acknowledge.mutate(ref)}
            >
              {i.acknowledgedAt && (
                <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2.5} strokeLinecap="round" strokeLinejoin="round" className="size-3.5" aria-hidden="true">
                  <path d="m5 12.5 4.5 4.5L19 7.5" />
                </svg>
              )}
              {i.acknowledgedAt ? "Acknowledged" : "Acknowledge"}
            </Button>
            <Button variant="secondary" size="sm" disabledReason={over ?? (i.autoRecovery ? null : "Automatic recovery is already stopped")} onClick={() => setConfirm("stop")}>
              Stop automatic recovery
            </Button>
            <Button variant="secondary" size="sm" disabledReason={over} onClick={() => setConfirm("trigger")}>
              Trigger recovery
            </Button>
            <Button variant="ghost-danger" size="sm" disabledReason={over} onClick={() => setConfirm("close")}>
              Close incident
            </Button>
          </div>
          {!resolved && !i.autoRecovery && <Alert tone="warning">Automatic recovery is stopped: nothing happens until someone triggers recovery or closes the incident.</Alert>}
        </CardBody>
      </Card>
      <NoteForm incidentId={i.id} onAdded={refresh} />
      <ConfirmDialog
        open={confirm === "stop"}
        onClose={() => setConfirm(null)}
        title="Stop automatic recovery?"
        message="Fleetplane takes no further recovery step on this incident; it waits for a person (status Needs attention)."
        confirmLabel="Stop recovery"
        onConfirm={() => stop.mutateAsync({ ...ref, resolve: false })}
      />
      <ConfirmDialog
        open={confirm === "close"}
        onClose={() => setConfirm(null)}
        title="Close this incident?"
        message="It is marked resolved (outcome: stopped by operators) and automatic recovery stops. Use it when the problem is handled outside Fleetplane."
        confirmLabel="Close incident"
        onConfirm={() => stop.mutateAsync({ ...ref, resolve: true })}
      />
      <ConfirmDialog
        open={confirm === "trigger"}
        onClose={() => setConfirm(null)}
        title="Trigger recovery now?"
        message="Automatic recovery is turned back on from its first step, and the monitor takes it on its next pass."
        confirmLabel="Trigger recovery"
        danger={false}
        onConfirm={() => trigger.mutateAsync(ref)}
      />
    </div>
  );
}

function NoteForm({ incidentId, onAdded }: { incidentId: string; onAdded: () => Promise<unknown> }) {
  const trpc = useTRPC();
  const add = useMutation(trpc.incidents.addNote.mutationOptions());
  const [note, setNote] = useState("");
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!note.trim()) return;
    try {
      await add.mutateAsync({ incidentId, note });
      setNote("");
      await onAdded();
    } catch {
      /* shown below */
    }
  }
  return (
    <Card>
      <CardHeader title="Add a note" description="Notes appear in the timeline, for the customer too: say what you found and what happens next." />
      <CardBody>
        <form onSubmit={submit} className="space-y-3">
          <ErrorMessage error={formErrorMessage(add.error, ["note"])} />
          <Field label="Note" error={fieldErrorsOf(add.error).note}>
            <Textarea name="note" rows={4} maxLength={2000} value={note} onChange={(e) => setNote(e.target.value)} />
          </Field>
          <Button type="submit" size="sm" loading={add.isPending} disabled={!note.trim()}>
            Add note
          </Button>
        </form>
      </CardBody>
    </Card>
  );
}
