// Moving an instance's pods onto a version: apply its manifests, then follow the new pods and stop at the first
// sign the version does not start (a crash loop, an image that cannot be pulled) instead of waiting out a timeout.
// StatefulSets are driven replica by replica through the rolling-update partition, each replaced pod held to a
// health gate before the next one goes, so a 3-replica database never has more than one pod down.
import type { KubernetesObject, V1Pod, V1StatefulSet } from "@kubernetes/client-node";
import type { serviceVersions } from "@/db/schema";
import type { KubeClients } from "@/server/k8s/kube-client";
import { isKubeNotFound, kubeStatusOf } from "@/server/k8s/kube-status";
import { objectApiFor } from "@/server/k8s/server-side-apply";
import { applyManifests } from "@/server/instances/k8s/apply-workload";
import { renderInstanceObjects } from "@/server/instances/k8s/render-workload";
import { waitForWorkloadReady, type WorkloadRef } from "@/server/instances/k8s/readiness";
import type { InstanceSpec } from "@/server/instances/instance-spec";
import { StepFailure } from "@/server/workflows/types";

type Version = Pick<typeof serviceVersions.$inferSelect, "manifestTemplate" | "image">;

/** Waiting reasons that mean the new version will not start by itself. */
const FATAL_REASONS = new Set(["CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "InvalidImageName", "CreateContainerConfigError", "CreateContainerError"]);
/** A new pod restarting this often is crash-looping even if it has not been marked CrashLoopBackOff yet. */
const MAX_RESTARTS = 2;

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => (clearTimeout(t), reject(new Error("aborted"))), { once: true });
  });

/**
 * Applies `version`'s manifests at `replicas`. `holdPartition`: StatefulSets keep pods with an ordinal below it on
 * their current revision (the rolling update's partition), so pods are replaced only when the caller lowers it.
 */
export async function applyVersion(clients: KubeClients, spec: InstanceSpec, version: Version, opts: { replicas: number; holdPartition?: number }): Promise<void> {
  const objects = await renderInstanceObjects(clients, spec, { version, replicas: opts.replicas });
  if (opts.holdPartition !== undefined) for (const o of objects) holdStatefulSet(o, opts.holdPartition);
  await applyManifests(clients, objects, { reportChanges: false });
}

function holdStatefulSet(obj: KubernetesObject, partition: number): void {
  if (obj.kind !== "StatefulSet") return;
  const sts = obj as V1StatefulSet;
  sts.spec!.updateStrategy = { type: "RollingUpdate", rollingUpdate: { partition } };
}

/** Why a pod running `image` cannot become ready, or undefined while it may still. */
export function fatalProblem(pod: V1Pod, image: string): string | undefined {
  const containers = pod.status?.containerStatuses ?? [];
  if (!(pod.spec?.containers ?? []).some((c) => c.image === image)) return undefined;
  for (const c of [...(pod.status?.initContainerStatuses ?? []), ...containers]) {
    const reason = c.state?.waiting?.reason;
    if (reason && FATAL_REASONS.has(reason)) return `pod ${pod.metadata?.name}: ${reason}${c.state?.waiting?.message ? ` (${c.state.waiting.message})` : ""}`;
    if ((c.restartCount ?? 0) >= MAX_RESTARTS) return `pod ${pod.metadata?.name}: restarted ${c.restartCount} times`;
  }
  return undefined;
}

async function podsOf(clients: KubeClients, namespace: string): Promise<V1Pod[]> {
  return (await clients.core.listNamespacedPod({ namespace })).items.filter((p) => !p.metadata?.deletionTimestamp);
}

async function failIfFatal(clients: KubeClients, namespace: string, image: string): Promise<void> {
  for (const pod of await podsOf(clients, namespace)) {
    const problem = fatalProblem(pod, image);
    if (problem) throw new StepFailure(`the new version does not start: ${problem}`, { retryable: false });
  }
}

/** Waits until a Deployment runs `image` on every replica; fails at once when the new pods cannot start. */
export async function rollDeployment(clients: KubeClients, ref: WorkloadRef, image: string, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<{ readyReplicas: number }> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    // Most upgrades are ready at the first look; between looks, the new pods are checked for a crash loop.
    const status = await waitForWorkloadReady(clients, ref, { timeoutMs: Math.min(3_000, Math.max(1, deadline - Date.now())), signal: opts.signal, pollMs: 1_000 });
    if (status.ready) {
      await waitForOnlyImage(clients, ref.namespace, image, { timeoutMs: Math.max(5_000, deadline - Date.now()), signal: opts.signal });
      return { readyReplicas: status.readyReplicas };
    }
    await failIfFatal(clients, ref.namespace, image);
    if (Date.now() >= deadline) throw new StepFailure(`the new version did not become ready in ${Math.round(opts.timeoutMs / 1000)} s: ${status.reason}`, { retryable: false });
  }
}

/**
 * Waits until every pod left runs `image`: a workload reports ready while pods of the replaced ReplicaSet may still
 * be on their way out, and "upgraded" (or "undone") means none of the other version answers any more.
 */
