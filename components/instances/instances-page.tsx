// An organization's instances: status, plan, where they run and how to reach them, under the notices of upgrades to
// come; refreshes every 2 s while any is changing.
"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { AppIcon } from "@/components/icons";
import { Button, ButtonLink, Card, EmptyState, ErrorMessage, LoadingBlock, PageHeader, Table, TBody, TD, TH, THead, TR } from "@/components/ui";
import { useOrg } from "@/components/org/org-context";
import { UpgradeNotices } from "@/components/org/upgrade-notices";
import { Ago } from "@/components/workflows/relative-time";
import { formatPrice } from "@/lib/format";
import { can } from "@/lib/roles";
import { useTRPC } from "@/lib/trpc/client";
import type { RouterOutputs } from "@/lib/trpc/types";
import { Endpoint, InstanceStatus, isTransitional } from "./instance-status";
import { notAllowedReason } from "./roles";

type Row = RouterOutputs["instances"]["list"][number];

export const FAST_MS = 2_000;
export const SLOW_MS = 15_000;

export function priceLabel(cents: number): string {
  return cents > 0 ? `${formatPrice(cents)}/mo` : "Free";
}

/** "Pro · $79.00/mo", or just "Free" for a free plan named Free. */
export function planAndPrice(planName: string, cents: number): string {
  const price = priceLabel(cents);
  return planName.toLowerCase() === price.toLowerCase() ? planName : `${planName} · ${price}`;
}

/** "2 of 3 replicas ready", "stopped", "asleep": how many copies run against how many should. */
export function replicaSummary(i: { desiredState: string; observedState: string; desiredReplicas: number; observedReplicas: number }): string {
  if (i.desiredState === "stopped") return i.observedReplicas > 0 ? `${i.observedReplicas} still running` : "scaled to zero";
  if (i.observedState === "sleeping") return `asleep, ${i.desiredReplicas} when awake`;
  return `${i.observedReplicas} of ${i.desiredReplicas} ${i.desiredReplicas === 1 ? "replica" : "replicas"}`;
}

export function InstancesPage() {
  const org = useOrg();
  const trpc = useTRPC();
  const list = useQuery({
    ...trpc.instances.list.queryOptions({ orgId: org.id }),
    refetchInterval: (q) => (q.state.data?.some((i) => isTransitional(i.observedState)) ? FAST_MS : SLOW_MS),
  });
  const mayCreate = can(org.role, "instances:create");
  const newHref = `/o/${org.slug}/instances/new`;
  const changing = list.data?.some((i) => isTransitional(i.observedState)) ?? false;

  return (
    <>
      <PageHeader
        title="Instances"
        description="The services your organization runs, where they run and how to reach them."
        actions={
          mayCreate ? (
            <ButtonLink href={newHref}>
              <AppIcon name="plus" className="size-4" /> Create instance
            </ButtonLink>
          ) : (
            <Button disabledReason={notAllowedReason(org.role, "create instances")}>
              <AppIcon name="plus" className="size-4" /> Create instance
            </Button>
          )
        }
      />
      <UpgradeNotices className="mb-6" />
      {list.isPending ? (
        <Card>
          <LoadingBlock label="Loading instances" />
        </Card>
      ) : list.error ? (
        <ErrorMessage error={list.error} />
      ) : list.data.length === 0 ? (
        <Card>
          <EmptyState
            icon={<AppIcon name="instances" />}
            title="No instances yet"
            description="Pick a service and a plan: Fleetplane finds a cluster with room for it, provisions it step by step and keeps it running. Free plans cost nothing."
            action={
              mayCreate ? (
                <ButtonLink href={newHref}>Create your first instance</ButtonLink>
              ) : (
                <p className="text-sm text-zinc-500">Ask a member, admin or owner of {org.name} to create one.</p>
              )
            }
          />
        </Card>
      ) : (
        <Card>
          <InstanceTable rows={list.data} slug={org.slug} />
          <p className="border-t border-zinc-200 px-4 py-2.5 text-xs text-zinc-500" aria-live="polite">
            {changing ? "Some instances are changing: refreshing every 2 seconds." : "Refreshes every 15 seconds."}
          </p>
        </Card>
      )}
    </>
  );
}

function InstanceTable({ rows, slug }: { rows: Row[]; slug: string }) {
  return (
    <Table label="Instances">
      <THead>
        <TR>
          <TH>Name</TH>
          <TH>Service and plan</TH>
          <TH>Status</TH>
          <TH>Region and cluster</TH>
          <TH>Endpoint</TH>
          <TH>Last activity</TH>
        </TR>
      </THead>
      <TBody>
        {rows.map((i) => (
          <TR key={i.id}>
            <TD className="align-top">
              <Link href={`/o/${slug}/instances/${i.id}`} className="font-medium whitespace-nowrap text-brand-700 hover:text-brand-900 hover:underline">
                {i.name}
              </Link>
              <div className="mt-0.5 text-xs whitespace-nowrap text-zinc-500">{replicaSummary(i)}</div>
            </TD>
            <TD className="align-top">
              <div className="text-zinc-900">{i.serviceName}</div>
              <div className="text-xs text-zinc-500">{planAndPrice(i.planName, i.priceMonthlyCents)}</div>
            </TD>
            <TD className="align-top">
              <InstanceStatus state={i.observedState} message={i.statusMessage} />
            </TD>
            <TD className="align-top">
              {i.clusterName ? (
                <>
                  <div className="text-zinc-900">{i.clusterRegion}</div>
                  <div className="text-xs text-zinc-500">{i.clusterName}</div>
                </>
              ) : (
                <>
                  <div className="text-zinc-500">{i.region ?? "Any region"}</div>
                  <div className="text-xs text-zinc-400">Not placed yet</div>
                </>
              )}
            </TD>
            <TD className="align-top">
              <Endpoint live={i.observedState === "running"} host={i.endpointHost} port={i.endpointPort} />
            </TD>
            <TD className="align-top whitespace-nowrap">
              {i.lastActivityAt ? (
                <Ago value={i.lastActivityAt} />
              ) : (
                <span className="text-zinc-500">
                  Created <Ago value={i.createdAt} />
                </span>
              )}
            </TD>
          </TR>
        ))}
      </TBody>
    </Table>
  );
}
