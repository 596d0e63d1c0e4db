// Incidents of the organization's instances: what went wrong, whether it is over and how long recovery took;
// filtered by status (kept in the address bar) and refreshed every 10 s.
"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { AppIcon } from "@/components/icons";
import { useUrlFilters } from "@/components/admin/fleet/use-filters";
import { useOrg } from "@/components/org/org-context";
import { Button, Card, EmptyState, ErrorMessage, FilterSelect, LoadingBlock, PageHeader, Table, TBody, TD, TH, THead, TR } from "@/components/ui";
import { Ago } from "@/components/workflows/relative-time";
import { useTRPC } from "@/lib/trpc/client";
import type { RouterOutputs } from "@/lib/trpc/types";
import { causeLabel, INCIDENT_STATUS_FILTERS, IncidentStatusBadge, statusFilterInput, TimeToRecover } from "./incident-look";

type IncidentRow = RouterOutputs["incidents"]["list"][number];

const FILTERS = ["status"] as const;
export const INCIDENT_POLL_MS = 10_000;

export function IncidentsPage() {
  const org = useOrg();
  const trpc = useTRPC();
  const [filters, setFilter, clearFilters] = useUrlFilters(FILTERS);
  const list = useQuery({
    ...trpc.incidents.list.queryOptions({ orgId: org.id, ...statusFilterInput(filters.status), limit: 100 }),
    refetchInterval: INCIDENT_POLL_MS,
    placeholderData: (prev) => prev,
  });
  const items = list.data ?? [];
  const filtered = !!filters.status;
  return (
    <>
      <PageHeader title="Incidents" description={`Failures Fleetplane detected on ${org.name}'s instances, what recovery did about them and how long it took.`} />
      <Card className="mb-4">
        <div className="grid gap-3 px-4 py-3 sm:grid-cols-[minmax(0,16rem)_auto] sm:items-end sm:justify-between">
          <FilterSelect label="Status" allLabel="Any status" value={filters.status} options={INCIDENT_STATUS_FILTERS} onChange={(v) => setFilter("status", v)} />
          <Button variant="ghost" onClick={clearFilters} disabled={!filtered}>
            Clear filter
          </Button>
        </div>
      </Card>
      <Card>
        {list.isPending ? (
          <LoadingBlock label="Loading incidents" />
        ) : list.error ? (
          <ErrorMessage className="m-4" error={list.error} />
        ) : items.length === 0 ? (
          <EmptyState
            icon={<AppIcon name="incidents" />}
            title={filtered ? "No incident matches this filter" : "No incidents"}
            description={filtered ? "Choose another status or clear the filter." : "When an instance crashes, cannot start or loses its node, the incident and every recovery step appear here."}
          />
        ) : (
          <IncidentsTable items={items} orgSlug={org.slug} />
        )}
      </Card>
    </>
  );
}

function IncidentsTable({ items, orgSlug }: { items: IncidentRow[]; orgSlug: string }) {
  return (
    <Table label="Incidents">
      <THead>
        <TR>
          <TH>Incident</TH>
          <TH>Status</TH>
          <TH>Instance</TH>
          <TH>Detected</TH>
          <TH>Time to recover</TH>
          <TH className="text-right">Attempts</TH>
        </TR>
      </THead>
      <TBody>
        {items.map((i) => (
          <TR key={i.id} className="hover:bg-zinc-50">
            <TD>
              <Link href={`/o/${orgSlug}/incidents/${i.id}`} className="font-medium text-brand-700 hover:text-brand-900 hover:underline">
                {i.title}
              </Link>
              <div className="text-xs text-zinc-500">{causeLabel(i.kind)}</div>
            </TD>
            <TD>
              <IncidentStatusBadge status={i.status} />
            </TD>
            <TD className="whitespace-nowrap">
              {i.instanceId && i.instanceName ? (
                <Link href={`/o/${orgSlug}/instances/${i.instanceId}`} className="font-mono text-zinc-800 hover:text-zinc-950 hover:underline">
                  {i.instanceName}
                </Link>
              ) : (
                <span className="text-zinc-400">Deleted</span>
              )}
            </TD>
            <TD className="whitespace-nowrap">
              <Ago value={i.detectedAt} />
            </TD>
            <TD className="whitespace-nowrap">
              <TimeToRecover status={i.status} ttrMs={i.ttrMs} detectedAt={i.detectedAt} />
            </TD>
            <TD className="text-right tabular-nums">{i.attempts}</TD>
          </TR>
        ))}
      </TBody>
    </Table>
  );
}
