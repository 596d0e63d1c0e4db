// The fleet of clusters in the provider console: health, nodes, utilisation per dimension and instances, refreshed every 5 s.
"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { AppIcon } from "@/components/icons";
import { Button, Card, EmptyState, ErrorMessage, LoadingBlock, PageHeader, Table, TBody, TD, TH, THead, TR, Time } from "@/components/ui";
import { formatDateTime } from "@/lib/format";
import { canPlatform } from "@/lib/roles";
import { useTRPC } from "@/lib/trpc/client";
import { usePlatformRole } from "../admin-context";
import { AddClusterDialog } from "./add-cluster-dialog";
import { CapacityBars, CapacityLegend, ClusterStatusBadge, CordonedBadge, clusterCapacity, type ClusterRow } from "./capacity";
import { ClusterActions, NoticeBar, readOnlyReason, type Notice } from "./cluster-actions";
import { ClustersTabs } from "./clusters-tabs";
import { plural } from "./format";

export const REFRESH_MS = 5_000;

export function ClustersPage() {
  const trpc = useTRPC();
  const mayManage = canPlatform(usePlatformRole(), "clusters:manage");
  const list = useQuery({ ...trpc.clusters.list.queryOptions(), refetchInterval: REFRESH_MS });
  const [adding, setAdding] = useState(false);
  const [notice, setNotice] = useState<Notice | null>(null);

  return (
    <>
      <PageHeader
        title="Clusters"
        description="The Kubernetes clusters that run customer instances: their health and how much of their capacity is taken."
        actions={
          <Button onClick={() => setAdding(true)} disabledReason={mayManage ? null : readOnlyReason}>
            <AppIcon name="plus" className="size-4" /> Add cluster
          </Button>
        }
      />
      <ClustersTabs />
      <NoticeBar notice={notice} onDismiss={() => setNotice(null)} className="mb-4" />
      {list.isPending ? (
        <Card>
          <LoadingBlock label="Loading clusters" />
        </Card>
      ) : list.error ? (
        <ErrorMessage error={list.error} />
      ) : list.data.length === 0 ? (
        <Card>
          <EmptyState
            icon={<AppIcon name="clusters" />}
            title="No clusters yet"
            description={
              <>
                <p>
                  Add a cluster with its kubeconfig: Fleetplane connects to it, reads its version and nodes, then keeps its capacity up to date and starts placing
                  instances on it.
                </p>
                <p className="mt-2">
                  In development, <code className="rounded bg-zinc-100 px-1 py-0.5 font-mono text-xs">npm start</code> registers the kubesim dev clusters automatically.
                </p>
              </>
            }
            action={mayManage && <Button onClick={() => setAdding(true)}>Add cluster</Button>}
          />
        </Card>
      ) : (
        <>
          <FleetSummary clusters={list.data} />
          <Card>
            <div className="flex flex-wrap items-center justify-between gap-2 border-b border-zinc-200 px-4 py-2.5">
              <CapacityLegend />
              {/* Reading dataUpdatedAt re-renders every refetch, so relative times ("synced 2 minutes ago") keep moving. */}
              <p className="text-xs text-zinc-500" title={`Last refreshed ${formatDateTime(new Date(list.dataUpdatedAt))}`}>
                Refreshes every 5 seconds
              </p>
            </div>
            <ClusterTable clusters={list.data} mayManage={mayManage} onNotice={setNotice} />
          </Card>
        </>
      )}
      <AddClusterDialog open={adding} onClose={() => setAdding(false)} onNotice={setNotice} />
    </>
  );
}

