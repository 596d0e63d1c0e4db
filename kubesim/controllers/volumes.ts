// PersistentVolumeClaim binder: binds every pending claim at once to a generated volume `pvc-<uid>`, and
// releases the kubernetes.io/pvc-protection finalizer of deleted claims once no pod uses them.
import type { SimContext } from "../context";
import { R } from "../resources";
import type { KObject, Loose } from "../types";
import { clone } from "../util/json";
import { isPodTerminal } from "../util/pods";
import { nsName, splitKey, WorkQueue } from "./work-queue";

export class VolumeBinder {
  private readonly queue: WorkQueue;
  private readonly terminating = new Set<string>();

  constructor(private readonly ctx: SimContext) {
    this.queue = new WorkQueue("pvc-binder", (k) => this.bind(k));
    ctx.store.onChange((ev) => {
      if (ev.res === R.pvcs) {
        const key = nsName(ev.obj.metadata.namespace, ev.obj.metadata.name!);
        if (ev.type === "DELETED") this.terminating.delete(key);
        else if (ev.obj.metadata.deletionTimestamp) {
          this.terminating.add(key);
          this.queue.add(key);
        } else if (ev.obj.status?.phase !== "Bound") this.queue.add(key);
      } else if (ev.res === R.pods && this.terminating.size && (ev.type === "DELETED" || isPodTerminal(ev.obj))) {
        for (const k of this.terminating) if (k.startsWith(`${ev.obj.metadata.namespace}/`)) this.queue.add(k);
      }
    });
  }

  private inUse(pvc: KObject): boolean {
    for (const p of this.ctx.store.list(R.pods, pvc.metadata.namespace)) {
      if (isPodTerminal(p)) continue;
      if ((p.spec?.volumes ?? []).some((v: Loose) => v.persistentVolumeClaim?.claimName === pvc.metadata.name)) return true;
    }
    return false;
  }

  resync(): void {
    for (const p of this.ctx.store.list(R.pvcs)) if (p.status?.phase !== "Bound" || p.metadata.deletionTimestamp) this.queue.add(nsName(p.metadata.namespace, p.metadata.name!));
  }

  private bind(key: string): void {
    const [ns, name] = splitKey(key);
    const pvc = this.ctx.store.get(R.pvcs, ns, name);
    if (!pvc) return;
    if (pvc.metadata.deletionTimestamp) {
      if (pvc.metadata.finalizers?.includes("kubernetes.io/pvc-protection") && !this.inUse(pvc)) {
        const next = clone(pvc);
        next.metadata.finalizers = next.metadata.finalizers!.filter((f) => f !== "kubernetes.io/pvc-protection");
        this.ctx.objects.update(R.pvcs, ns, name, next, { internal: true });
      }
      return;
    }
    if (pvc.status?.phase === "Bound") return;
    const next = clone(pvc);
    next.spec.volumeName = `pvc-${pvc.metadata.uid}`;
    next.metadata.annotations = {
      ...(next.metadata.annotations ?? {}),
      "pv.kubernetes.io/bind-completed": "yes",
      "pv.kubernetes.io/bound-by-controller": "yes",
      "volume.kubernetes.io/storage-provisioner": "kubesim.fleetplane.dev/hostpath",
    };
    next.metadata.finalizers = [...new Set([...(next.metadata.finalizers ?? []), "kubernetes.io/pvc-protection"])];
    next.status = { phase: "Bound", accessModes: next.spec.accessModes, capacity: { storage: next.spec.resources?.requests?.storage } };
    this.ctx.objects.update(R.pvcs, ns, name, next, { internal: true });
  }

  stop(): void {
    this.queue.stop();
  }
}
