// Whether an instance's workload (Deployment or StatefulSet) is ready, and if not why, in plain words read from
// the workload's status, its pods and its controller's failures; plus a wait that ends as soon as it is ready.
import type { V1Deployment, V1Pod, V1StatefulSet } from "@kubernetes/client-node";
import type { KubeClients } from "@/server/k8s/kube-client";
import { describeQuotaRefusal, isKubeNotFound } from "@/server/k8s/kube-status";
import { labelSelectorString } from "@/server/k8s/label-selector";
import { waitWithWatch } from "@/server/k8s/wait-with-watch";

export type WorkloadKind = "Deployment" | "StatefulSet";
export type WorkloadRef = { namespace: string; name: string; kind: WorkloadKind };

export type WorkloadReadiness = {
  ready: boolean;
  readyReplicas: number;
  desiredReplicas: number;
  /** Plain words: "2 of 2 pods ready", "1 of 2 pods ready; pod web-x: ImagePullBackOff". */
  reason: string;
};

type Workload = V1Deployment | V1StatefulSet;
type Clients = Pick<KubeClients, "kc" | "core" | "apps">;

async function readWorkload(clients: Clients, ref: WorkloadRef): Promise<Workload | undefined> {
  try {
    const args = { name: ref.name, namespace: ref.namespace };
    return ref.kind === "Deployment" ? await clients.apps.readNamespacedDeployment(args) : await clients.apps.readNamespacedStatefulSet(args);
  } catch (err) {
    if (isKubeNotFound(err)) return undefined;
    throw err;
  }
}

type Summary = WorkloadReadiness & { waitingFor?: string };

/** Readiness from the workload object alone, following what `kubectl rollout status` checks. */
function summarize(ref: WorkloadRef, w: Workload): Summary {
  const desired = w.spec?.replicas ?? 1;
  const s = w.status;
  const ready = s?.readyReplicas ?? 0;
  const total = s?.replicas ?? 0;
  const updated = s?.updatedReplicas ?? 0;
  const base = { readyReplicas: ready, desiredReplicas: desired };
  const notReady = (waitingFor?: string): Summary => ({ ...base, ready: false, reason: `${ready} of ${desired} pods ready`, ...(waitingFor ? { waitingFor } : {}) });
  if ((s?.observedGeneration ?? 0) < (w.metadata?.generation ?? 0)) return notReady("the change is not yet picked up by the controller");
  if (ref.kind === "Deployment") {
    const available = (s as V1Deployment["status"])?.availableReplicas ?? 0;
    const stuck = (s as V1Deployment["status"])?.conditions?.find((c) => c.type === "Progressing" && c.reason === "ProgressDeadlineExceeded");
    if (stuck) return notReady("the rollout made no progress within its deadline");
    if (updated < desired) return notReady(total > updated ? `rolling out: ${updated} of ${desired} pods updated` : undefined);
    if (total > updated) return notReady(`${total - updated} pods still stopping`);
    if (available < updated) return notReady();
  } else {
    const st = s as V1StatefulSet["status"];
    if (desired > 0 && (w as V1StatefulSet).spec?.updateStrategy?.type !== "OnDelete") {
      if (updated < desired) return notReady(total > updated && updated > 0 ? `rolling out: ${updated} of ${desired} pods updated` : undefined);
      if (st?.updateRevision && st.currentRevision && st.updateRevision !== st.currentRevision) return notReady("the update is still rolling out");
    }
    if (ready < desired) return notReady();
    if (total > desired) return notReady(`${total - desired} pods still stopping`);
  }
  return { ...base, ready: true, reason: desired === 0 ? "scaled to zero" : `${ready} of ${desired} pods ready` };
}

/** Why one pod is not ready, or undefined when it is. */
function podProblem(pod: V1Pod): string | undefined {
  if (pod.metadata?.deletionTimestamp) return "stopping";
  const conditions = pod.status?.conditions ?? [];
  if (conditions.some((c) => c.type === "Ready" && c.status === "True")) return undefined;
  const scheduled = conditions.find((c) => c.type === "PodScheduled");
  if (scheduled?.status === "False") return `cannot be scheduled${scheduled.message ? ` (${scheduled.message})` : ""}`;
  for (const c of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
    const waiting = c.state?.waiting?.reason;
    if (waiting && waiting !== "ContainerCreating" && waiting !== "PodInitializing") return waiting;
    const terminated = c.state?.terminated;
    if (terminated && terminated.reason !== "Completed") return `${terminated.reason ?? "exited"}${terminated.exitCode !== undefined ? ` (exit code ${terminated.exitCode})` : ""}`;
  }
  if (pod.status?.phase === "Running") return "running, not ready yet";
  if (pod.status?.phase === "Failed") return `failed${pod.status.reason ? `: ${pod.status.reason}` : ""}`;
  return "starting";
}

