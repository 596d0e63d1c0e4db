// Judges one instance's health from what its cluster reports: its pods (phase, readiness, container states,
// scheduling) and the nodes they are on. Pure: the monitor feeds it from watches, tests from fixtures.
import type { V1Pod } from "@kubernetes/client-node";
import type { HealthCause, HealthStatus } from "@/db/schema";

export type HealthInput = {
  pods: V1Pod[];
  /** Ready state of the cluster's nodes by name (false: NotReady or unknown). */
  nodeReady: Map<string, boolean>;
  desiredReplicas: number;
  clusterReachable: boolean;
  now: number;
  /** How long a pod may take to become Ready before it counts as a problem. */
  notReadyGraceMs: number;
};

export type HealthVerdict = { status: HealthStatus; cause: HealthCause | null; detail: string | null; readyReplicas: number; restarts: number };

const isReady = (p: V1Pod) => p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
const alive = (p: V1Pod) => !p.metadata?.deletionTimestamp && p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed";

function waitingReason(p: V1Pod): { reason: string; container: string } | null {
  for (const s of p.status?.containerStatuses ?? []) {
    const reason = s.state?.waiting?.reason;
    if (reason) return { reason, container: s.name };
  }
  return null;
}

/** The verdict for one instance; `cause` names the first problem found, most specific first. */
export function judgeInstanceHealth(input: HealthInput): HealthVerdict {
  const pods = input.pods.filter(alive);
  const restarts = pods.reduce((n, p) => n + (p.status?.containerStatuses ?? []).reduce((m, s) => m + (s.restartCount ?? 0), 0), 0);
  if (!input.clusterReachable) return { status: "unhealthy", cause: "cluster_unreachable", detail: "the cluster's API server does not answer", readyReplicas: 0, restarts };
  const onLiveNodes = pods.filter((p) => !p.spec?.nodeName || input.nodeReady.get(p.spec.nodeName) !== false);
  const ready = onLiveNodes.filter(isReady).length;
  const short = ready < input.desiredReplicas;
  const status: HealthStatus = !short ? "healthy" : ready === 0 ? "unhealthy" : "degraded";
  const verdict = (cause: HealthCause, detail: string): HealthVerdict => ({ status: short ? status : "degraded", cause, detail, readyReplicas: ready, restarts });

  const lost = pods.filter((p) => p.spec?.nodeName && input.nodeReady.get(p.spec.nodeName) === false);
  if (lost.length) return verdict("node_lost", `${lost.length} pod(s) on a node that is not Ready (${[...new Set(lost.map((p) => p.spec!.nodeName))].join(", ")})`);
  for (const p of pods) {
    const w = waitingReason(p);
    if (w?.reason === "CrashLoopBackOff") {
      const count = p.status?.containerStatuses?.find((s) => s.name === w.container)?.restartCount ?? 0;
      return verdict("crash_loop", `container ${w.container} keeps crashing (${count} restarts)`);
    }
    if (w && (w.reason === "ErrImagePull" || w.reason === "ImagePullBackOff" || w.reason === "InvalidImageName")) {
      return verdict("image_pull", `container ${w.container} cannot pull its image (${w.reason})`);
    }
  }
  if (!short) return { status: "healthy", cause: null, detail: null, readyReplicas: ready, restarts };
  const unschedulable = pods.filter((p) => p.status?.conditions?.some((c) => c.type === "PodScheduled" && c.status === "False" && c.reason === "Unschedulable"));
  if (unschedulable.length) {
    const message = unschedulable[0]!.status?.conditions?.find((c) => c.type === "PodScheduled")?.message;
    return verdict("unschedulable", `${unschedulable.length} pod(s) cannot be scheduled${message ? `: ${message}` : ""}`);
  }
  // Pods still starting within their grace period are not a problem yet.
  const overdue = pods.some((p) => !isReady(p) && input.now - new Date(p.metadata?.creationTimestamp ?? input.now).getTime() > input.notReadyGraceMs);
  const missing = pods.length < input.desiredReplicas;
  if (!overdue && !missing) return { status: "healthy", cause: null, detail: "starting", readyReplicas: ready, restarts };
  return verdict("not_ready", `${ready} of ${input.desiredReplicas} replicas ready`);
}
