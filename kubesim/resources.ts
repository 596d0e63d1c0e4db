// The API resources kubesim serves: one table that drives routing, discovery, OpenAPI and storage keys.

export type Subresource = "status" | "scale" | "log" | "eviction" | "binding";

export interface ResourceDef {
  group: string; // "" for core
  version: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames: string[];
  /** Subresources served besides the object itself. */
  subresources: Subresource[];
  categories: string[];
  /** Storage key: `pods`, `deployments.apps`. */
  key: string;
  groupVersion: string; // "v1", "apps/v1"
  /** Strategic-merge / apply name in messages: `pods`, `deployments.apps`. */
  qualified: string;
}

const ALL_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

function def(
  group: string,
  plural: string,
  kind: string,
  namespaced: boolean,
  shortNames: string[] = [],
  subresources: Subresource[] = [],
  categories: string[] = [],
): ResourceDef {
  const key = group ? `${plural}.${group}` : plural;
  return {
    group,
    version: "v1",
    plural,
    singular: kind.toLowerCase(),
    kind,
    namespaced,
    shortNames,
    subresources,
    categories,
    key,
    groupVersion: group ? `${group}/v1` : "v1",
    qualified: key,
  };
}

export const RESOURCES: ResourceDef[] = [
  def("", "namespaces", "Namespace", false, ["ns"], ["status"]),
  def("", "nodes", "Node", false, ["no"], ["status"]),
  def("", "pods", "Pod", true, ["po"], ["status", "log", "eviction", "binding"], ["all"]),
  def("", "services", "Service", true, ["svc"], ["status"], ["all"]),
  def("", "configmaps", "ConfigMap", true, ["cm"]),
  def("", "secrets", "Secret", true),
  def("", "serviceaccounts", "ServiceAccount", true, ["sa"]),
  def("", "persistentvolumeclaims", "PersistentVolumeClaim", true, ["pvc"], ["status"]),
  def("", "resourcequotas", "ResourceQuota", true, ["quota"], ["status"]),
  def("", "events", "Event", true, ["ev"]),
  def("apps", "deployments", "Deployment", true, ["deploy"], ["status", "scale"], ["all"]),
  def("apps", "replicasets", "ReplicaSet", true, ["rs"], ["status", "scale"], ["all"]),
  def("apps", "statefulsets", "StatefulSet", true, ["sts"], ["status", "scale"], ["all"]),
  def("networking.k8s.io", "networkpolicies", "NetworkPolicy", true, ["netpol"]),
  def("coordination.k8s.io", "leases", "Lease", true),
  // A CRD on real clusters (CSI external-snapshotter); served here as if installed.
  def("snapshot.storage.k8s.io", "volumesnapshots", "VolumeSnapshot", true, ["vs"], ["status"]),
];

export const VERBS = ALL_VERBS;

const byGroupPlural = new Map<string, ResourceDef>();
const byKind = new Map<string, ResourceDef>();
for (const r of RESOURCES) {
  byGroupPlural.set(`${r.group}/${r.plural}`, r);
  byKind.set(`${r.groupVersion}/${r.kind}`, r);
  byKind.set(r.kind, r);
}

export function findResource(group: string, version: string, plural: string): ResourceDef | undefined {
  const r = byGroupPlural.get(`${group}/${plural}`);
  return r && r.version === version ? r : undefined;
}

/** Kind lookup for ownerReferences and apply bodies (`apps/v1` + `Deployment`, or just the kind). */
export function resourceForKind(kind: string, apiVersion?: string): ResourceDef | undefined {
  return (apiVersion && byKind.get(`${apiVersion}/${kind}`)) || byKind.get(kind);
}

export const R = {
  namespaces: byGroupPlural.get("/namespaces")!,
  nodes: byGroupPlural.get("/nodes")!,
  pods: byGroupPlural.get("/pods")!,
  services: byGroupPlural.get("/services")!,
  configmaps: byGroupPlural.get("/configmaps")!,
  secrets: byGroupPlural.get("/secrets")!,
  serviceaccounts: byGroupPlural.get("/serviceaccounts")!,
  pvcs: byGroupPlural.get("/persistentvolumeclaims")!,
  quotas: byGroupPlural.get("/resourcequotas")!,
  events: byGroupPlural.get("/events")!,
  deployments: byGroupPlural.get("apps/deployments")!,
  replicasets: byGroupPlural.get("apps/replicasets")!,
  statefulsets: byGroupPlural.get("apps/statefulsets")!,
  networkpolicies: byGroupPlural.get("networking.k8s.io/networkpolicies")!,
  leases: byGroupPlural.get("coordination.k8s.io/leases")!,
  volumesnapshots: byGroupPlural.get("snapshot.storage.k8s.io/volumesnapshots")!,
};

export const GROUPS: { name: string; version: string }[] = [];
for (const r of RESOURCES) {
  if (r.group && !GROUPS.some((g) => g.name === r.group)) GROUPS.push({ name: r.group, version: r.version });
}
