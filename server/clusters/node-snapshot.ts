// What Fleetplane keeps of a Kubernetes node and of the pods bound to it: capacity, health, and requests.
import type { V1Node, V1Pod } from "@kubernetes/client-node";
import type { NodeCondition, NodeTaint } from "@/db/schema";
import { cpuToMillis, memoryToMb } from "@/server/k8s/quantity";

/** Namespaces Fleetplane creates carry this label; their pods are accounted by reservations, not as foreign load. */
export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
export const MANAGED_BY_VALUE = "fleetplane";

/** Label of an instance's namespace naming the instance: how pods are traced back to their reservations. */
export const INSTANCE_LABEL = "fleetplane.dev/instance";

export type NodeSnapshot = {
  name: string;
  zone: string;
  allocatableCpuMillis: number;
  allocatableMemoryMb: number;
  allocatablePods: number;
  ready: boolean;
  unschedulable: boolean;
  conditions: NodeCondition[];
  taints: NodeTaint[];
  labels: Record<string, string>;
};

export type NodeLoad = { cpuMillis: number; memoryMb: number; pods: number };

/** Whether the node's kubelet reports Ready (NotReady and Unknown both count as not ready). */
export function isNodeReady(node: Pick<V1Node, "status">): boolean {
  return node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

export function snapshotNode(node: V1Node): NodeSnapshot {
  const labels = node.metadata?.labels ?? {};
  const conditions = (node.status?.conditions ?? []).map((c) => ({ type: c.type, status: c.status, reason: c.reason, message: c.message }));
  return {
    name: node.metadata?.name ?? "",
    zone: labels["topology.kubernetes.io/zone"] ?? "",
    allocatableCpuMillis: cpuToMillis(node.status?.allocatable?.cpu),
    allocatableMemoryMb: memoryToMb(node.status?.allocatable?.memory),
    allocatablePods: Number(node.status?.allocatable?.pods ?? 0) || 0,
    ready: isNodeReady(node),
    unschedulable: node.spec?.unschedulable === true,
    conditions,
    taints: (node.spec?.taints ?? []).map((t) => ({ key: t.key, value: t.value, effect: t.effect as NodeTaint["effect"] })),
    labels,
  };
}

/** Requests of one pod as the scheduler counts them: the sum over containers, or the largest init container if bigger. */
export function podRequests(pod: V1Pod): NodeLoad {
  let cpu = 0;
  let mem = 0;
  for (const c of pod.spec?.containers ?? []) {
    cpu += cpuToMillis(c.resources?.requests?.cpu);
    mem += memoryToMb(c.resources?.requests?.memory);
  }
  for (const c of pod.spec?.initContainers ?? []) {
    cpu = Math.max(cpu, cpuToMillis(c.resources?.requests?.cpu));
    mem = Math.max(mem, memoryToMb(c.resources?.requests?.memory));
  }
  return { cpuMillis: cpu, memoryMb: mem, pods: 1 };
}

/** Whether a pod still holds capacity on its node (terminated pods do not). */
export function podHoldsCapacity(pod: V1Pod): boolean {
  const phase = pod.status?.phase;
  return !!pod.spec?.nodeName && phase !== "Succeeded" && phase !== "Failed";
}
