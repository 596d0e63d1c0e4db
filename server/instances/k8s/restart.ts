// A rolling restart, as `kubectl rollout restart` does it: a pod-template annotation whose change rolls the pods.
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import type { KubeClients } from "@/server/k8s/kube-client";

/** Idempotent per stamp: the same stamp twice asks for one restart, a new stamp for another. */
export async function restartWorkload(clients: KubeClients, spec: { namespace: string; name: string; kind: "Deployment" | "StatefulSet"; stamp: string }): Promise<void> {
  const body = { spec: { template: { metadata: { annotations: { "fleetplane.dev/restarted-by": spec.stamp } } } } };
  const options = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
  if (spec.kind === "Deployment") await clients.apps.patchNamespacedDeployment({ name: spec.name, namespace: spec.namespace, body }, options);
  else await clients.apps.patchNamespacedStatefulSet({ name: spec.name, namespace: spec.namespace, body }, options);
}
