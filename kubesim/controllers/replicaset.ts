// ReplicaSet controller: keeps `replicas` pods from the template (controller ownerReferences), removes
// the least useful pods first when scaling down, and reports replica counts in status.
import type { SimContext } from "../context";
import { R } from "../resources";
import type { KObject, Loose } from "../types";
import { clone, deepEqual, nowIso } from "../util/json";
import { controllerRef, isPodReady, isPodTerminal } from "../util/pods";
import type { GarbageCollector } from "./garbage-collector";
import { nsName, splitKey, WorkQueue } from "./work-queue";

const BURST = 500;

export function isActivePod(p: KObject): boolean {
  return !p.metadata.deletionTimestamp && !isPodTerminal(p);
}

/** Pod is available when Ready for at least minReadySeconds. */
export function isPodAvailable(p: KObject, minReadySeconds: number): boolean {
  if (!isPodReady(p)) return false;
  if (!minReadySeconds) return true;
  const ready = (p.status?.conditions ?? []).find((c: Loose) => c.type === "Ready");
  return Date.now() - Date.parse(ready?.lastTransitionTime ?? nowIso()) >= minReadySeconds * 1000;
}

function deletionRank(p: KObject): number[] {
  // Unscheduled < pending < not ready < ready; then newer pods first.
  const scheduled = p.spec?.nodeName ? 1 : 0;
  const running = p.status?.phase === "Running" ? 1 : 0;
  const ready = isPodReady(p) ? 1 : 0;
  const restarts = (p.status?.containerStatuses ?? []).reduce((s: number, c: Loose) => s + (c.restartCount ?? 0), 0);
  return [scheduled, running, ready, -restarts, -Date.parse(p.metadata.creationTimestamp ?? "")];
}

function compareRank(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i]! !== b[i]!) return a[i]! - b[i]!;
  return 0;
}

export class ReplicaSetController {
  private readonly queue: WorkQueue;

  constructor(
    private readonly ctx: SimContext,
    private readonly gc: GarbageCollector,
  ) {
    this.queue = new WorkQueue("replicaset", (k) => this.reconcile(k));
    ctx.store.onChange((ev) => {
      if (ev.res === R.replicasets) {
        if (ev.type !== "DELETED") this.queue.add(nsName(ev.obj.metadata.namespace, ev.obj.metadata.name!));
      } else if (ev.res === R.pods) {
        const ref = controllerRef(ev.obj) ?? (ev.prev && controllerRef(ev.prev));
        if (ref?.kind === "ReplicaSet") this.queue.add(nsName(ev.obj.metadata.namespace, ref.name));
      }
    });
  }

  resync(): void {
    for (const rs of this.ctx.store.list(R.replicasets)) this.queue.add(nsName(rs.metadata.namespace, rs.metadata.name!));
  }

  private reconcile(key: string): void {
    const [ns, name] = splitKey(key);
    const { store, objects, events } = this.ctx;
    const rs = store.get(R.replicasets, ns, name);
    if (!rs || rs.metadata.deletionTimestamp) return;
    const pods = this.gc.controlledBy(rs.metadata.uid!, R.pods);
    const active = pods.filter(isActivePod);
    const want: number = rs.spec?.replicas ?? 1;
    let failure: string | undefined;
    if (active.length < want) {
      const n = Math.min(want - active.length, BURST);
      for (let i = 0; i < n; i++) {
        const tpl = rs.spec?.template ?? {};
        const pod: KObject = {
          metadata: {
            generateName: `${name}-`,
            namespace: ns,
            labels: clone(tpl.metadata?.labels ?? {}),
            ...(tpl.metadata?.annotations ? { annotations: clone(tpl.metadata.annotations) } : {}),
            ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name, uid: rs.metadata.uid!, controller: true, blockOwnerDeletion: true }],
          },
          spec: clone(tpl.spec ?? {}),
        };
        try {
          const created = objects.create(R.pods, ns, pod, { internal: true });
          active.push(created);
          events.record(rs, "Normal", "SuccessfulCreate", `Created pod: ${created.metadata.name}`, "replicaset-controller");
        } catch (e) {
          failure = (e as Error).message;
          events.record(rs, "Warning", "FailedCreate", `Error creating: ${failure}`, "replicaset-controller");
          this.queue.addAfter(key, 1000);
          break;
        }
      }
    } else if (active.length > want) {
      const victims = active.slice().sort((a, b) => compareRank(deletionRank(a), deletionRank(b))).slice(0, active.length - want);
      for (const v of victims) {
        try {
          objects.delete(R.pods, ns, v.metadata.name!, {});
          events.record(rs, "Normal", "SuccessfulDelete", `Deleted pod: ${v.metadata.name}`, "replicaset-controller");
        } catch {
          // already gone
        }
      }
      for (const v of victims) active.splice(active.indexOf(v), 1);
    }
    const current = this.gc.controlledBy(rs.metadata.uid!, R.pods).filter(isActivePod);
    const minReady: number = rs.spec?.minReadySeconds ?? 0;
    const tplLabels: Record<string, string> = rs.spec?.template?.metadata?.labels ?? {};
    const status: Loose = {
      replicas: current.length,
      fullyLabeledReplicas: current.filter((p) => Object.entries(tplLabels).every(([k, v]) => p.metadata.labels?.[k] === v)).length,
      readyReplicas: current.filter(isPodReady).length,
      availableReplicas: current.filter((p) => isPodAvailable(p, minReady)).length,
      observedGeneration: rs.metadata.generation,
    };
    if (failure) status.conditions = [{ type: "ReplicaFailure", status: "True", lastTransitionTime: nowIso(), reason: "FailedCreate", message: failure }];
    else if (rs.status?.conditions?.length && current.length >= want) delete status.conditions;
    else if (rs.status?.conditions) status.conditions = rs.status.conditions;
    if (minReady && status.readyReplicas > status.availableReplicas) this.queue.addAfter(key, minReady * 1000);
    const latest = store.get(R.replicasets, ns, name);
    if (latest && !deepEqual(latest.status, status)) objects.update(R.replicasets, ns, name, { ...latest, status }, { internal: true, subresource: "status" });
  }

  stop(): void {
    this.queue.stop();
  }
}
