// On the instance page: its health as the monitor last saw it (status, cause, detail, since when), and a small card
// listing its incidents that links to each one.
"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { AppIcon } from "@/components/icons";
import { useOrg } from "@/components/org/org-context";
import { Card, CardHeader, EmptyState, ErrorMessage, LoadingBlock, cn } from "@/components/ui";
import { formatDuration } from "@/components/workflows/format";
import { Ago, useNow } from "@/components/workflows/relative-time";
import { useTRPC } from "@/lib/trpc/client";
import type { RouterOutputs } from "@/lib/trpc/types";
import { causeLabel, HealthBadge, IncidentStatusBadge, TimeToRecover } from "./incident-look";
import { INCIDENT_POLL_MS } from "./incidents-page";

type Health = NonNullable<RouterOutputs["instances"]["get"]["health"]>;

/** One line: badge, cause and detail, and since when; nothing checked yet says so. */
export function InstanceHealth({ health, className }: { health: Health | null; className?: string }) {
  const now = useNow(5_000);
  if (!health) {
    return (
      <p className={cn("flex flex-wrap items-center gap-2 text-sm text-zinc-500", className)}>
        <HealthBadge status="unknown" />
        Not checked yet
      </p>
    );
  }
  const ok = health.status === "healthy";
  return (
    <div className={cn("flex flex-wrap items-center gap-x-2 gap-y-1 text-sm", className)} role="group" aria-label="Health">
      <HealthBadge status={health.status} />
      {health.cause && <span className={cn("font-medium", health.status === "unhealthy" ? "text-red-700" : "text-amber-800")}>{causeLabel(health.cause)}</span>}
      {health.detail && <span className="text-zinc-600">{health.cause ? `· ${health.detail}` : health.detail}</span>}
      <span className="text-xs text-zinc-500" suppressHydrationWarning>
        for {formatDuration(now - new Date(health.since).getTime())}
        {!ok && ` · ${health.readyReplicas} ready, ${health.restarts} ${health.restarts === 1 ? "restart" : "restarts"}`}
        {" · checked "}
        <Ago value={health.checkedAt} />
      </span>
    </div>
  );
}

export function InstanceIncidentsCard({ instanceId }: { instanceId: string }) {
  const org = useOrg();
  const trpc = useTRPC();
  const list = useQuery({ ...trpc.incidents.list.queryOptions({ orgId: org.id, instanceId, limit: 5 }), refetchInterval: INCIDENT_POLL_MS });
  const items = list.data ?? [];
  return (
    <Card>
      <CardHeader title="Incidents" description="Failures detected on this instance and how recovery went." />
      {list.isPending ? (
        <LoadingBlock label="Loading incidents" />
      ) : list.error ? (
        <ErrorMessage className="m-4" error={list.error} />
      ) : items.length === 0 ? (
        <EmptyState className="py-6" icon={<AppIcon name="incidents" />} title="No incidents" description="Nothing has gone wrong with this instance." />
      ) : (
        <>
          <ul aria-label="Incidents of this instance" className="divide-y divide-zinc-100">
            {items.map((i) => (
              <li key={i.id}>
                <Link href={`/o/${org.slug}/incidents/${i.id}`} className="block px-4 py-3 hover:bg-zinc-50 sm:px-5">
                  <span className="flex items-center justify-between gap-2">
                    <span className="min-w-0 truncate text-sm font-medium text-zinc-900">{causeLabel(i.kind)}</span>
                    <IncidentStatusBadge status={i.status} />
                  </span>
                  <span className="mt-0.5 flex flex-wrap gap-x-2 text-xs text-zinc-500">
                    <Ago value={i.detectedAt} />
                    <span>·</span>
                    <span>
                      {i.status === "resolved" ? "resolved after " : ""}
                      <TimeToRecover status={i.status} ttrMs={i.ttrMs} detectedAt={i.detectedAt} />
                    </span>
                  </span>
                </Link>
              </li>
            ))}
          </ul>
          <div className="border-t border-zinc-100 px-4 py-2.5 text-right sm:px-5">
            <Link href={`/o/${org.slug}/incidents`} className="text-sm font-medium text-brand-700 hover:text-brand-900 hover:underline">
              All incidents →
            </Link>
          </div>
        </>
      )}
    </Card>
  );
}
