// One incident in the customer portal: its facts and its timeline (detection, recovery actions with their workflow
// runs, notes from operators, outcome), refreshed every 10 s.
"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useOrg } from "@/components/org/org-context";
import { Alert, Card, CardBody, CardHeader, ErrorMessage, LoadingBlock } from "@/components/ui";
import { useTRPC } from "@/lib/trpc/client";
import { IncidentStatusBadge, IncidentTimeline } from "./incident-look";
import { IncidentSummary } from "./incident-summary";
import { INCIDENT_POLL_MS } from "./incidents-page";

export function IncidentDetailPage({ incidentId }: { incidentId: string }) {
  const org = useOrg();
  const trpc = useTRPC();
  const query = useQuery({ ...trpc.incidents.get.queryOptions({ orgId: org.id, incidentId }), refetchInterval: INCIDENT_POLL_MS });
  const instanceId = query.data?.instanceId ?? null;
  // The incident row has no instance name; the list (filtered to the instance) has it.
  const named = useQuery({ ...trpc.incidents.list.queryOptions({ orgId: org.id, instanceId: instanceId ?? undefined, limit: 1 }), enabled: !!instanceId });
  const back = (
    <nav aria-label="Breadcrumb" className="mb-2 text-sm">
      <Link href={`/o/${org.slug}/incidents`} className="text-zinc-500 hover:text-zinc-800">
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
  const instanceHref = i.instanceId ? `/o/${org.slug}/instances/${i.instanceId}` : null;
  return (
    <>
      {back}
      <div className="mb-6">
        <h1 className="flex flex-wrap items-center gap-3 text-2xl font-semibold tracking-tight text-zinc-900">
          {i.title}
          <IncidentStatusBadge status={i.status} className="text-sm" />
        </h1>
        <p className="mt-1 text-sm text-zinc-600">{statusSentence(i.status, i.autoRecovery)}</p>
      </div>
      {i.status === "needs_attention" && (
        <Alert tone="warning" className="mb-4" title={i.acknowledgedAt ? "Our operators are on it" : "Waiting for our operators"}>
          Automatic recovery could not fix this on its own, so it was handed to the platform team. Their notes appear in the timeline below.
        </Alert>
      )}
      <IncidentSummary incident={i} instanceName={named.data?.[0]?.instanceName} instanceHref={instanceHref} />
      <Card className="mt-6">
        <CardHeader title="Timeline" description="Everything detected, done and decided about this incident, oldest first." />
        <CardBody>
          <IncidentTimeline events={i.timeline} runHref={instanceHref ? (runId) => `${instanceHref}#run-${runId}` : undefined} />
        </CardBody>
      </Card>
    </>
  );
}

function statusSentence(status: string, autoRecovery: boolean): string {
  switch (status) {
    case "open":
      return autoRecovery ? "Detected; automatic recovery takes its first step shortly." : "Detected; automatic recovery is stopped while operators handle it.";
    case "recovering":
      return "Fleetplane is acting on it now.";
    case "needs_attention":
      return "Waiting for a person from the platform team.";
    default:
      return "Over: the instance is healthy again or the incident was closed.";
  }
}
