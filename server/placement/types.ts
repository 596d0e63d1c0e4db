// Types of the placement engine: candidate clusters and nodes with their free capacity, requests, decisions and reports.

/** An amount of the schedulable dimensions; memory in MiB, cpu in millicores, pods as a count of slots. */
export type Resources = { cpuMillis: number; memoryMb: number; pods: number };

export type TaintEffect = "NoSchedule" | "PreferNoSchedule" | "NoExecute";

export type Taint = { key: string; value?: string; effect: TaintEffect };

/** Kubernetes toleration semantics: an empty key with `Exists` tolerates every taint; no effect matches every effect. */
export type Toleration = { key?: string; operator?: "Equal" | "Exists"; value?: string; effect?: TaintEffect };

export type CandidateNode = {
  name: string;
  /** Topology zone; "" when the node has none (such a node is never used for zone anti-affinity). */
  zone: string;
  allocatable: Resources;
  /** Requests of pods already bound to the node plus reservations not yet bound. */
  used: Resources;
  ready: boolean;
  labels: Record<string, string>;
  taints: Taint[];
};

export type ClusterStatus = "healthy" | "degraded" | "unreachable";

export type CandidateCluster = {
  id: string;
  name: string;
  region: string;
  status: ClusterStatus;
  cordoned: boolean;
  nodes: CandidateNode[];
};

/** `node`: each replica on a distinct node; `zone`: each replica in a distinct zone (HA plans). */
export type AntiAffinity = "none" | "node" | "zone";

/** `best_fit` packs (least stranded capacity); `spread` prefers the emptiest cluster and nodes. */
export type PlacementStrategy = "best_fit" | "spread";

export type PlacementRequest = {
  /** Per replica. */
  cpuMillis: number;
  /** Per replica, MiB. */
  memoryMb: number;
  /** Per instance; volumes come from the cluster's storage class, so storage is not judged per node. */
  storageGb: number;
  replicas: number;
  /** Allowed region or regions; undefined or an empty list allows every region. */
  region?: string | readonly string[];
  antiAffinity: AntiAffinity;
  strategy: PlacementStrategy;
  /** Taints (NoSchedule/NoExecute) the replicas tolerate; none by default. */
  tolerations?: readonly Toleration[];
};

export type CandidateVerdict = "chosen" | "eligible" | "rejected";

/** What the engine thought of one cluster: its score when it fits, or why it was rejected, in plain words. */
export type CandidateReport = {
  clusterId: string;
  name: string;
  verdict: CandidateVerdict;
  /** Higher is better, rounded to 4 decimals; present when every replica fits. */
  score?: number;
  reason?: string;
};

export type PlacementSuccess = {
  ok: true;
  clusterId: string;
  /** The node of each replica, in replica order. */
  nodes: string[];
  score: number;
  /** One report per input cluster, in input order; empty when called with `{ explain: false }`. */
  candidates: CandidateReport[];
};

export type PlacementFailure = {
  ok: false;
  /** One report per input cluster, in input order (always filled on failure). */
  candidates: CandidateReport[];
  /**
   * What the closest candidate lacks: for each replica that does not fit, what the closest remaining node
   * (a distinct one per replica) lacks for it, or the whole replica when no node is left. The full request
   * when no cluster passes the filters.
   */
  shortfall: Resources;
  reason: string;
};

export type PlacementDecision = PlacementSuccess | PlacementFailure;

export type PlacementOptions = {
  /**
   * false: skip the per-candidate reports when placement succeeds (the hot path of sequential placement and
   * benchmarks). Failures are always explained in full. Default true.
   */
  explain?: boolean;
};
