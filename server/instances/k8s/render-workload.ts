// An instance's Kubernetes objects: its version's manifest template rendered with its name, plan and credentials.
import type { KubernetesObject } from "@kubernetes/client-node";
import type { serviceVersions } from "@/db/schema";
import { renderTemplate } from "@/server/catalog/template";
import type { KubeClients } from "@/server/k8s/kube-client";
import { millisToCpu, mbToMemory } from "@/server/k8s/quantity";
import type { InstanceSpec } from "../instance-spec";
import { ensureCredentialsSecret } from "./instance-credentials";

type Version = Pick<typeof serviceVersions.$inferSelect, "manifestTemplate" | "image">;

/**
 * Renders `version` (default: the instance's own) for the instance at `replicas` (default: its desired count). A
 * template that names no credentials (mentions none at all) needs no read of the Secret.
 */
export async function renderInstanceObjects(clients: KubeClients, spec: InstanceSpec, opts: { version?: Version; replicas?: number } = {}): Promise<KubernetesObject[]> {
  const { plan, instance } = spec;
  const version = opts.version ?? spec.version;
  const credentials = version.manifestTemplate.includes("credentials.")
    ? { credentials: { ...(await ensureCredentialsSecret(clients, { namespace: instance.namespace, secretName: spec.credentialsSecret })), secretName: spec.credentialsSecret } }
    : {};
  return renderTemplate(version.manifestTemplate, {
    name: instance.name,
    namespace: instance.namespace,
    instanceId: instance.id,
    image: version.image,
    replicas: opts.replicas ?? instance.desiredReplicas,
    cpu: millisToCpu(plan.cpuMillis),
    memory: mbToMemory(plan.memoryMb),
    storage: `${Math.max(plan.storageGb, 1)}Gi`,
    ...credentials,
  });
}
