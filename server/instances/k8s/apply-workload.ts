// Applies an instance's rendered objects to its cluster by server-side apply (field manager `fleetplane`, force),
// in dependency order, and reports what changed. Rejections a retry cannot fix become a plain DomainError.
import type { KubernetesObject } from "@kubernetes/client-node";
import { DomainError } from "@/server/errors/domain-error";
import type { KubeClients } from "@/server/k8s/kube-client";
import { describeQuotaRefusal, isInvalidObject, isKubeNotFound, isQuotaRejection, kubeStatusOf } from "@/server/k8s/kube-status";
import { objectApiFor, serverSideApply } from "@/server/k8s/server-side-apply";

export type AppliedObject = {
  kind: string;
  name: string;
  namespace?: string;
  /** created: it did not exist; configured: it changed; unchanged: it already was as applied; applied: not checked. */
  action: "created" | "configured" | "unchanged" | "applied";
};

// Lower first: the namespace, then what pods need to exist before they start (quota, policies, identities,
// configuration, volumes), then the workloads, then what routes to them.
const ORDER: Record<string, number> = {
  Namespace: 0,
  ResourceQuota: 1,
  LimitRange: 1,
  NetworkPolicy: 1,
  ServiceAccount: 1,
  Role: 1,
  RoleBinding: 1,
  ConfigMap: 2,
  Secret: 2,
  PersistentVolumeClaim: 2,
  Deployment: 3,
  StatefulSet: 3,
  Service: 4,
  Ingress: 4,
};
const rankOf = (kind: string) => ORDER[kind] ?? 3;

function describe(obj: KubernetesObject): string {
  return `${obj.kind} "${obj.metadata?.name}"`;
}

/** Whether API discovery says the cluster has no such kind (client-node's own errors, before any object request). */
function isUnservedKind(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (/^Unrecognized API version and kind/.test(err.message)) return true;
  return /^Failed to fetch resource metadata/.test(err.message) && kubeStatusOf(err)?.code === 404;
}

/** Turns a rejection a retry cannot fix into a DomainError; anything else (5xx, 429, 404, network) is rethrown. */
function explainFailure(obj: KubernetesObject, err: unknown): unknown {
  const status = kubeStatusOf(err);
  if (status && isQuotaRejection(err))
    return new DomainError("BAD_REQUEST", `${describe(obj)} was refused: ${describeQuotaRefusal(status.message) ?? "it does not fit the instance's resource quota"}`, { cause: err });
  if (status && isInvalidObject(err)) {
    const causes = status.causes.filter((c) => c.message).map((c) => (c.field ? `${c.field}: ${c.message}` : c.message!));
    const detail = causes.length ? causes.join("; ") : status.message || "the object is not valid";
    return new DomainError("BAD_REQUEST", `the cluster rejected ${describe(obj)}: ${detail}`, { cause: err });
  }
  if (isUnservedKind(err)) {
    return new DomainError("BAD_REQUEST", `the cluster does not serve ${obj.kind} in ${obj.apiVersion}`, { cause: err });
  }
  return err;
}

async function resourceVersionOf(clients: Pick<KubeClients, "kc">, obj: KubernetesObject): Promise<string | undefined> {
  try {
    const live = await objectApiFor(clients.kc).read({ apiVersion: obj.apiVersion!, kind: obj.kind!, metadata: { name: obj.metadata!.name!, namespace: obj.metadata?.namespace } });
    return live.metadata?.resourceVersion;
  } catch (err) {
    if (isKubeNotFound(err) && !isUnservedKind(err)) return undefined;
    throw err;
  }
}

async function applyOne(clients: Pick<KubeClients, "kc">, obj: KubernetesObject, reportChanges: boolean): Promise<AppliedObject> {
  try {
    // Telling what changed costs a read before every apply; workflow steps only need the objects applied.
    const before = reportChanges ? await resourceVersionOf(clients, obj) : undefined;
    const after = await serverSideApply(clients.kc, obj);
    const action = !reportChanges ? "applied" : before === undefined ? "created" : before === after.metadata?.resourceVersion ? "unchanged" : "configured";
    return { kind: obj.kind!, name: obj.metadata!.name!, ...(obj.metadata?.namespace ? { namespace: obj.metadata.namespace } : {}), action };
  } catch (err) {
    throw explainFailure(obj, err);
  }
}

function checkShape(obj: KubernetesObject): void {
  if (!obj.apiVersion || !obj.kind || !obj.metadata?.name) throw new DomainError("BAD_REQUEST", "every object needs apiVersion, kind and metadata.name");
  // Fleetplane creates no cluster-wide objects besides namespaces; an object without a namespace would land in
  // the kubeconfig's default namespace.
  if (obj.kind !== "Namespace" && !obj.metadata.namespace) throw new DomainError("BAD_REQUEST", `${describe(obj)} has no namespace`);
}

/**
 * Server-side applies `objects` (field manager `fleetplane`, force) in order: namespace, then namespace-scoped
 * configuration (quota, policies, service accounts, config maps, secrets, volume claims), then workloads, then
 * services; objects of one rank go in parallel. Idempotent: applying the same objects again reports "unchanged"
 * (with `reportChanges: false` nothing is read first and every object reports "applied").
 * Throws DomainError BAD_REQUEST for rejections a retry cannot fix (400/422 invalid, 403 quota exceeded);
 * transient failures (5xx, 429, connection, missing namespace) are thrown as they are.
 */
export async function applyManifests(clients: Pick<KubeClients, "kc">, objects: KubernetesObject[], options: { reportChanges?: boolean } = {}): Promise<AppliedObject[]> {
  const reportChanges = options.reportChanges ?? true;
  objects.forEach(checkShape);
  const ranks = [...new Set(objects.map((o) => rankOf(o.kind!)))].sort((a, b) => a - b);
  const applied: AppliedObject[] = [];
  for (const rank of ranks) {
    const batch = objects.filter((o) => rankOf(o.kind!) === rank);
    const results = await Promise.allSettled(batch.map((o) => applyOne(clients, o, reportChanges)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    // A rejection a retry cannot fix wins over a transient failure of a sibling: it is the one to report.
    const permanent = results.find((r): r is PromiseRejectedResult => r.status === "rejected" && r.reason instanceof DomainError);
    if (permanent ?? failed) throw (permanent ?? failed)!.reason;
    for (const r of results) if (r.status === "fulfilled") applied.push(r.value);
  }
  return applied;
}
