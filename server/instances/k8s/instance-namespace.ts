// An instance's namespace on its cluster: labelled for capacity sync, fenced by a ResourceQuota sized from the
// plan and by a NetworkPolicy that admits only the namespace itself and the gateway.
import type { KubernetesObject } from "@kubernetes/client-node";
import { INSTANCE_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from "@/server/clusters/node-snapshot";
import { DomainError } from "@/server/errors/domain-error";
import type { KubeClients } from "@/server/k8s/kube-client";
import { mbToMemory, millisToCpu } from "@/server/k8s/quantity";
import { isKubeNotFound } from "@/server/k8s/kube-status";
import { applyManifests, type AppliedObject } from "./apply-workload";

/** Label of an instance's namespace naming the organization that owns the instance. */
export const ORG_LABEL = "fleetplane.dev/org";
/** Namespaces with this label set to "true" (where the gateway runs) may reach every instance's pods. */
export const GATEWAY_NAMESPACE_LABEL = "fleetplane.dev/gateway";
export const QUOTA_NAME = "fleetplane-quota";
export const NETWORK_POLICY_NAME = "fleetplane-ingress";

export type InstanceQuota = { cpuMillis: number; memoryMb: number; storageGb: number; pods: number };

export type InstanceNamespaceInput = { namespace: string; instanceId: string; orgId: string; quota: InstanceQuota };

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

function check(input: InstanceNamespaceInput): void {
  if (input.namespace.length > 63 || !DNS_LABEL.test(input.namespace))
    throw new DomainError("BAD_REQUEST", `"${input.namespace}" is not a valid namespace name (lowercase letters, digits and '-', at most 63)`);
  for (const [what, value] of [["instance id", input.instanceId], ["organization id", input.orgId]] as const)
    if (!value || value.length > 63 || !LABEL_VALUE.test(value)) throw new DomainError("BAD_REQUEST", `the ${what} "${value}" cannot be a label value`);
  for (const [key, value] of Object.entries(input.quota))
    if (!Number.isInteger(value) || value < 0) throw new DomainError("BAD_REQUEST", `the quota's ${key} must be a whole number of at least 0`);
}

/** The namespace, quota and network policy of an instance, as applied (exported for tests and previews). */
export function instanceNamespaceObjects(input: InstanceNamespaceInput): KubernetesObject[] {
  const { namespace, instanceId, orgId, quota } = input;
  const labels = { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [INSTANCE_LABEL]: instanceId, [ORG_LABEL]: orgId };
  const cpu = millisToCpu(quota.cpuMillis);
  const memory = mbToMemory(quota.memoryMb);
  return [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace, labels } },
    {
      apiVersion: "v1",
      kind: "ResourceQuota",
      metadata: { name: QUOTA_NAME, namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE } },
      spec: {
        hard: {
          "requests.cpu": cpu,
          "limits.cpu": cpu,
          "requests.memory": memory,
          "limits.memory": memory,
          "requests.storage": `${quota.storageGb}Gi`,
          pods: String(quota.pods),
        },
      },
    } as KubernetesObject,
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: NETWORK_POLICY_NAME, namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE } },
      // Selecting every pod for Ingress denies all ingress except what the one rule allows.
      spec: {
        podSelector: {},
        policyTypes: ["Ingress"],
        ingress: [{ from: [{ podSelector: {} }, { namespaceSelector: { matchLabels: { [GATEWAY_NAMESPACE_LABEL]: "true" } } }] }],
      },
    } as KubernetesObject,
  ];
}

/** The namespace as it stands, or undefined when there is none. */
async function readNamespace(clients: Pick<KubeClients, "core">, name: string) {
  try {
    return await clients.core.readNamespace({ name });
  } catch (err) {
    if (isKubeNotFound(err)) return undefined;
    throw err;
  }
}

/**
 * Makes sure the instance's namespace exists with its labels (managed-by, instance, org), a ResourceQuota
 * (requests and limits of cpu and memory, requests.storage, pods) and a default-deny-ingress NetworkPolicy that
 * admits the namespace's own pods and namespaces labelled `fleetplane.dev/gateway=true`. All by server-side apply
 * (field manager `fleetplane`): running it again changes nothing; a changed quota is updated in place.
 * `reportChanges: false` skips telling what changed (see applyManifests).
 * Refuses (PRECONDITION_FAILED) a namespace of that name that Fleetplane did not create or that belongs to another
 * instance; throws a retryable error while a namespace of that name is still being deleted.
 */
export async function ensureInstanceNamespace(
  clients: Pick<KubeClients, "kc" | "core">,
  input: InstanceNamespaceInput,
  options: { reportChanges?: boolean } = {},
): Promise<AppliedObject[]> {
  check(input);
  const existing = await readNamespace(clients, input.namespace);
  if (existing) {
    const labels = existing.metadata?.labels ?? {};
    if (existing.metadata?.deletionTimestamp) throw new Error(`namespace ${input.namespace} is still being deleted; it can be created again once it is gone`);
    if (labels[MANAGED_BY_LABEL] !== MANAGED_BY_VALUE) throw new DomainError("PRECONDITION_FAILED", `namespace ${input.namespace} exists and is not managed by Fleetplane`);
    const owner = labels[INSTANCE_LABEL];
    if (owner && owner !== input.instanceId) throw new DomainError("PRECONDITION_FAILED", `namespace ${input.namespace} belongs to another instance`);
  }
  return applyManifests(clients, instanceNamespaceObjects(input), options);
}
