// Incidents in the provider console: every incident in the fleet, counts by status on top (each one a filter),
// filtered by status and organization (kept in the address bar), refreshed every 10 s.
"use client";
import { useQueries, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import type { IncidentStatus } from "@/db/schema";
import { AppIcon } from "@/components/icons";
import { useUrlFilters } from "@/components/admin/fleet/use-filters";
import { causeLabel, INCIDENT_STATUS_FILTERS, INCIDENT_STATUS_LABELS, INCIDENT_STATUSES, IncidentStatusBadge, statusFilterInput, TimeToRecover } from "@/components/incidents/incident-look";
import { Badge, Button, Card, EmptyState, ErrorMessage, FilterSelect, LoadingBlock, PageHeader, Table, TBody, TD, TH, THead, TR, cn } from "@/components/ui";
import { Ago } from "@/components/workflows/relative-time";
import { useTRPC } from "@/lib/trpc/client";
import type { RouterOutputs } from "@/lib/trpc/types";

type IncidentRow = RouterOutputs["incidents"]["listAll"][number];

const FILTERS = ["status", "org"] as const;
const POLL_MS = 10_000;
/** The list endpoint's largest page: counts at this size read "200+". */
const COUNT_LIMIT = 200;

const countTone: Record<IncidentStatus, string> = {
  open: "text-red-700",
  recovering: "text-brand-700",
  needs_attention: "text-amber-800",
  resolved: "text-green-700",
};

export function AdminIncidentsPage() {
  const trpc = useTRPC();
  const [filters, setFilter, clearFilters] = useUrlFilters(FILTERS);
  const orgs = useQuery(trpc.orgs.listAll.queryOptions());
  const orgInput = filters.org ? { orgId: filters.org } : {};
  const list = useQuery({
    ...trpc.incidents.listAll.queryOptions({ ...orgInput, ...statusFilterInput(filters.status), limit: 100 }),
    refetchInterval: POLL_MS,
    placeholderData: (prev) => prev,
  });
  const counts = useQueries({
    queries: INCIDENT_STATUSES.map((status) => ({
      ...trpc.incidents.listAll.queryOptions({ ...orgInput, status: [status], limit: COUNT_LIMIT }),
      refetchInterval: POLL_MS,
      placeholderData: (prev: IncidentRow[] | undefined) => prev,
    })),
  });
  const items = list.data ?? [];
  const filtered = FILTERS.some((k) => filters[k]);

  return (
    <>
      <PageHeader title="Incidents" description="Failures the health monitor detected across the fleet, what automatic recovery did, and the ones waiting for a person." />
      <div className="mb-4 grid grid-cols-2 gap-3 lg:grid-cols-4" role="group" aria-label="Incidents by status">
        {INCIDENT_STATUSES.map((status, k) => {
          const n = counts[k]?.data?.length;
          const active = filters.status === status;
          return (
            <button
              key={status}
              type="button"
              aria-pressed={active}
              onClick={() => setFilter("status", active ? "" : status)}
              className={cn(
                "rounded-lg bg-white px-4 py-3 text-left shadow-sm ring-1 transition-colors hover:bg-zinc-50",
                active ? "ring-2 ring-brand-500" : "ring-zinc-200",
              )}
            >
              <span className="block text-xs font-medium tracking-wide text-zinc-500 uppercase">{INCIDENT_STATUS_LABELS[status]}</span>
              <span className={cn("mt-1 block text-2xl font-semibold tabular-nums", n ? countTone[status] : "text-zinc-400")}>
                {n === undefined ? "…" : n >= COUNT_LIMIT ? `${COUNT_LIMIT}+` : n}
              </span>
            </button>
          );
        })}
      </div>
      <Card className="mb-4">
        <div className="grid gap-3 px-4 py-3 sm:grid-cols-2 lg:grid-cols-[repeat(2,minmax(0,16rem))_minmax(0,1fr)_auto] lg:items-end">
          <FilterSelect label="Status" allLabel="Any status" value={filters.status} options={INCIDENT_STATUS_FILTERS} onChange={(v) => setFilter("status", v)} />
          <FilterSelect label="Organization" allLabel="All organizations" value={filters.org} options={(orgs.data ?? []).map((o) => ({ value: o.id, label: o.name }))} onChange={(v) => setFilter("org", v)} />
          <div />
          <Button variant="ghost" onClick={clearFilters} disabled={!filtered}>
            Clear filters
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
            title={filtered ? "No incident matches these filters" : "No incidents"}
            description={filtered ? "Widen the filters or clear them." : "The health monitor opens an incident when an instance crashes, cannot be scheduled or loses its node or cluster."}
          />
        ) : (
          <IncidentsTable items={items} />
        )}
      </Card>
    </>
  );
}

function IncidentsTable({ items }: { items: IncidentRow[] }) {
  return (
    <Table label="Incidents">
      <THead>
        <TR>
          <TH>Incident</TH>
          <TH>Status</TH>
          <TH>Organization and instance</TH>
          <TH>Detected</TH>
          <TH>Time to recover</TH>
          <TH className="text-right">Attempts</TH>
        </TR>
      </THead>
      <TBody>
        {items.map((i) => (
          <TR key={i.id} className="hover:bg-zinc-50">
            <TD className="align-top">
              <Link href={`/admin/incidents/${i.id}`} className="font-medium whitespace-nowrap text-brand-700 hover:text-brand-900 hover:underline">
                {i.title}
              </Link>
              <div className="text-xs text-zinc-500">{causeLabel(i.kind)}</div>
            </TD>
            <TD className="align-top">
              <div className="flex flex-wrap items-center gap-1">
                <IncidentStatusBadge status={i.status} />
                {i.status !== "resolved" && !i.acknowledgedAt && <Badge tone="red">Unacknowledged</Badge>}
                {i.status !== "resolved" && !i.autoRecovery && <Badge>Manual</Badge>}
              </div>
            </TD>
            <TD className="align-top whitespace-nowrap">
              <div className="text-zinc-900">{i.orgName ?? <span className="text-zinc-400">Platform</span>}</div>
              <div className="font-mono text-xs text-zinc-500">{i.instanceName ?? (i.instanceId ? "deleted instance" : "—")}</div>
            </TD>
            <TD className="align-top whitespace-nowrap">
              <Ago value={i.detectedAt} />
            </TD>
            <TD className="align-top whitespace-nowrap">
              <TimeToRecover status={i.status} ttrMs={i.ttrMs} detectedAt={i.detectedAt} />
            </TD>
            <TD className="text-right align-top tabular-nums">{i.attempts}</TD>
          </TR>
        ))}
      </TBody>
    </Table>
  );
}
