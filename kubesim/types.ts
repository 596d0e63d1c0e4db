// Shared types of kubesim: Kubernetes objects as open JSON, plus the options that shape a simulation.

/**
 * Kubernetes objects are open-ended JSON documents whose shape depends on the kind; kubesim checks
 * them at runtime, so they are typed loosely on purpose (one alias, so the escape hatch is visible).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Loose = any;

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: Loose[];
  selfLink?: string;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface KObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: Loose;
  status?: Loose;
  [key: string]: Loose;
}

export interface Taint {
  key: string;
  value?: string;
  effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
  timeAdded?: string;
}

export interface NodeSpec {
  name: string;
  cpu: string | number;
  memory: string;
  pods?: number;
  zone?: string;
  labels?: Record<string, string>;
  taints?: Taint[];
}

export interface NodeShape {
  cpu: string | number;
  memory: string;
  pods?: number;
}

export interface ClusterSpec {
  name: string;
  region: string;
  /** 0 or absent: a random free port. */
  port?: number;
  nodes?: NodeSpec[];
  nodeCount?: number;
  nodeShape?: NodeShape;
  /** Zones that generated nodes are spread over; defaults to `<region>a`, `<region>b`, `<region>c`. */
  zones?: string[];
}

/** Every simulated delay, in milliseconds, so tests can run the machinery fast. */
export interface Timers {
  /** Kubelet renews its node Lease this often. */
  heartbeatMs: number;
  /** A node whose Lease is older than this turns NotReady. */
  nodeGraceMs: number;
  /** Pods on a NotReady node are evicted after this (the default 300 s toleration). */
  evictionTimeoutMs: number;
  /** How long a graceful pod deletion takes once the kubelet sees it. */
  podTerminationMs: number;
  /** First crash-loop / image-pull back-off; doubles up to the maximum. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Period of BOOKMARK events on watches that allow them. */
  bookmarkMs: number;
  /** Periodic scheduler retry of unschedulable pods (besides retries on capacity changes). */
  schedulerRetryMs: number;
  /** How long the simulated CSI driver takes to cut a VolumeSnapshot (or to report its failure). */
  snapshotReadyMs: number;
}

export interface KubesimOptions {
  clusters: ClusterSpec[];
  /** Where kubeconfigs are written; defaults to a fresh temporary folder. */
  kubeconfigDir?: string;
  /** JSON file the state is saved to (on stop and periodically) and loaded from on start. */
  stateFile?: string;
  saveIntervalMs?: number;
  /** Delay between a pod being bound and running. */
  podStartDelayMs?: number;
  timers?: Partial<Timers>;
  /** Admin API port; 0 or absent = random. */
  adminPort?: number;
  /** Watch history kept per cluster (events); older resourceVersions get 410 Expired. */
  watchHistorySize?: number;
  /** Events kept per cluster before the oldest are deleted. */
  maxEvents?: number;
  /** Deep-freeze stored objects to catch accidental mutation (tests). */
  freezeObjects?: boolean;
  /** Print a line per request to stderr. */
  logRequests?: boolean;
}

export const DEFAULT_TIMERS: Timers = {
  heartbeatMs: 10_000,
  nodeGraceMs: 40_000,
  evictionTimeoutMs: 300_000,
  podTerminationMs: 500,
  backoffBaseMs: 10_000,
  backoffMaxMs: 300_000,
  bookmarkMs: 60_000,
  schedulerRetryMs: 10_000,
  snapshotReadyMs: 50,
};
