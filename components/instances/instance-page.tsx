// One instance: desired vs observed state, how to reach it, what the role may do to it, its traffic and scale to zero,
// its version and any pending upgrade, its health and incidents, why it runs where it runs, the live steps of its runs and its namespace's Kubernetes events. Polls every 1.5 s
// while anything is changing.
"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState, type ReactNode } from "react";
import { Alert, Card, ErrorMessage, LoadingBlock, cn } from "@/components/ui";
import { useOrg } from "@/components/org/org-context";
import { Ago } from "@/components/workflows/relative-time";
import { isRunMoving } from "@/components/workflows/run-status";
import { InstanceHealth, InstanceIncidentsCard } from "@/components/incidents/instance-health";
import { useTRPC } from "@/lib/trpc/client";
import type { RouterOutputs } from "@/lib/trpc/types";
import { CredentialsCard } from "./credentials-card";
import { EventsTable } from "./events-table";
import { InstanceActions, type ActionNotice } from "./instance-actions";
import { InstanceRuns } from "./instance-runs";
import { Endpoint, InstanceStatusBadge, isTransitional, stateLabel } from "./instance-status";
import { planAndPrice } from "./instances-page";
import { PlacementPanel } from "./placement-panel";
import { ScaleToZeroCard } from "./scale-to-zero-card";
import { TrafficCard, useTraffic } from "./traffic-card";
import { VersionCard } from "./version-card";

type Instance = RouterOutputs["instances"]["get"];

/** 1.5 s while a run moves or the state is in transition, 5 s while a run is paused, else 15 s. */
function pollInterval(i: Instance | undefined): number {
  if (!i) return 1_500;
  if (isTransitional(i.observedState) || i.runs.some((r) => isRunMoving(r.status))) return 1_500;
  if (i.runs.some((r) => r.status === "paused")) return 5_000;
  return 15_000;
}

export function InstancePage({ instanceId }: { instanceId: string }) {
  const org = useOrg();
  const trpc = useTRPC();
  const query = useQuery({ ...trpc.instances.get.queryOptions({ orgId: org.id, instanceId }), refetchInterval: (q) => pollInterval(q.state.data) });
  const [notice, setNotice] = useState<ActionNotice | null>(null);
  const traffic = useTraffic(instanceId, pollInterval(query.data) < 5_000);
  const back = (
    <nav aria-label="Breadcrumb" className="mb-2 text-sm">
      <Link href={`/o/${org.slug}/instances`} className="text-zinc-500 hover:text-zinc-800">
        ← Instances
      </Link>
    </nav>
  );

  if (query.isPending) {
    return (
      <>
        {back}
        <Card>
          <LoadingBlock label="Loading the instance" />
        </Card>
      </>
    );
  }
  if (query.error) {
    return (
      <>
        {back}
        <ErrorMessage error={query.error} />
      </>
    );
  }
  const i = query.data;
  const fast = pollInterval(i) < 5_000;
  return (
    <>
      {back}
      <div className="mb-6 flex flex-wrap items-start justify-between gap-4">
        <div className="min-w-0">
          <h1 className="flex flex-wrap items-center gap-3 text-2xl font-semibold tracking-tight text-zinc-900">
            <span className="font-mono">{i.name}</span>
            <InstanceStatusBadge state={i.observedState} message={i.statusMessage} className="text-sm" />
          </h1>
          <p className="mt-1 text-sm text-zinc-600">
            {i.serviceName} {i.version} · {planAndPrice(i.planName, i.priceMonthlyCents)}
          </p>
          {i.statusMessage && <p className={cn("mt-1 text-sm", i.observedState === "failed" ? "text-red-700" : "text-zinc-500")}>{capitalize(i.statusMessage)}</p>}
          {i.desiredState !== "deleted" && <InstanceHealth health={i.health} className="mt-2" />}
        </div>
        <InstanceActions instance={i} onNotice={setNotice} />
      </div>

      {notice && (
        <div className="mb-4 flex items-start gap-2">
          <Alert tone={notice.tone} className="flex-1">
            {notice.text}
          </Alert>
          <button type="button" onClick={() => setNotice(null)} className="rounded-md px-2 py-1 text-sm text-zinc-500 hover:bg-zinc-100" aria-label="Dismiss">
            ×
          </button>
        </div>
      )}
      {i.desiredState === "deleted" && (
        <Alert tone="warning" className="mb-4">
          This instance is being deleted: its namespace and everything in it go away, and its capacity is released.
        </Alert>
      )}

      <Overview instance={i} lastActivityAt={traffic.data?.lastActivityAt ?? i.lastActivityAt} />

      <div className="mt-6 grid gap-6 xl:grid-cols-[minmax(0,1fr)_24rem]">
        <div className="min-w-0 space-y-6">
          <TrafficCard namespace={i.namespace} traffic={traffic} />
          <InstanceRuns instanceId={i.id} runs={i.runs} />
        </div>
        <div className="space-y-6">
          <VersionCard instance={i} />
          <InstanceIncidentsCard instanceId={i.id} />
          {i.scaleToZero && <ScaleToZeroCard instance={i} traffic={traffic} />}
          <PlacementPanel placement={i.placement} clusterName={i.clusterName} observedState={i.observedState} />
          <CredentialsCard instanceId={i.id} instanceName={i.name} ready={!["pending", "provisioning", "deleting", "deleted"].includes(i.observedState)} />
        </div>
      </div>

      <div className="mt-6">
        <EventsTable orgId={org.id} instanceId={i.id} fast={fast} placed={!!i.clusterId} version={`${i.observedState}:${i.runs[0]?.id ?? ""}:${i.runs[0]?.status ?? ""}`} />
      </div>
    </>
  );
}

