// meta.k8s.io/v1 Table output for `kubectl get`: column definitions and cells per resource kind.
import { R, type ResourceDef } from "../resources";
import { labelSelectorString } from "../selectors";
import type { KObject, Loose } from "../types";

interface Column {
  name: string;
  type: string;
  format?: string;
  priority?: number;
  description?: string;
  cell: (o: KObject) => unknown;
}

export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < -1) return "<invalid>";
  if (s < 0) return "0s";
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (h < 192) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 730) return `${d}d`;
  const y = Math.floor(d / 365);
  return d % 365 === 0 || y >= 8 ? `${y}y` : `${y}y${d % 365}d`;
}

const age = (o: KObject) => (o.metadata.creationTimestamp ? humanDuration(Date.now() - Date.parse(o.metadata.creationTimestamp)) : "<unknown>");
const name: Column = { name: "Name", type: "string", format: "name", cell: (o) => o.metadata.name };
const ageCol: Column = { name: "Age", type: "string", cell: age };
const none = (v: unknown) => (v === undefined || v === null || v === "" ? "<none>" : v);

function podStatusReason(p: KObject): string {
  let reason: string = p.status?.reason ?? p.status?.phase ?? "Unknown";
  for (const cs of (p.status?.containerStatuses ?? []) as Loose[]) {
    if (cs.state?.waiting?.reason) reason = cs.state.waiting.reason;
    else if (cs.state?.terminated?.reason) reason = cs.state.terminated.reason;
  }
  if (reason === "Pending" && p.spec?.nodeName && !(p.status?.containerStatuses ?? []).length) reason = "ContainerCreating";
  if (p.metadata.deletionTimestamp) reason = p.status?.reason === "NodeLost" ? "Unknown" : "Terminating";
  return reason;
}

function podRestarts(p: KObject): string {
  let n = 0;
  for (const cs of (p.status?.containerStatuses ?? []) as Loose[]) n += cs.restartCount ?? 0;
  return String(n);
}

function podReady(p: KObject): string {
  const total = (p.spec?.containers ?? []).length;
  const ready = ((p.status?.containerStatuses ?? []) as Loose[]).filter((c) => c.ready).length;
  return `${ready}/${total}`;
}

function nodeStatus(n: KObject): string {
  const ready = ((n.status?.conditions ?? []) as Loose[]).find((c) => c.type === "Ready");
  let s = ready?.status === "True" ? "Ready" : ready?.status === "False" ? "NotReady" : "Unknown";
  if (ready?.status === "Unknown") s = "NotReady";
  if (n.spec?.unschedulable) s += ",SchedulingDisabled";
  return s;
}

function nodeRoles(n: KObject): string {
  const roles = Object.keys(n.metadata.labels ?? {})
    .filter((k) => k.startsWith("node-role.kubernetes.io/"))
    .map((k) => k.slice("node-role.kubernetes.io/".length));
  return roles.length ? roles.join(",") : "<none>";
}

