// Deployment controller: one ReplicaSet `<name>-<pod-template-hash>` per template, rolling updates within
// maxSurge/maxUnavailable (or Recreate), revision history, and status with Available/Progressing.
import type { SimContext } from "../context";
import { R } from "../resources";
import type { KObject, Loose } from "../types";
import { clone, deepEqual, nowIso } from "../util/json";
import { safeHash } from "../util/names";
import { controllerRef } from "../util/pods";
import type { GarbageCollector } from "./garbage-collector";
import { nsName, splitKey, WorkQueue } from "./work-queue";

const HASH = "pod-template-hash";
const REVISION = "deployment.kubernetes.io/revision";

/** Resolves an int-or-percent against a total (surge rounds up, unavailable rounds down). */
export function resolveIntOrPercent(v: Loose, total: number, roundUp: boolean): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === "number") return v;
  const m = /^(\d+)%$/.exec(String(v));
  if (!m) return Number(v) || 0;
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

function templateWithoutHash(tpl: Loose): Loose {
  const t = clone(tpl ?? {});
  if (t.metadata?.labels) {
    delete t.metadata.labels[HASH];
    if (Object.keys(t.metadata.labels).length === 0) delete t.metadata.labels;
  }
  return t;
}

function revisionOf(rs: KObject): number {
  return Number(rs.metadata.annotations?.[REVISION] ?? 0);
}

export class DeploymentController {
  private readonly queue: WorkQueue;

  constructor(
    private readonly ctx: SimContext,
    private readonly gc: GarbageCollector,
  ) {
    this.queue = new WorkQueue("deployment", (k) => this.reconcile(k));
    ctx.store.onChange((ev) => {
      if (ev.res === R.deployments) {
        if (ev.type !== "DELETED") this.queue.add(nsName(ev.obj.metadata.namespace, ev.obj.metadata.name!));
      } else if (ev.res === R.replicasets) {
        const ref = controllerRef(ev.obj);
        if (ref?.kind === "Deployment") this.queue.add(nsName(ev.obj.metadata.namespace, ref.name));
      }
    });
  }

  resync(): void {
    for (const d of this.ctx.store.list(R.deployments)) this.queue.add(nsName(d.metadata.namespace, d.metadata.name!));
  }

  private scaleRs(rs: KObject, replicas: number, d: KObject): KObject {
    if ((rs.spec?.replicas ?? 0) === replicas) return rs;
    const next = clone(rs);
    const from = next.spec.replicas ?? 0;
    next.spec.replicas = replicas;
    next.metadata.annotations = { ...(next.metadata.annotations ?? {}), "deployment.kubernetes.io/desired-replicas": String(d.spec.replicas ?? 1) };
    const updated = this.ctx.objects.update(R.replicasets, rs.metadata.namespace, rs.metadata.name!, next, { internal: true });
    this.ctx.events.record(d, "Normal", "ScalingReplicaSet", `Scaled ${replicas > from ? "up" : "down"} replica set ${rs.metadata.name} from ${from} to ${replicas}`, "deployment-controller");
    return updated;
  }

  private reconcile(key: string): void {
    const [ns, name] = splitKey(key);
    const { store, objects } = this.ctx;
    const d = store.get(R.deployments, ns, name);
    if (!d || d.metadata.deletionTimestamp) return;
    const spec = d.spec ?? {};
    const replicas: number = spec.replicas ?? 1;
    const owned = this.gc.controlledBy(d.metadata.uid!, R.replicasets).filter((rs) => !rs.metadata.deletionTimestamp);
    const wantTpl = templateWithoutHash(spec.template);
    let newRs = owned.find((rs) => deepEqual(templateWithoutHash(rs.spec?.template), wantTpl));
    let olds = owned.filter((rs) => rs !== newRs);
    const maxRevision = owned.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);

