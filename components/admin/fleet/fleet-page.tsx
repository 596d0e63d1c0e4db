// The fleet in the provider console: every customer instance, filtered by organization, cluster, status and version;
// platform admins move stateless instances to another cluster.
"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { AppIcon } from "@/components/icons";
import { Button, Card, ConfirmDialog, EmptyState, ErrorMessage, FilterSelect, LoadingBlock, PageHeader, Table, TBody, TD, TH, THead, TR } from "@/components/ui";
import { usePlatformRole } from "@/components/admin/admin-context";
import { InstanceStatus, isTransitional, OBSERVED_STATE_LABELS } from "@/components/instances/instance-status";
import { Ago } from "@/components/workflows/relative-time";
import { shortId } from "@/components/workflows/format";
import { planAndPrice, replicaSummary } from "@/components/instances/instances-page";
import { canPlatform } from "@/lib/roles";
import { useTRPC } from "@/lib/trpc/client";
import type { RouterOutputs } from "@/lib/trpc/types";
import { NoticeLine, type Notice } from "./notice";
import { useUrlFilters } from "./use-filters";

type Row = RouterOutputs["fleet"]["instances"][number];

const FILTERS = ["org", "cluster", "status", "version"] as const;
const LIMIT = 200;

export function FleetPage() {
  const trpc = useTRPC();
  const role = usePlatformRole();
  const mayManage = canPlatform(role, "fleet:manage");
  const [filters, setFilter, clearFilters] = useUrlFilters(FILTERS);
  const [notice, setNotice] = useState<Notice | null>(null);
  const input = {
    ...(filters.org ? { orgId: filters.org } : {}),
    ...(filters.cluster ? { clusterId: filters.cluster } : {}),
    ...(filters.status ? { observedState: [filters.status] } : {}),
    ...(filters.version ? { version: filters.version } : {}),
    limit: LIMIT,
  };
  const fleet = useQuery({
    ...trpc.fleet.instances.queryOptions(input),
    refetchInterval: (q) => (q.state.data?.some((i) => isTransitional(i.observedState)) ? 2_000 : 10_000),
    placeholderData: (prev) => prev,
  });
  const orgs = useQuery(trpc.orgs.listAll.queryOptions());
  const clusters = useQuery(trpc.clusters.list.queryOptions());
  const catalog = useQuery(trpc.catalog.adminList.queryOptions());
  const versions = [...new Set((catalog.data ?? []).flatMap((s) => s.versions.map((v) => v.version)))].sort();
  const filtered = FILTERS.some((k) => filters[k]);

  return (
    <>
      <PageHeader title="Fleet" description="Every customer instance, on every cluster: its state, where it runs and which version." />
      <NoticeLine notice={notice} onDismiss={() => setNotice(null)} />
      <Card className="mb-4">
        <div className="grid gap-3 px-4 py-3 sm:grid-cols-2 lg:grid-cols-[repeat(4,minmax(0,1fr))_auto] lg:items-end">
          <FilterSelect label="Organization" allLabel="All organizations" value={filters.org} onChange={(v) => setFilter("org", v)} options={(orgs.data ?? []).map((o) => ({ value: o.id, label: o.name }))} />
          <FilterSelect
            label="Cluster"
            allLabel="All clusters"
            value={filters.cluster}
            onChange={(v) => setFilter("cluster", v)}
            options={(clusters.data ?? []).map((c) => ({ value: c.id, label: `${c.name} (${c.region})` }))}
          />
          <FilterSelect
            label="Status"
            allLabel="Any status"
            value={filters.status}
            onChange={(v) => setFilter("status", v)}
            options={Object.entries(OBSERVED_STATE_LABELS)
              .filter(([k]) => k !== "deleted")
              .map(([k, label]) => ({ value: k, label }))}
          />
          <FilterSelect label="Version" allLabel="Any version" value={filters.version} onChange={(v) => setFilter("version", v)} options={versions.map((v) => ({ value: v, label: v }))} />
          <Button variant="ghost" onClick={clearFilters} disabled={!filtered}>
            Clear filters
          </Button>
        </div>
      </Card>
      <Card>
        {fleet.isPending ? (
          <LoadingBlock label="Loading the fleet" />
        ) : fleet.error ? (
          <ErrorMessage className="m-4" error={fleet.error} />
        ) : fleet.data.length === 0 ? (
          <EmptyState
            icon={<AppIcon name="fleet" />}
            title={filtered ? "No instance matches these filters" : "No instances yet"}
            description={filtered ? "Widen the filters or clear them." : "Instances appear here as soon as customers create them."}
            action={filtered && <Button variant="secondary" onClick={clearFilters}>Clear filters</Button>}
          />
        ) : (
          <>
            <FleetTable rows={fleet.data} mayManage={mayManage} onNotice={setNotice} />
            <p className="border-t border-zinc-200 px-4 py-2.5 text-xs text-zinc-500">
              {fleet.data.length === LIMIT ? `The first ${LIMIT} instances, newest first; narrow the filters to see others.` : `${fleet.data.length} ${fleet.data.length === 1 ? "instance" : "instances"}, newest first.`}{" "}
              {fleet.data.some((i) => isTransitional(i.observedState)) ? "Refreshing every 2 seconds while some are changing." : "Refreshes every 10 seconds."}
            </p>
          </>
        )}
      </Card>
    </>
  );
}