/** `lastActivityAt` comes from the traffic query when it has answered: it polls more often than the instance. */
function Overview({ instance: i, lastActivityAt }: { instance: Instance; lastActivityAt: Instance["lastActivityAt"] }) {
  const desiredReplicas = i.desiredState === "running" ? i.desiredReplicas : 0;
  // Asleep is where a running scale-to-zero instance is meant to be while idle, not a drift to flag.
  const asleep = i.desiredState === "running" && i.observedState === "sleeping";
  const converged = asleep || (i.desiredState === i.observedState && desiredReplicas === i.observedReplicas);
  return (
    <Card>
      <dl className="grid divide-y divide-zinc-100 sm:grid-cols-2 sm:divide-y-0 lg:grid-cols-4">
        <Item label="Desired">
          <span className="font-medium text-zinc-900">{stateLabel(i.desiredState === "deleted" ? "deleted" : i.desiredState)}</span>
          <span className="text-zinc-500"> · {plural(desiredReplicas, "replica")}</span>
        </Item>
        <Item label="Observed">
          <span className={cn("font-medium", converged ? "text-zinc-900" : "text-amber-800")}>{stateLabel(i.observedState)}</span>
          <span className="text-zinc-500"> · {plural(i.observedReplicas, "replica")} ready</span>
          {!converged && isTransitional(i.observedState) && <span className="block text-xs text-zinc-500">Converging to what you asked for</span>}
          {asleep && <span className="block text-xs text-zinc-500">Wakes on the next request</span>}
        </Item>
        <Item label="Endpoint">
          <Endpoint live={i.observedState === "running"} host={i.endpointHost} port={i.endpointPort} className="text-sm" />
          {!i.endpointHost && <span className="block text-xs text-zinc-500">Known once it is running</span>}
        </Item>
        <Item label="Region and cluster">
          {i.clusterName ? (
            <>
              <span className="font-medium text-zinc-900">{i.clusterRegion}</span>
              <span className="text-zinc-500"> · {i.clusterName}</span>
            </>
          ) : (
            <span className="text-zinc-500">{i.region ? `${i.region}, not placed yet` : "Not placed yet"}</span>
          )}
        </Item>
        <Item label="Plan">
          <span className="font-medium text-zinc-900">{planAndPrice(i.planName, i.priceMonthlyCents)}</span>
        </Item>
        <Item label="Service and version">
          <span className="font-medium text-zinc-900">{i.serviceName}</span>
          <span className="text-zinc-500"> · {i.version} · {i.serviceKind}</span>
        </Item>
        <Item label="Last activity">{lastActivityAt ? <Ago value={lastActivityAt} /> : <span className="text-zinc-500">None recorded</span>}</Item>
        <Item label="Created">
          <Ago value={i.createdAt} />
        </Item>
      </dl>
    </Card>
  );
}

function Item({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="min-w-0 px-4 py-3 sm:px-5">
      <dt className="text-xs font-medium tracking-wide text-zinc-500 uppercase">{label}</dt>
      <dd className="mt-1 text-sm break-words">{children}</dd>
    </div>
  );
}

function plural(n: number, one: string): string {
  return `${n} ${n === 1 ? one : `${one}s`}`;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
