// Builders of hand-made candidate clusters, nodes and requests for the placement engine tests.
import type { CandidateCluster, CandidateNode, PlacementRequest, Taint } from "@/server/placement";

type NodeSpec = {
  /** Allocatable; defaults 4000m, 8192 MiB, 110 pods. */
  cpu?: number;
  mem?: number;
  pods?: number;
  usedCpu?: number;
  usedMem?: number;
  usedPods?: number;
  zone?: string;
  ready?: boolean;
  taints?: Taint[];
};

export function node(name: string, spec: NodeSpec = {}): CandidateNode {
  return {
    name,
    zone: spec.zone ?? "z1",
    allocatable: { cpuMillis: spec.cpu ?? 4000, memoryMb: spec.mem ?? 8192, pods: spec.pods ?? 110 },
    used: { cpuMillis: spec.usedCpu ?? 0, memoryMb: spec.usedMem ?? 0, pods: spec.usedPods ?? 0 },
    ready: spec.ready ?? true,
    labels: {},
    taints: spec.taints ?? [],
  };
}

/** A node with exactly `cpu`/`mem` free out of the default 4000m / 8192 MiB allocatable. */
export function freeNode(name: string, cpu: number, mem: number, spec: NodeSpec = {}): CandidateNode {
  const allocCpu = spec.cpu ?? 4000;
  const allocMem = spec.mem ?? 8192;
  return node(name, { ...spec, cpu: allocCpu, mem: allocMem, usedCpu: allocCpu - cpu, usedMem: allocMem - mem });
}

export function cluster(id: string, nodes: CandidateNode[], extra: Partial<Omit<CandidateCluster, "id" | "nodes">> = {}): CandidateCluster {
  return { id, name: extra.name ?? id, region: extra.region ?? "us-east-1", status: extra.status ?? "healthy", cordoned: extra.cordoned ?? false, nodes };
}

export function request(extra: Partial<PlacementRequest> = {}): PlacementRequest {
  return { cpuMillis: 500, memoryMb: 512, storageGb: 1, replicas: 1, antiAffinity: "none", strategy: "best_fit", ...extra };
}

/** mulberry32: a seeded PRNG so property tests are repeatable. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