function moveReason(row: Row, mayManage: boolean): string | null {
  if (!mayManage) return "Only platform admins can move instances";
  if (row.serviceKind !== "stateless") return "Only stateless instances can move: a stateful one keeps its volumes where it runs";
  if (row.desiredState === "deleted") return "The instance is being deleted";
  if (!row.clusterId) return "The instance is not placed yet";
  return null;
}

function FleetTable({ rows, mayManage, onNotice }: { rows: Row[]; mayManage: boolean; onNotice: (n: Notice) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [moving, setMoving] = useState<Row | null>(null);
  const move = useMutation(trpc.fleet.moveInstance.mutationOptions());
  return (
    <>
      <Table label="Instances in the fleet">
        <THead>
          <TR>
            <TH>Instance</TH>
            <TH>Organization</TH>
            <TH>Service and plan</TH>
            <TH>Status</TH>
            <TH>Cluster</TH>
            <TH>Version</TH>
            <TH className="text-right">
              <span className="sr-only">Actions</span>
            </TH>
          </TR>
        </THead>
        <TBody>
          {rows.map((r) => (
            <TR key={r.id}>
              <TD className="align-top">
                <div className="font-medium whitespace-nowrap text-zinc-900">{r.name}</div>
                <div className="font-mono text-xs whitespace-nowrap text-zinc-500" title={r.id}>
                  {shortId(r.id)}
                </div>
                <div className="text-xs whitespace-nowrap text-zinc-500">
                  created <Ago value={r.createdAt} />
                </div>
              </TD>
              <TD className="align-top">{r.orgName || <span className="text-zinc-400">—</span>}</TD>
              <TD className="align-top">
                <div className="text-zinc-900">{r.serviceName}</div>
                <div className="text-xs text-zinc-500">
                  {planAndPrice(r.planName, r.priceMonthlyCents)} · {r.serviceKind}
                </div>
              </TD>
              <TD className="align-top">
                <InstanceStatus state={r.observedState} message={r.statusMessage} />
                <div className="mt-1 text-xs text-zinc-500 tabular-nums">{replicaSummary(r)}</div>
              </TD>
              <TD className="align-top">
                {r.clusterId ? (
                  <>
                    <Link href={`/admin/clusters/${r.clusterId}`} className="text-brand-700 hover:text-brand-900 hover:underline">
                      {r.clusterName}
                    </Link>
                    <div className="text-xs text-zinc-500">{r.clusterRegion}</div>
                  </>
                ) : (
                  <span className="text-zinc-500">Not placed{r.region ? ` (wants ${r.region})` : ""}</span>
                )}
              </TD>
              <TD className="align-top font-mono text-xs">{r.version}</TD>
              <TD className="align-top">
                <div className="flex justify-end gap-1">
                  <Link href={`/admin/workflows?subject=${r.id}`} className="inline-flex h-8 items-center rounded-md px-3 text-sm font-medium whitespace-nowrap text-zinc-700 hover:bg-zinc-100">
                    Runs
                  </Link>
                  <Button variant="secondary" size="sm" disabledReason={moveReason(r, mayManage)} onClick={() => setMoving(r)}>
                    Move
                  </Button>
                </div>
              </TD>
            </TR>
          ))}
        </TBody>
      </Table>
      <ConfirmDialog
        open={!!moving}
        onClose={() => setMoving(null)}
        danger={false}
        title={`Move ${moving?.name ?? ""} to another cluster?`}
        message={
          <>
            <p>
              It is placed on the best other cluster with room, started there and checked ready; then its namespace on {moving?.clusterName ?? "the current cluster"} is removed. Its
              endpoint changes.
            </p>
            <p className="mt-2 text-zinc-500">The move runs as a workflow you can follow, pause or cancel under Workflows.</p>
          </>
        }
        confirmLabel="Move instance"
        onConfirm={async () => {
          const row = moving!;
          const r = await move.mutateAsync({ orgId: row.orgId, instanceId: row.id });
          await queryClient.invalidateQueries({ queryKey: trpc.fleet.instances.queryKey() });
          onNotice({
            tone: r.status === "running" ? "success" : "info",
            text: r.status === "queued" ? `Moving ${row.name} is queued behind the change in progress.` : `Moving ${row.name}: the run is ${r.status}.`,
            href: `/admin/workflows/${r.runId}`,
            linkLabel: "Follow the run",
          });
        }}
      />
    </>
  );
}