export async function waitForOnlyImage(clients: KubeClients, namespace: string, image: string, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const pods = (await clients.core.listNamespacedPod({ namespace })).items;
    const other = pods.find((p) => (p.spec?.containers ?? []).some((c) => c.image !== image));
    if (!other) return;
    if (Date.now() >= deadline) throw new StepFailure(`pod ${other.metadata?.name} of the other version is still there after ${Math.round(opts.timeoutMs / 1000)} s`, { retryable: true });
    await sleep(100, opts.signal);
  }
}

function isReadyOn(pod: V1Pod | undefined, image: string): boolean {
  if (!pod || pod.metadata?.deletionTimestamp) return false;
  if (!(pod.spec?.containers ?? []).every((c) => c.image === image)) return false;
  return (pod.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}

async function readStatefulSet(clients: KubeClients, ref: WorkloadRef): Promise<V1StatefulSet | undefined> {
  try {
    return await clients.apps.readNamespacedStatefulSet({ name: ref.name, namespace: ref.namespace });
  } catch (err) {
    if (isKubeNotFound(err)) return undefined;
    throw err;
  }
}

/**
 * Replaces a StatefulSet's pods one at a time, highest ordinal first: lowers the partition by one, waits until that
 * pod runs `image` and is Ready, holds it there for `gateMs` (it must not restart), then goes on. Resumable: after a
 * crash it continues from the partition the StatefulSet has. `apply(partition)` re-applies the manifests with it.
 */
export async function rollStatefulSet(
  clients: KubeClients,
  ref: WorkloadRef,
  image: string,
  opts: { replicas: number; gateMs: number; podTimeoutMs: number; signal?: AbortSignal; apply: (partition: number) => Promise<void>; onPod?: (ordinal: number) => Promise<void> },
): Promise<{ replaced: number }> {
  const sts = await readStatefulSet(clients, ref);
  let partition = Math.min(opts.replicas, sts?.spec?.updateStrategy?.rollingUpdate?.partition ?? opts.replicas);
  let replaced = 0;
  while (partition > 0) {
    const ordinal = partition - 1;
    await opts.apply(ordinal);
    const name = `${ref.name}-${ordinal}`;
    const deadline = Date.now() + opts.podTimeoutMs;
    let readySince: number | undefined;
    for (;;) {
      const pods = await podsOf(clients, ref.namespace);
      const pod = pods.find((p) => p.metadata?.name === name);
      const problem = pod && fatalProblem(pod, image);
      if (problem) throw new StepFailure(`the new version does not start: ${problem}`, { retryable: false });
      if (isReadyOn(pod, image)) {
        readySince ??= Date.now();
        if (Date.now() - readySince >= opts.gateMs) break;
      } else if (readySince !== undefined) {
        throw new StepFailure(`pod ${name} stopped being ready within ${Math.round(opts.gateMs / 1000)} s of its upgrade`, { retryable: false });
      }
      if (Date.now() >= deadline) throw new StepFailure(`pod ${name} did not become ready on the new version in ${Math.round(opts.podTimeoutMs / 1000)} s`, { retryable: false });
      await sleep(200, opts.signal);
    }
    await opts.onPod?.(ordinal);
    partition = ordinal;
    replaced++;
  }
  return { replaced };
}

/**
 * Takes a VolumeSnapshot (snapshot.storage.k8s.io/v1) of every PersistentVolumeClaim of the instance and waits
 * until each is ready to use. Names derive from `key` (the run), so a retried step finds its own snapshots.
 */
export async function snapshotVolumes(clients: KubeClients, namespace: string, key: string, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<string[]> {
  const api = objectApiFor(clients.kc);
  const claims = (await clients.core.listNamespacedPersistentVolumeClaim({ namespace })).items;
  const names: string[] = [];
  for (const claim of claims) {
    const name = `${claim.metadata!.name}-pre-${key}`.slice(0, 63).replace(/-+$/, "");
    const body = { apiVersion: "snapshot.storage.k8s.io/v1", kind: "VolumeSnapshot", metadata: { name, namespace, labels: { "fleetplane.io/purpose": "pre-upgrade" } }, spec: { source: { persistentVolumeClaimName: claim.metadata!.name } } };
    try {
      await api.create(body);
    } catch (err) {
      // Already taken by an earlier attempt of this step.
      if (kubeStatusOf(err)?.code !== 409) throw err;
    }
    names.push(name);
  }
  const deadline = Date.now() + opts.timeoutMs;
  for (const name of names) {
    for (;;) {
      const snap = (await api.read({ apiVersion: "snapshot.storage.k8s.io/v1", kind: "VolumeSnapshot", metadata: { name, namespace } })) as KubernetesObject & { status?: { readyToUse?: boolean; error?: { message?: string } } };
      if (snap.status?.readyToUse) break;
      if (snap.status?.error?.message) throw new StepFailure(`volume snapshot ${name} failed: ${snap.status.error.message}`, { retryable: false });
      if (Date.now() >= deadline) throw new StepFailure(`volume snapshot ${name} was not ready in ${Math.round(opts.timeoutMs / 1000)} s`, { retryable: true });
      await sleep(200, opts.signal);
    }
  }
  return names;
}