function FleetSummary({ clusters }: { clusters: ClusterRow[] }) {
  const sum = (k: keyof ClusterRow) => clusters.reduce((s, c) => s + (c[k] as number), 0);
  const healthy = clusters.filter((c) => c.status === "healthy").length;
  const cordoned = clusters.filter((c) => c.cordoned).length;
  const nodes = sum("nodes");
  const ready = sum("readyNodes");
  const stats = [
    { label: "Clusters", value: clusters.length, detail: `${healthy} healthy${cordoned ? ` · ${cordoned} cordoned` : ""}` },
    { label: "Nodes", value: nodes, detail: ready === nodes ? "all Ready" : `${ready} Ready` },
    { label: "Instances", value: sum("instances"), detail: "with capacity reserved" },
  ];
  return (
    <section aria-label="Fleet totals" className="mb-6 grid gap-4 sm:grid-cols-3 xl:grid-cols-5">
      {stats.map((s) => (
        <div key={s.label} className="rounded-lg bg-white px-4 py-3 shadow-sm ring-1 ring-zinc-200">
          <p className="text-xs font-medium tracking-wide text-zinc-500 uppercase">{s.label}</p>
          <p className="mt-1 text-2xl font-semibold text-zinc-900 tabular-nums">{s.value.toLocaleString("en-US")}</p>
          <p className="text-xs text-zinc-500">{s.detail}</p>
        </div>
      ))}
      <div className="rounded-lg bg-white px-4 py-3 shadow-sm ring-1 ring-zinc-200 sm:col-span-3 xl:col-span-2">
        <p className="mb-2 text-xs font-medium tracking-wide text-zinc-500 uppercase">Fleet capacity</p>
        <CapacityBars
          className="space-y-1.5"
          capacity={{
            cpu: { allocatable: sum("cpuAllocatable"), foreign: sum("cpuForeign"), reserved: sum("cpuReserved") },
            memory: { allocatable: sum("memoryAllocatable"), foreign: sum("memoryForeign"), reserved: sum("memoryReserved") },
            pods: { allocatable: sum("podsAllocatable"), foreign: sum("podsForeign"), reserved: sum("podsReserved") },
          }}
        />
      </div>
    </section>
  );
}

function ClusterTable({ clusters, mayManage, onNotice }: { clusters: ClusterRow[]; mayManage: boolean; onNotice: (n: Notice) => void }) {
  return (
    <Table label="Clusters">
      <THead>
        <TR>
          <TH>Cluster</TH>
          <TH>Status</TH>
          <TH>Utilisation</TH>
          <TH className="text-right">Instances</TH>
          {mayManage && (
            <TH className="relative text-right">
              <span className="sr-only">Actions</span>
            </TH>
          )}
        </TR>
      </THead>
      <TBody>
        {clusters.map((c) => (
          <TR key={c.id}>
            <TD className="align-top">
              <Link href={`/admin/clusters/${c.id}`} className="font-medium text-brand-700 hover:text-brand-900 hover:underline">
                {c.name}
              </Link>
              <div className="mt-0.5 text-xs text-zinc-500">
                {c.region}
                {c.zones.length > 0 && <> · {plural(c.zones.length, "zone")}</>}
                {c.kubernetesVersion && <> · {c.kubernetesVersion}</>}
              </div>
              <div className="mt-0.5 text-xs whitespace-nowrap text-zinc-500">
                {c.lastSyncedAt ? (
                  <>
                    Synced <Time value={c.lastSyncedAt} mode="relative" />
                  </>
                ) : (
                  "Not synced yet"
                )}
              </div>
            </TD>
            <TD className="align-top">
              <div className="flex flex-col items-start gap-1">
                <ClusterStatusBadge status={c.status} reason={c.statusReason} showReason />
                {c.cordoned && <CordonedBadge />}
                <span className={`text-xs whitespace-nowrap tabular-nums ${c.readyNodes < c.nodes ? "font-medium text-amber-800" : "text-zinc-600"}`}>
                  {c.nodes === 0 ? "No nodes" : `${c.readyNodes} of ${plural(c.nodes, "node")} Ready`}
                </span>
              </div>
            </TD>
            <TD className="align-top">
              {c.nodes === 0 ? <span className="text-xs text-zinc-500">No nodes reported yet</span> : <CapacityBars className="w-64 max-w-full space-y-1.5" capacity={clusterCapacity(c)} />}
            </TD>
            <TD className="text-right align-top tabular-nums">{c.instances > 0 ? c.instances : <span className="text-zinc-400">0</span>}</TD>
            {/* Support staff read; like the catalog, rows show them no actions (the cluster page says why they are disabled). */}
            {mayManage && (
              <TD className="align-top">
                <div className="relative ml-auto flex min-w-44 flex-wrap justify-end gap-1">
                  <ClusterActions cluster={c} mayManage={mayManage} onNotice={onNotice} />
                </div>
              </TD>
            )}
          </TR>
        ))}
      </TBody>
    </Table>
  );
}