/** Why the controller could not create pods (quota exceeded, invalid template), from its conditions or events. */
async function creationFailure(clients: Clients, ref: WorkloadRef, w: Workload): Promise<string | undefined> {
  if (ref.kind === "Deployment") {
    const onDeployment = (w as V1Deployment).status?.conditions?.find((c) => c.type === "ReplicaFailure" && c.status === "True");
    if (onDeployment?.message) return onDeployment.message;
    const sets = await clients.apps.listNamespacedReplicaSet({ namespace: ref.namespace, labelSelector: labelSelectorString(w.spec?.selector) });
    const owned = sets.items.filter((rs) => rs.metadata?.ownerReferences?.some((o) => o.kind === "Deployment" && o.name === ref.name));
    for (const rs of owned) {
      const failure = rs.status?.conditions?.find((c) => c.type === "ReplicaFailure" && c.status === "True");
      if (failure?.message) return failure.message;
    }
    return undefined;
  }
  const events = await clients.core.listNamespacedEvent({ namespace: ref.namespace, fieldSelector: `involvedObject.kind=StatefulSet,involvedObject.name=${ref.name}` });
  const failures = events.items
    .filter((e) => e.type === "Warning" && e.reason === "FailedCreate")
    .sort((a, b) => (b.lastTimestamp?.getTime() ?? 0) - (a.lastTimestamp?.getTime() ?? 0));
  return failures[0]?.message;
}

async function explain(clients: Clients, ref: WorkloadRef, w: Workload, summary: Summary): Promise<WorkloadReadiness> {
  const { waitingFor, ...result } = summary;
  const parts = [result.reason];
  if (waitingFor) parts.push(waitingFor);
  const pods = (await clients.core.listNamespacedPod({ namespace: ref.namespace, labelSelector: labelSelectorString(w.spec?.selector) })).items;
  const active = pods.filter((p) => !p.metadata?.deletionTimestamp);
  const problems = pods
    .map((p) => ({ name: p.metadata?.name ?? "?", problem: podProblem(p) }))
    .filter((p): p is { name: string; problem: string } => p.problem !== undefined && p.problem !== "stopping")
    .sort((a, b) => a.name.localeCompare(b.name));
  for (const p of problems.slice(0, 3)) parts.push(`pod ${p.name}: ${p.problem}`);
  if (problems.length > 3) parts.push(`and ${problems.length - 3} more pods`);
  if (active.length < summary.desiredReplicas) {
    const failure = await creationFailure(clients, ref, w);
    if (failure) parts.push(`new pods are refused: ${describeQuotaRefusal(failure) ?? failure}`);
  }
  return { ...result, reason: parts.join("; ") };
}

/**
 * Reads the Deployment or StatefulSet and, when it is not ready, its pods, to say why in plain words
 * (image pull failures, crash loops, unschedulable pods, an exceeded quota). A missing workload is not ready.
 */
export async function checkWorkloadReady(clients: Clients, ref: WorkloadRef): Promise<WorkloadReadiness> {
  const w = await readWorkload(clients, ref);
  if (!w) return { ready: false, readyReplicas: 0, desiredReplicas: 0, reason: `${ref.kind} ${ref.name} does not exist` };
  const summary = summarize(ref, w);
  if (summary.ready) return { ready: true, readyReplicas: summary.readyReplicas, desiredReplicas: summary.desiredReplicas, reason: summary.reason };
  return explain(clients, ref, w, summary);
}

/**
 * Waits until the workload is ready: re-checks on every watch event of the workload, polls every `pollMs`
 * (2 s) in case the watch drops, and resolves as soon as it is ready. At `timeoutMs` it resolves with
 * `ready: false` and the reason; when `signal` aborts it rejects.
 */
export async function waitForWorkloadReady(clients: Clients, ref: WorkloadRef, options: { timeoutMs: number; signal?: AbortSignal; pollMs?: number }): Promise<WorkloadReadiness> {
  const plural = ref.kind === "Deployment" ? "deployments" : "statefulsets";
  const target = { path: `/apis/apps/v1/namespaces/${encodeURIComponent(ref.namespace)}/${plural}`, fieldSelector: `metadata.name=${ref.name}` };
  // While waiting only the workload is read; the pods are read once, for the reason, if it never gets ready.
  let lastWorkload: Workload | undefined;
  const result = await waitWithWatch(
    clients.kc,
    target,
    async () => {
      lastWorkload = await readWorkload(clients, ref);
      if (!lastWorkload) return { done: false, value: undefined };
      const summary = summarize(ref, lastWorkload);
      return { done: summary.ready, value: summary };
    },
    options,
  );
  if (result.done && result.value) {
    const { waitingFor: _, ...ready } = result.value;
    return ready;
  }
  return checkWorkloadReady(clients, ref);
}