function servicePorts(s: KObject): string {
  const ports: Loose[] = s.spec?.ports ?? [];
  if (!ports.length) return "<none>";
  return ports.map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ""}/${p.protocol ?? "TCP"}`).join(",");
}

function externalIp(s: KObject): string {
  const ingress: Loose[] = s.status?.loadBalancer?.ingress ?? [];
  if (ingress.length) return ingress.map((i) => i.ip ?? i.hostname).join(",");
  if (s.spec?.type === "LoadBalancer") return "<pending>";
  return "<none>";
}

const images = (spec: Loose) => ((spec?.containers ?? []) as Loose[]).map((c) => c.image).join(",");
const containerNames = (spec: Loose) => ((spec?.containers ?? []) as Loose[]).map((c) => c.name).join(",");

const COLUMNS = new Map<ResourceDef, Column[]>([
  [
    R.pods,
    [
      name,
      { name: "Ready", type: "string", cell: podReady },
      { name: "Status", type: "string", cell: podStatusReason },
      { name: "Restarts", type: "string", cell: podRestarts },
      ageCol,
      { name: "IP", type: "string", priority: 1, cell: (p) => none(p.status?.podIP) },
      { name: "Node", type: "string", priority: 1, cell: (p) => none(p.spec?.nodeName) },
      { name: "Nominated Node", type: "string", priority: 1, cell: (p) => none(p.status?.nominatedNodeName) },
      { name: "Readiness Gates", type: "string", priority: 1, cell: () => "<none>" },
    ],
  ],
  [
    R.nodes,
    [
      name,
      { name: "Status", type: "string", cell: nodeStatus },
      { name: "Roles", type: "string", cell: nodeRoles },
      ageCol,
      { name: "Version", type: "string", cell: (n) => n.status?.nodeInfo?.kubeletVersion ?? "" },
      { name: "Internal-IP", type: "string", priority: 1, cell: (n) => none(((n.status?.addresses ?? []) as Loose[]).find((a) => a.type === "InternalIP")?.address) },
      { name: "External-IP", type: "string", priority: 1, cell: () => "<none>" },
      { name: "OS-Image", type: "string", priority: 1, cell: (n) => n.status?.nodeInfo?.osImage ?? "" },
      { name: "Kernel-Version", type: "string", priority: 1, cell: (n) => n.status?.nodeInfo?.kernelVersion ?? "" },
      { name: "Container-Runtime", type: "string", priority: 1, cell: (n) => n.status?.nodeInfo?.containerRuntimeVersion ?? "" },
    ],
  ],
  [R.namespaces, [name, { name: "Status", type: "string", cell: (n) => n.status?.phase ?? "Active" }, ageCol]],
  [
    R.deployments,
    [
      name,
      { name: "Ready", type: "string", cell: (d) => `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}` },
      { name: "Up-to-date", type: "integer", cell: (d) => d.status?.updatedReplicas ?? 0 },
      { name: "Available", type: "integer", cell: (d) => d.status?.availableReplicas ?? 0 },
      ageCol,
      { name: "Containers", type: "string", priority: 1, cell: (d) => containerNames(d.spec?.template?.spec) },
      { name: "Images", type: "string", priority: 1, cell: (d) => images(d.spec?.template?.spec) },
      { name: "Selector", type: "string", priority: 1, cell: (d) => labelSelectorString(d.spec?.selector) },
    ],
  ],
  [
    R.replicasets,
    [
      name,
      { name: "Desired", type: "integer", cell: (d) => d.spec?.replicas ?? 0 },
      { name: "Current", type: "integer", cell: (d) => d.status?.replicas ?? 0 },
      { name: "Ready", type: "integer", cell: (d) => d.status?.readyReplicas ?? 0 },
      ageCol,
      { name: "Containers", type: "string", priority: 1, cell: (d) => containerNames(d.spec?.template?.spec) },
      { name: "Images", type: "string", priority: 1, cell: (d) => images(d.spec?.template?.spec) },
      { name: "Selector", type: "string", priority: 1, cell: (d) => labelSelectorString(d.spec?.selector) },
    ],
  ],
  [
    R.statefulsets,
    [
      name,
      { name: "Ready", type: "string", cell: (d) => `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}` },
      ageCol,
      { name: "Containers", type: "string", priority: 1, cell: (d) => containerNames(d.spec?.template?.spec) },
      { name: "Images", type: "string", priority: 1, cell: (d) => images(d.spec?.template?.spec) },
    ],
  ],
  [
    R.services,
    [
      name,
      { name: "Type", type: "string", cell: (s) => s.spec?.type ?? "ClusterIP" },
      { name: "Cluster-IP", type: "string", cell: (s) => s.spec?.clusterIP ?? "<none>" },
      { name: "External-IP", type: "string", cell: externalIp },
      { name: "Port(s)", type: "string", cell: servicePorts },
      ageCol,
      { name: "Selector", type: "string", priority: 1, cell: (s) => none(Object.entries(s.spec?.selector ?? {}).map(([k, v]) => `${k}=${String(v)}`).join(",")) },
    ],
  ],
  [
    R.events,
    [
      { name: "Last Seen", type: "string", cell: (e) => (e.lastTimestamp ? humanDuration(Date.now() - Date.parse(e.lastTimestamp)) : "<unknown>") },
      { name: "Type", type: "string", cell: (e) => e.type ?? "" },
      { name: "Reason", type: "string", cell: (e) => e.reason ?? "" },
      { name: "Object", type: "string", cell: (e) => `${String(e.involvedObject?.kind ?? "").toLowerCase()}/${e.involvedObject?.name ?? ""}` },
      { name: "Message", type: "string", cell: (e) => e.message ?? "" },
    ],
  ],
  [
    R.pvcs,
    [
      name,
      { name: "Status", type: "string", cell: (p) => p.status?.phase ?? "Pending" },
      { name: "Volume", type: "string", cell: (p) => p.spec?.volumeName ?? "" },
      { name: "Capacity", type: "string", cell: (p) => p.status?.capacity?.storage ?? "" },
      { name: "Access Modes", type: "string", cell: (p) => ((p.status?.accessModes ?? []) as string[]).map((m) => ({ ReadWriteOnce: "RWO", ReadOnlyMany: "ROX", ReadWriteMany: "RWX", ReadWriteOncePod: "RWOP" })[m] ?? m).join(",") },
      { name: "StorageClass", type: "string", cell: (p) => p.spec?.storageClassName ?? "" },
      { name: "VolumeAttributesClass", type: "string", cell: () => "<unset>" },
      ageCol,
    ],
  ],
  [R.configmaps, [name, { name: "Data", type: "integer", cell: (c) => Object.keys(c.data ?? {}).length + Object.keys(c.binaryData ?? {}).length }, ageCol]],
  [R.secrets, [name, { name: "Type", type: "string", cell: (s) => s.type ?? "Opaque" }, { name: "Data", type: "integer", cell: (s) => Object.keys(s.data ?? {}).length }, ageCol]],
  [R.serviceaccounts, [name, { name: "Secrets", type: "integer", cell: (s) => (s.secrets ?? []).length }, ageCol]],
  [R.leases, [name, { name: "Holder", type: "string", cell: (l) => l.spec?.holderIdentity ?? "" }, ageCol]],
  [
    // The additionalPrinterColumns of the external-snapshotter CRD.
    R.volumesnapshots,
    [
      name,
      { name: "ReadyToUse", type: "boolean", cell: (v) => v.status?.readyToUse ?? "" },
      { name: "SourcePVC", type: "string", cell: (v) => v.spec?.source?.persistentVolumeClaimName ?? "" },
      { name: "SourceSnapshotContent", type: "string", cell: (v) => v.spec?.source?.volumeSnapshotContentName ?? "" },
      { name: "RestoreSize", type: "string", cell: (v) => v.status?.restoreSize ?? "" },
      { name: "SnapshotClass", type: "string", cell: (v) => v.spec?.volumeSnapshotClassName ?? "" },
      { name: "SnapshotContent", type: "string", cell: (v) => v.status?.boundVolumeSnapshotContentName ?? "" },
      { name: "CreationTime", type: "string", cell: (v) => (v.status?.creationTime ? humanDuration(Date.now() - Date.parse(v.status.creationTime)) : "") },
      ageCol,
    ],
  ],
  [R.quotas, [name, ageCol, { name: "Request", type: "string", cell: (q) => Object.entries(q.status?.used ?? {}).map(([k, v]) => `${k}: ${String(v)}/${String(q.status?.hard?.[k] ?? "")}`).join(", ") }]],
]);

function columnsFor(res: ResourceDef): Column[] {
  return COLUMNS.get(res) ?? [name, ageCol];
}

function partial(o: KObject, includeObject: string): unknown {
  if (includeObject === "None") return undefined;
  if (includeObject === "Object") return o;
  return { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: o.metadata };
}

export function toTable(res: ResourceDef, items: KObject[], meta: Record<string, unknown>, includeObject = "Metadata", withColumns = true): unknown {
  const cols = columnsFor(res);
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: meta,
    columnDefinitions: withColumns
      ? cols.map((c) => ({ name: c.name, type: c.type, format: c.format ?? "", description: c.description ?? "", priority: c.priority ?? 0 }))
      : null,
    rows: items.map((o) => {
      const row: Record<string, unknown> = { cells: cols.map((c) => c.cell(o)) };
      const obj = partial(o, includeObject);
      if (obj !== undefined) row.object = obj;
      return row;
    }),
  };
}