    if (!spec.paused) {
      if (!newRs) {
        const collision: number = d.status?.collisionCount ?? 0;
        const hash = safeHash(JSON.stringify(wantTpl) + (collision ? String(collision) : ""));
        const tpl = clone(spec.template ?? {});
        tpl.metadata = tpl.metadata ?? {};
        tpl.metadata.labels = { ...(tpl.metadata.labels ?? {}), [HASH]: hash };
        const selector = clone(spec.selector ?? {});
        selector.matchLabels = { ...(selector.matchLabels ?? {}), [HASH]: hash };
        const surge = resolveIntOrPercent(spec.strategy?.rollingUpdate?.maxSurge, replicas, true);
        const oldActive = olds.reduce((s, rs) => s + (rs.spec?.replicas ?? 0), 0);
        const initial = spec.strategy?.type === "Recreate" ? (oldActive > 0 ? 0 : replicas) : oldActive === 0 ? replicas : Math.max(0, Math.min(replicas, replicas + surge - oldActive));
        const rsName = `${name}-${hash}`;
        const existing = store.get(R.replicasets, ns, rsName);
        if (existing) {
          // A same-named ReplicaSet we do not own: bump collisionCount and retry with another hash.
          objects.update(R.deployments, ns, name, { ...d, status: { ...(d.status ?? {}), collisionCount: collision + 1 } }, { internal: true, subresource: "status" });
          return;
        }
        newRs = objects.create(
          R.replicasets,
          ns,
          {
            metadata: {
              name: rsName,
              namespace: ns,
              labels: clone(tpl.metadata.labels),
              annotations: {
                [REVISION]: String(maxRevision + 1),
                "deployment.kubernetes.io/desired-replicas": String(replicas),
                "deployment.kubernetes.io/max-replicas": String(replicas + surge),
              },
              ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name, uid: d.metadata.uid!, controller: true, blockOwnerDeletion: true }],
            },
            spec: { replicas: initial, minReadySeconds: spec.minReadySeconds ?? 0, selector, template: tpl },
          },
          { internal: true },
        );
        if (initial > 0) this.ctx.events.record(d, "Normal", "ScalingReplicaSet", `Scaled up replica set ${rsName} from 0 to ${initial}`, "deployment-controller");
      } else if (revisionOf(newRs) < maxRevision) {
        // Rolled back to an older template: it becomes the newest revision.
        const next = clone(newRs);
        next.metadata.annotations = { ...(next.metadata.annotations ?? {}), [REVISION]: String(maxRevision + 1) };
        newRs = objects.update(R.replicasets, ns, newRs.metadata.name!, next, { internal: true });
      }
      olds = olds.filter((rs) => rs !== newRs);
      this.rollout(d, newRs, olds);
      this.cleanup(d, olds);
    }
    this.updateStatus(d, newRs);
  }

  private rollout(d: KObject, newRsIn: KObject, olds: KObject[]): void {
    const spec = d.spec ?? {};
    const replicas: number = spec.replicas ?? 1;
    let newRs = newRsIn;
    const activeOlds = olds.filter((rs) => (rs.spec?.replicas ?? 0) > 0 || (rs.status?.replicas ?? 0) > 0);
    if (spec.strategy?.type === "Recreate") {
      for (const rs of activeOlds) this.scaleRs(rs, 0, d);
      if (activeOlds.some((rs) => (rs.status?.replicas ?? 0) > 0)) return;
      this.scaleRs(newRs, replicas, d);
      return;
    }
    if (activeOlds.length === 0) {
      this.scaleRs(newRs, replicas, d);
      return;
    }
    const maxSurge = resolveIntOrPercent(spec.strategy?.rollingUpdate?.maxSurge ?? "25%", replicas, true);
    let maxUnavailable = resolveIntOrPercent(spec.strategy?.rollingUpdate?.maxUnavailable ?? "25%", replicas, false);
    if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
    const specCount = (rs: KObject) => rs.spec?.replicas ?? 0;
    // Scale up the new ReplicaSet within maxSurge.
    let total = specCount(newRs) + olds.reduce((s, rs) => s + specCount(rs), 0);
    if (specCount(newRs) > replicas) newRs = this.scaleRs(newRs, replicas, d);
    else if (specCount(newRs) < replicas) {
      const room = replicas + maxSurge - total;
      if (room > 0) newRs = this.scaleRs(newRs, specCount(newRs) + Math.min(room, replicas - specCount(newRs)), d);
    }
    total = specCount(newRs) + olds.reduce((s, rs) => s + specCount(rs), 0);
    // Scale down old ReplicaSets within maxUnavailable: unhealthy replicas first, then available ones.
    const minAvailable = replicas - maxUnavailable;
    const newUnavailable = specCount(newRs) - (newRs.status?.availableReplicas ?? 0);
    let budget = total - minAvailable - newUnavailable;
    if (budget <= 0) return;
    const sorted = olds.slice().sort((a, b) => revisionOf(a) - revisionOf(b));
    for (const rs of sorted) {
      if (budget <= 0) break;
      const unhealthy = specCount(rs) - (rs.status?.availableReplicas ?? 0);
      const n = Math.min(unhealthy, budget);
      if (n > 0) {
        this.scaleRs(rs, specCount(rs) - n, d);
        budget -= n;
      }
    }
    const refreshed = sorted.map((rs) => this.ctx.store.get(R.replicasets, rs.metadata.namespace, rs.metadata.name!) ?? rs);
    const allAvailable =
      (newRs.status?.availableReplicas ?? 0) + refreshed.reduce((s, rs) => s + Math.min(rs.status?.availableReplicas ?? 0, specCount(rs)), 0);
    let canDown = allAvailable - minAvailable;
    for (const rs of refreshed) {
      if (canDown <= 0) break;
      const n = Math.min(specCount(rs), canDown);
      if (n > 0) {
        this.scaleRs(rs, specCount(rs) - n, d);
        canDown -= n;
      }
    }
  }

  private cleanup(d: KObject, olds: KObject[]): void {
    const limit: number = d.spec?.revisionHistoryLimit ?? 10;
    const idle = olds.filter((rs) => (rs.spec?.replicas ?? 0) === 0 && (rs.status?.replicas ?? 0) === 0).sort((a, b) => revisionOf(a) - revisionOf(b));
    for (const rs of idle.slice(0, Math.max(0, idle.length - limit))) {
      try {
        this.ctx.objects.delete(R.replicasets, rs.metadata.namespace, rs.metadata.name!, {});
      } catch {
        // already gone
      }
    }
  }

  private updateStatus(dIn: KObject, newRsIn: KObject | undefined): void {
    const { store, objects } = this.ctx;
    const d = store.get(R.deployments, dIn.metadata.namespace, dIn.metadata.name!);
    if (!d) return;
    const all = this.gc.controlledBy(d.metadata.uid!, R.replicasets);
    const newRs = newRsIn ? store.get(R.replicasets, newRsIn.metadata.namespace, newRsIn.metadata.name!) : undefined;
    const sum = (f: (rs: KObject) => number) => all.reduce((s, rs) => s + f(rs), 0);
    const replicas: number = d.spec?.replicas ?? 1;
    const statusReplicas = sum((rs) => rs.status?.replicas ?? 0);
    const available = sum((rs) => rs.status?.availableReplicas ?? 0);
    const ready = sum((rs) => rs.status?.readyReplicas ?? 0);
    const updated = newRs?.status?.replicas ?? 0;
    const maxUnavailable =
      d.spec?.strategy?.type === "Recreate" ? 0 : resolveIntOrPercent(d.spec?.strategy?.rollingUpdate?.maxUnavailable ?? "25%", replicas, false);
    const prevConds: Loose[] = d.status?.conditions ?? [];
    const now = nowIso();
    const cond = (type: string, status: string, reason: string, message: string): Loose => {
      const prev = prevConds.find((c) => c.type === type);
      const same = prev && prev.status === status;
      const unchanged = same && prev.reason === reason && prev.message === message;
      return {
        type,
        status,
        lastUpdateTime: unchanged ? prev.lastUpdateTime : now,
        lastTransitionTime: same ? prev.lastTransitionTime : now,
        reason,
        message,
      };
    };
    const isAvailable = available >= replicas - maxUnavailable;
    const complete = newRs && updated === replicas && available === replicas && statusReplicas === replicas && (newRs.status?.availableReplicas ?? 0) === replicas;
    const conditions: Loose[] = [
      isAvailable
        ? cond("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.")
        : cond("Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability."),
      d.spec?.paused
        ? cond("Progressing", "Unknown", "DeploymentPaused", "Deployment is paused")
        : complete
          ? cond("Progressing", "True", "NewReplicaSetAvailable", `ReplicaSet "${newRs!.metadata.name}" has successfully progressed.`)
          : this.progressing(d, newRs, cond, { updated, available, ready }),
    ];
    const status: Loose = {
      observedGeneration: d.metadata.generation,
      replicas: statusReplicas,
      updatedReplicas: updated,
      readyReplicas: ready,
      availableReplicas: available,
      conditions,
    };
    const unavailable = Math.max(0, sum((rs) => rs.spec?.replicas ?? 0) - available);
    if (unavailable > 0) status.unavailableReplicas = unavailable;
    if (d.status?.collisionCount) status.collisionCount = d.status.collisionCount;
    if (status.readyReplicas === 0) delete status.readyReplicas;
    if (status.availableReplicas === 0) delete status.availableReplicas;
    if (status.replicas === 0) delete status.replicas;
    if (status.updatedReplicas === 0) delete status.updatedReplicas;
    const strip = (s: Loose) => ({ ...s, conditions: (s?.conditions ?? []).map((c: Loose) => ({ ...c, lastUpdateTime: undefined, lastTransitionTime: undefined })) });
    if (deepEqual(strip(d.status ?? {}), strip(status))) return;
    const next = { ...d, status };
    const revision = newRs?.metadata.annotations?.[REVISION];
    if (revision && d.metadata.annotations?.[REVISION] !== revision) {
      const withRev = clone(d);
      withRev.metadata.annotations = { ...(withRev.metadata.annotations ?? {}), [REVISION]: revision };
      const stored = objects.update(R.deployments, d.metadata.namespace, d.metadata.name!, withRev, { internal: true });
      objects.update(R.deployments, d.metadata.namespace, d.metadata.name!, { ...stored, status }, { internal: true, subresource: "status" });
      return;
    }
    objects.update(R.deployments, d.metadata.namespace, d.metadata.name!, next, { internal: true, subresource: "status" });
  }

  /**
   * Progressing while a rollout advances; False/ProgressDeadlineExceeded once it has made no progress
   * (no change in updated, ready or available replicas) for progressDeadlineSeconds.
   */
  private progressing(d: KObject, newRs: KObject | undefined, cond: (t: string, s: string, r: string, m: string) => Loose, counts: Record<string, number>): Loose {
    const prev: Loose = (d.status?.conditions ?? []).find((c: Loose) => c.type === "Progressing");
    const moved = ["updated", "available", "ready"].some((k) => {
      const before = k === "updated" ? d.status?.updatedReplicas : k === "available" ? d.status?.availableReplicas : d.status?.readyReplicas;
      return (before ?? 0) !== counts[k];
    });
    const name = newRs?.metadata.name ?? "";
    const deadlineMs = (d.spec?.progressDeadlineSeconds ?? 600) * 1000;
    const since = prev?.lastUpdateTime ? Date.parse(prev.lastUpdateTime) : Date.now();
    const key = nsName(d.metadata.namespace, d.metadata.name!);
    if (prev?.reason === "ProgressDeadlineExceeded" && !moved) return prev;
    if (!moved && prev?.reason === "ReplicaSetUpdated" && Date.now() - since >= deadlineMs)
      return cond("Progressing", "False", "ProgressDeadlineExceeded", `ReplicaSet "${name}" has timed out progressing.`);
    const c = cond("Progressing", "True", newRs ? "ReplicaSetUpdated" : "NewReplicaSetCreated", `ReplicaSet "${name}" is progressing.`);
    if (moved || prev?.status !== "True") c.lastUpdateTime = nowIso();
    this.queue.addAfter(key, Math.max(50, deadlineMs - (Date.now() - Date.parse(c.lastUpdateTime))) + 10);
    return c;
  }

  stop(): void {
    this.queue.stop();
  }
}
