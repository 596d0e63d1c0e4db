// Removes an instance's namespace (and with it everything inside) and waits until the cluster has let it go.
import type { KubeClients } from "@/server/k8s/kube-client";
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from "@/server/clusters/node-snapshot";
import { DomainError } from "@/server/errors/domain-error";
import { isKubeAlreadyExists, isKubeNotFound, kubeStatusOf } from "@/server/k8s/kube-status";
import { waitWithWatch } from "@/server/k8s/wait-with-watch";

type NamespaceState = "gone" | "terminating" | "active";

async function namespaceState(clients: Pick<KubeClients, "core">, namespace: string): Promise<{ state: NamespaceState; managed: boolean }> {
  try {
    const ns = await clients.core.readNamespace({ name: namespace });
    return { state: ns.metadata?.deletionTimestamp ? "terminating" : "active", managed: ns.metadata?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE };
  } catch (err) {
    if (isKubeNotFound(err)) return { state: "gone", managed: true };
    throw err;
  }
}

/**
 * Asks the cluster to delete the namespace (background propagation). Idempotent: a namespace that is gone or
 * already terminating counts as done. Refuses (PRECONDITION_FAILED) to touch a namespace Fleetplane did not
 * create (no `app.kubernetes.io/managed-by=fleetplane` label), so a wrong name can never remove someone else's.
 */
export async function deleteInstanceNamespace(clients: Pick<KubeClients, "core">, namespace: string): Promise<{ state: "gone" | "terminating" }> {
  const { state, managed } = await namespaceState(clients, namespace);
  if (state !== "active") return { state };
  if (!managed) throw new DomainError("PRECONDITION_FAILED", `namespace ${namespace} is not managed by Fleetplane; it is left alone`);
  try {
    await clients.core.deleteNamespace({ name: namespace, propagationPolicy: "Background" });
  } catch (err) {
    if (isKubeNotFound(err)) return { state: "gone" };
    // A real API server answers 409 to a second delete while the namespace is terminating.
    if (isKubeAlreadyExists(err) || kubeStatusOf(err)?.code === 409) return { state: "terminating" };
    throw err;
  }
  return { state: "terminating" };
}

/** Waits (watch, with polling) until the namespace no longer exists; throws a retryable error after `timeoutMs`. */
export async function waitForNamespaceGone(clients: Pick<KubeClients, "kc" | "core">, namespace: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const result = await waitWithWatch(
    clients.kc,
    { path: "/api/v1/namespaces", fieldSelector: `metadata.name=${namespace}` },
    async () => {
      const { state } = await namespaceState(clients, namespace);
      return { done: state === "gone", value: state };
    },
    { timeoutMs, signal },
  );
  if (!result.done) throw new Error(`namespace ${namespace} is still ${result.value} after ${Math.round(timeoutMs / 1000)} s`);
}
