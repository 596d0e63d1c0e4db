// Pod arithmetic shared by the scheduler, quota and kubelet: requests, QoS class, readiness.
import type { KObject, Loose } from "../types";
import { cpuMillis, parseQuantity } from "./quantity";

export interface PodResources {
  cpu: number; // millicores
  memory: number; // bytes
}

function containerAmounts(c: Loose, kind: "requests" | "limits"): PodResources {
  const r = c?.resources ?? {};
  // A container without requests but with limits requests its limits (API server defaulting).
  const src = kind === "requests" ? { ...(r.limits ?? {}), ...(r.requests ?? {}) } : (r.limits ?? {});
  return { cpu: cpuMillis(src.cpu), memory: parseQuantity(src.memory) };
}

/** Effective pod requests or limits: sum of containers, or the largest init container if larger. */
export function podAmounts(pod: KObject, kind: "requests" | "limits" = "requests"): PodResources {
  const sum: PodResources = { cpu: 0, memory: 0 };
  for (const c of pod.spec?.containers ?? []) {
    const a = containerAmounts(c, kind);
    sum.cpu += a.cpu;
    sum.memory += a.memory;
  }
  for (const c of pod.spec?.initContainers ?? []) {
    const a = containerAmounts(c, kind);
    sum.cpu = Math.max(sum.cpu, a.cpu);
    sum.memory = Math.max(sum.memory, a.memory);
  }
  return sum;
}

export function qosClass(spec: Loose): "Guaranteed" | "Burstable" | "BestEffort" {
  const containers: Loose[] = [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])];
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const req = c?.resources?.requests ?? {};
    const lim = c?.resources?.limits ?? {};
    if (Object.keys(req).length || Object.keys(lim).length) any = true;
    for (const res of ["cpu", "memory"]) {
      if (lim[res] === undefined) guaranteed = false;
      else if (req[res] !== undefined && parseQuantity(req[res]) !== parseQuantity(lim[res])) guaranteed = false;
    }
  }
  if (!any) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}

export function isPodTerminal(pod: KObject): boolean {
  const p = pod.status?.phase;
  return p === "Succeeded" || p === "Failed";
}

export function isPodReady(pod: KObject): boolean {
  if (pod.metadata.deletionTimestamp) return false;
  for (const c of pod.status?.conditions ?? []) if (c.type === "Ready") return c.status === "True";
  return false;
}

export function controllerRef(obj: KObject): Loose | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller);
}
