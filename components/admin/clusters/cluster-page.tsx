// One cluster: its health, connection and labels, then each node with its state, taints, utilisation and the instances on it.
"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { Fragment, useState, type ReactNode } from "react";
import { AppIcon } from "@/components/icons";
import { Alert, Badge, ButtonLink, Card, CardBody, CardHeader, EmptyState, ErrorMessage, LoadingBlock, PageHeader, Table, TBody, TD, TH, THead, TR, Time } from "@/components/ui";
import { formatDateTime, formatPrice } from "@/lib/format";
import { canPlatform } from "@/lib/roles";
import { useTRPC } from "@/lib/trpc/client";
import { errorCode } from "@/lib/trpc/errors";
import type { RouterOutputs } from "@/lib/trpc/types";
import { usePlatformRole } from "../admin-context";
import { CapacityBars, CapacityLegend, ClusterStatusBadge, CordonedBadge, clusterCapacity } from "./capacity";
import { ClusterActions, NoticeBar, type Notice } from "./cluster-actions";
import { REFRESH_MS } from "./clusters-page";
import { formatMib, formatVcpu, plural, shortId } from "./format";

type Detail = RouterOutputs["clusters"]["get"];
type Node = Detail["nodes"][number];

export function ClusterPage({ clusterId }: { clusterId: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const mayManage = canPlatform(usePlatformRole(), "clusters:manage");
  const detail = useQuery({ ...trpc.clusters.get.queryOptions({ clusterId }), refetchInterval: (q) => (q.state.error ? false : REFRESH_MS) });
  const [notice, setNotice] = useState<Notice | null>(null);

  const back = (
    <Link href="/admin/clusters" className="mb-3 inline-flex items-center gap-1 text-sm font-medium text-zinc-600 hover:text-zinc-900">
      <AppIcon name="chevron" className="size-4 rotate-90" /> All clusters
    </Link>
  );

  if (detail.isPending) {
    return (
      <>
        {back}
        <Card>
          <LoadingBlock label="Loading the cluster" />
        </Card>
      </>
    );
  }
  if (detail.error) {
    const gone = errorCode(detail.error) === "NOT_FOUND";
    return (
      <>
        {back}
        {gone ? (
          <Card>
            <EmptyState
              icon={<AppIcon name="clusters" />}
              title="This cluster is not registered"
              description="It may have been removed. The list shows every cluster Fleetplane knows."
              action={<ButtonLink href="/admin/clusters">All clusters</ButtonLink>}
            />
          </Card>
        ) : (
          <ErrorMessage error={detail.error} />
        )}
      </>
    );
  }

  const { cluster, nodes } = detail.data;
  return (
    <>
      {back}
      <PageHeader
        title={
          <span className="flex flex-wrap items-center gap-3">
            {cluster.name}
            <ClusterStatusBadge status={cluster.status} reason={cluster.statusReason} />
            {cluster.cordoned && <CordonedBadge />}
          </span>
        }
        description={
          <>
            {cluster.region}
            {cluster.kubernetesVersion && <> · Kubernetes {cluster.kubernetesVersion}</>} · {plural(cluster.nodes, "node")} · {plural(cluster.instances, "instance")}
          </>
        }
        actions={<ClusterActions size="md" cluster={cluster} mayManage={mayManage} onNotice={setNotice} onRemoved={() => router.push("/admin/clusters")} />}
      />
      <NoticeBar notice={notice} onDismiss={() => setNotice(null)} className="mb-4" />
      {cluster.statusReason && cluster.status !== "healthy" && (
        <Alert className="mb-4" tone={cluster.status === "unreachable" ? "error" : "warning"} title={cluster.status === "unreachable" ? "Fleetplane cannot reach this cluster" : cluster.status === "degraded" ? "This cluster is degraded" : "This cluster is not synced yet"}>
          {cluster.statusReason}
          {cluster.status === "unreachable" && <> The numbers below are from the last successful sync.</>}
        </Alert>
      )}
      <div className="mb-6 grid gap-6 lg:grid-cols-5">
        <Card className="lg:col-span-3">
          <CardHeader title="Details" />
          <CardBody>
            <ClusterDetails cluster={cluster} />
          </CardBody>
        </Card>
        <Card className="lg:col-span-2">
          <CardHeader title="Capacity" description="What the nodes can allocate, and who takes it." />
          <CardBody className="space-y-4">
            <CapacityBars className="space-y-2" capacity={clusterCapacity(cluster)} />
            <CapacityLegend />
            <p className="text-xs text-zinc-500">
              Other workloads are pods Fleetplane does not manage. Cordoned and not-Ready nodes are counted here but take no new instances.
            </p>
          </CardBody>
        </Card>
      </div>
      <Card>
        <CardHeader
          title={`Nodes (${nodes.length})`}
          description={
            <>
              {cluster.readyNodes} of {cluster.nodes} Ready · last synced <Time value={cluster.lastSyncedAt} mode="relative" /> ·{" "}
              <span title={`Last refreshed ${formatDateTime(new Date(detail.dataUpdatedAt))}`}>refreshes every 5 seconds</span>
            </>
          }
        />
        {nodes.length === 0 ? (
          <EmptyState title="No nodes reported" description="The last sync found no nodes. Resync once the cluster has nodes, or check its status above." />
        ) : (
          <NodeTable nodes={nodes} />
        )}
      </Card>
    </>
  );
}

function ClusterDetails({ cluster }: { cluster: Detail["cluster"] }) {
  const labels = Object.entries(cluster.labels);
  const rows: [string, ReactNode][] = [
    ["Region", cluster.region],
    [
      "Zones",
      cluster.zones.length ? (
        <span className="flex flex-wrap gap-1">
          {cluster.zones.map((z) => (
            <Badge key={z}>{z}</Badge>
          ))}
        </span>
      ) : (
        <span className="text-zinc-400">None reported</span>
      ),
    ],
    ["Kubernetes", cluster.kubernetesVersion ?? <span className="text-zinc-400">Unknown</span>],
    ["API server", <span key="u" className="font-mono text-xs break-all">{cluster.serverUrl}</span>],
    [
      "Labels",
      labels.length ? (
        <span className="flex flex-wrap gap-1">
          {labels.map(([k, v]) => (
            <span key={k} className="rounded bg-zinc-100 px-1.5 py-0.5 font-mono text-xs text-zinc-700">
              {k}={v}
            </span>
          ))}
        </span>
      ) : (
        <span className="text-zinc-400">None</span>
      ),
    ],
    ["Cost per node-hour", cluster.costPerNodeHourCents === null ? <span className="text-zinc-400">Not set</span> : formatPrice(cluster.costPerNodeHourCents)],
    ["Last synced", <Time key="t" value={cluster.lastSyncedAt} />],
    ["Registered", <Time key="r" value={cluster.createdAt} />],
  ];
  return (
    <dl className="grid gap-x-6 gap-y-3 text-sm sm:grid-cols-[10rem_1fr]">
      {rows.map(([term, value]) => (
        <Fragment key={term}>
          <dt className="font-medium text-zinc-500">{term}</dt>
          <dd className="min-w-0 text-zinc-900">{value}</dd>
        </Fragment>
      ))}
    </dl>
  );
}

function nodeCapacity(n: Node) {
  return {
    cpu: { allocatable: n.allocatableCpuMillis, foreign: n.foreignCpuMillis, reserved: n.reservedCpuMillis },
    memory: { allocatable: n.allocatableMemoryMb, foreign: n.foreignMemoryMb, reserved: n.reservedMemoryMb },
    pods: { allocatable: n.allocatablePods, foreign: n.foreignPods, reserved: n.reservedPods },
  };
}

const INSTANCES_SHOWN = 6;

function NodeTable({ nodes }: { nodes: Node[] }) {
  const [open, setOpen] = useState<Set<string>>(new Set());
  const toggle = (name: string) =>
    setOpen((s) => {
      const next = new Set(s);
      if (next.has(name)) next.delete(name);
      else next.add(name);
      return next;
    });
  return (
    <>
      <div className="border-b border-zinc-200 px-4 py-2.5 sm:px-5">
        <CapacityLegend />
      </div>
      <Table label="Nodes">
        <THead>
          <TR>
            <TH>Node</TH>
            <TH>State</TH>
            <TH>Taints</TH>
            <TH>Utilisation</TH>
            <TH>Instances</TH>
          </TR>
        </THead>
        <TBody>
          {nodes.map((n) => {
            const expanded = open.has(n.name);
            const detailsId = `node-${n.name}-details`;
            return (
              <Fragment key={n.name}>
                <TR className={expanded ? "bg-zinc-50/60" : undefined}>
                  <TD className="align-top">
                    <div className="min-w-32 font-medium [overflow-wrap:anywhere] text-zinc-900">{n.name}</div>
                    <div className="text-xs text-zinc-500">{n.zone || "no zone"}</div>
                    <button
                      type="button"
                      onClick={() => toggle(n.name)}
                      aria-expanded={expanded}
                      aria-controls={detailsId}
                      className="relative mt-1 -ml-1 inline-flex items-center gap-0.5 rounded px-1 py-0.5 text-xs font-medium whitespace-nowrap text-brand-700 hover:bg-brand-50"
                    >
                      {expanded ? "Hide details" : "Details"}
                      <span className="sr-only"> of {n.name}</span>
                      <AppIcon name="chevron" className={`size-3.5 transition-transform ${expanded ? "rotate-180" : ""}`} />
                    </button>
                  </TD>
                  <TD className="align-top">
                    <div className="flex flex-col items-start gap-1">
                      {n.ready ? <Badge tone="green">Ready</Badge> : <Badge tone="red">Not ready</Badge>}
                      {n.conditions.filter((c) => c.type !== "Ready" && conditionIsBad(c)).map((c) => (
                        <span key={c.type} title={c.message ?? c.reason ?? undefined}>
                          <Badge tone="amber">{c.type}</Badge>
                        </span>
                      ))}
                      {n.unschedulable && (
                        <span title="Cordoned in Kubernetes (spec.unschedulable): no new pods">
                          <Badge tone="amber">Unschedulable</Badge>
                        </span>
                      )}
                    </div>
                  </TD>
                  <TD className="align-top">
                    {n.taints.length === 0 ? (
                      <span className="text-zinc-400">None</span>
                    ) : (
                      <ul className="min-w-36 space-y-1">
                        {n.taints.map((t) => (
                          <li key={`${t.key}:${t.effect}`} className="w-fit rounded bg-amber-50 px-1.5 py-0.5 text-xs text-amber-900 ring-1 ring-amber-200 ring-inset">
                            <span className="font-mono">{breakable(`${t.key}${t.value ? `=${t.value}` : ""}`)}</span>
                            <span className="block text-amber-800">{t.effect}</span>
                          </li>
                        ))}
                      </ul>
                    )}
                  </TD>
                  <TD className="align-top">
                    <CapacityBars capacity={nodeCapacity(n)} />
                  </TD>
                  <TD className="align-top">
                    <SubjectList subjects={n.subjects} limit={expanded ? Infinity : INSTANCES_SHOWN} />
                  </TD>
                </TR>
                {expanded && (
                  <tr id={detailsId} className="bg-zinc-50/60">
                    <td colSpan={5} className="px-4 pt-1 pb-4 sm:px-5">
                      <NodeDetails node={n} />
                    </td>
                  </tr>
                )}
              </Fragment>
            );
          })}
        </TBody>
      </Table>
    </>
  );
}

function SubjectList({ subjects, limit }: { subjects: string[]; limit: number }) {
  if (subjects.length === 0) return <span className="text-zinc-400">None</span>;
  const shown = subjects.slice(0, limit);
  return (
    <div className="relative flex max-w-56 flex-wrap gap-1">
      {shown.map((id) => (
        <span key={id} title={id} className="rounded bg-brand-50 px-1.5 py-0.5 font-mono text-xs text-brand-900 ring-1 ring-brand-200 ring-inset">
          {shortId(id)}
          <span className="sr-only"> (instance {id})</span>
        </span>
      ))}
      {subjects.length > shown.length && <span className="px-1 text-xs text-zinc-500">+{subjects.length - shown.length} more</span>}
    </div>
  );
}

/** Long Kubernetes keys ("node.kubernetes.io/unschedulable") may wrap after a slash or a dot, never inside a word. */
function breakable(text: string): ReactNode {
  return text.split(/(?<=[/.])/).map((part, i) => (
    <Fragment key={i}>
      {i > 0 && <wbr />}
      {part}
    </Fragment>
  ));
}

/** A condition worth a second look: Ready that is not True, or a pressure condition that is True. */
function conditionIsBad(c: { type: string; status: string }): boolean {
  return c.type === "Ready" ? c.status !== "True" : c.status === "True";
}

function NodeDetails({ node }: { node: Node }) {
  const labels = Object.entries(node.labels);
  const drift =
    node.managedPods !== node.reservedPods || node.managedCpuMillis !== node.reservedCpuMillis || node.managedMemoryMb !== node.reservedMemoryMb;
  return (
    <div className="grid gap-4 rounded-md bg-white p-4 ring-1 ring-zinc-200 lg:grid-cols-2">
      <section aria-label={`Conditions of ${node.name}`}>
        <h3 className="mb-2 text-sm font-semibold text-zinc-900">Conditions</h3>
        {node.conditions.length === 0 ? (
          <p className="text-sm text-zinc-500">None reported.</p>
        ) : (
          <ul className="divide-y divide-zinc-100 text-sm">
            {node.conditions.map((c) => (
              <li key={c.type} className="py-1.5">
                <span className="flex items-center gap-2">
                  <span className="font-medium text-zinc-800">{c.type}</span>
                  <Badge tone={conditionIsBad(c) ? (c.type === "Ready" ? "red" : "amber") : "neutral"}>{c.status}</Badge>
                  {c.reason && <span className="text-xs text-zinc-500">{c.reason}</span>}
                </span>
                {c.message && <span className="mt-0.5 block text-xs text-zinc-600">{c.message}</span>}
              </li>
            ))}
          </ul>
        )}
      </section>
      <div className="space-y-4">
        <section aria-label={`Fleetplane pods on ${node.name}`}>
          <h3 className="mb-2 text-sm font-semibold text-zinc-900">Fleetplane on this node</h3>
          <dl className="grid grid-cols-[9rem_1fr] gap-y-1 text-sm">
            <dt className="text-zinc-500">Reserved</dt>
            <dd>{node.reservedPods === 0 ? "None" : `${plural(node.reservedPods, "replica")} · ${formatVcpu(node.reservedCpuMillis)} · ${formatMib(node.reservedMemoryMb)}`}</dd>
            <dt className="text-zinc-500">Pods running</dt>
            <dd>{node.managedPods === 0 ? "None" : `${plural(node.managedPods, "pod")} · ${formatVcpu(node.managedCpuMillis)} · ${formatMib(node.managedMemoryMb)}`}</dd>
          </dl>
          {drift && <p className="mt-1 text-xs text-zinc-500">Reservations and running pods differ while instances start or stop; the capacity sync reconciles them.</p>}
        </section>
        <section aria-label={`Labels of ${node.name}`}>
          <h3 className="mb-2 text-sm font-semibold text-zinc-900">Labels</h3>
          {labels.length === 0 ? (
            <p className="text-sm text-zinc-500">None.</p>
          ) : (
            <ul className="flex flex-wrap gap-1">
              {labels.map(([k, v]) => (
                <li key={k} className="rounded bg-zinc-100 px-1.5 py-0.5 font-mono text-xs break-all text-zinc-700">
                  {k}={v}
                </li>
              ))}
            </ul>
          )}
        </section>
        <p className="text-xs text-zinc-500">
          Node synced <Time value={node.syncedAt} mode="relative" />.
        </p>
      </div>
    </div>
  );
}
