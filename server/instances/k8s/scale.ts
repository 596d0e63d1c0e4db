// Sets the replica count of an instance's workload through its /scale subresource, as `kubectl scale` does.
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { DomainError } from "@/server/errors/domain-error";
import type { KubeClients } from "@/server/k8s/kube-client";
import { isKubeNotFound } from "@/server/k8s/kube-status";
import { FIELD_MANAGER } from "@/server/k8s/server-side-apply";
import type { WorkloadRef } from "./readiness";

/**
 * Sets `spec.replicas` by a merge patch of the /scale subresource (field manager `fleetplane`). Idempotent:
 * the same count again changes nothing. A partial server-side apply is not used on purpose: applying only
 * `spec.replicas` under the manager that applied the whole workload would remove every other field it owns.
 * Returns the replica count before and after. Throws NOT_FOUND when the workload does not exist.
 */
export async function scaleWorkload(clients: Pick<KubeClients, "apps">, ref: WorkloadRef & { replicas: number }): Promise<{ previous: number; replicas: number }> {
  if (!Number.isInteger(ref.replicas) || ref.replicas < 0) throw new DomainError("BAD_REQUEST", "replicas must be a whole number of at least 0");
  const args = { name: ref.name, namespace: ref.namespace, fieldManager: FIELD_MANAGER, body: { spec: { replicas: ref.replicas } } };
  const options = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
  try {
    const read = { name: ref.name, namespace: ref.namespace };
    const before = ref.kind === "Deployment" ? await clients.apps.readNamespacedDeploymentScale(read) : await clients.apps.readNamespacedStatefulSetScale(read);
    const previous = before.spec?.replicas ?? 0;
    if (previous === ref.replicas) return { previous, replicas: previous };
    const after = ref.kind === "Deployment" ? await clients.apps.patchNamespacedDeploymentScale(args, options) : await clients.apps.patchNamespacedStatefulSetScale(args, options);
    return { previous, replicas: after.spec?.replicas ?? ref.replicas };
  } catch (err) {
    if (isKubeNotFound(err)) throw new DomainError("NOT_FOUND", `${ref.kind} ${ref.name} does not exist in namespace ${ref.namespace}`, { cause: err });
    throw err;
  }
}
