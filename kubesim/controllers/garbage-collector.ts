// Garbage collector: indexes ownerReferences, deletes dependents when their owner goes (Background),
// orphans them (Orphan), and completes Foreground deletions once the dependents are gone.
import type { SimContext } from "../context";
import { resourceForKind, type ResourceDef } from "../resources";
import type { StoreEvent } from "../store";
import type { KObject, OwnerReference } from "../types";
import { clone } from "../util/json";
import { WorkQueue } from "./work-queue";

interface Ref {
  res: ResourceDef;
  ns?: string;
  name: string;
}

export class GarbageCollector {
  private readonly dependents = new Map<string, Map<string, Ref>>();
  private readonly foregroundOwners = new Map<string, Ref>();
  private readonly queue: WorkQueue;

  constructor(private readonly ctx: SimContext) {
    this.queue = new WorkQueue("garbage-collector", (k) => this.process(k));
    ctx.store.onChange((ev) => this.observe(ev));
    ctx.objects.hasDependents = (uid) => (this.dependents.get(uid)?.size ?? 0) > 0;
  }

  /** Objects whose ownerReferences name this uid. */
  dependentsOf(uid: string): Ref[] {
    return [...(this.dependents.get(uid)?.values() ?? [])];
  }

  /** Objects (of one resource) controlled by this uid, read from the store. */
  controlledBy(uid: string, res: ResourceDef): KObject[] {
    const out: KObject[] = [];
    for (const r of this.dependents.get(uid)?.values() ?? []) {
      if (r.res !== res) continue;
      const o = this.ctx.store.get(res, r.ns, r.name);
      if (o && o.metadata.ownerReferences?.some((x) => x.uid === uid && x.controller)) out.push(o);
    }
    return out;
  }

  /** Rebuilds the index from stored objects (after loading saved state). */
  reindex(all: { res: ResourceDef; obj: KObject }[]): void {
    for (const { res, obj } of all) this.index(res, obj, obj.metadata.ownerReferences, true);
  }

  private index(res: ResourceDef, obj: KObject, refs: OwnerReference[] | undefined, add: boolean): void {
    if (!refs) return;
    const key = `${res.key}|${obj.metadata.namespace ?? ""}|${obj.metadata.name}`;
    for (const r of refs) {
      let m = this.dependents.get(r.uid);
      if (add) {
        if (!m) {
          m = new Map();
          this.dependents.set(r.uid, m);
        }
        m.set(key, { res, ns: obj.metadata.namespace, name: obj.metadata.name! });
      } else if (m) {
        m.delete(key);
        if (m.size === 0) this.dependents.delete(r.uid);
      }
    }
  }

  private observe(ev: StoreEvent): void {
    const oldRefs = ev.prev?.metadata.ownerReferences;
    const newRefs = ev.type === "DELETED" ? undefined : ev.obj.metadata.ownerReferences;
    if (oldRefs !== newRefs) {
      this.index(ev.res, ev.prev ?? ev.obj, oldRefs, false);
      this.index(ev.res, ev.obj, newRefs, true);
    }
    const uid = ev.obj.metadata.uid!;
    if (ev.type === "DELETED") {
      if (this.dependents.has(uid)) this.queue.add(`gone:${uid}`);
      else this.ctx.objects.deletePolicies.delete(uid);
      this.foregroundOwners.delete(uid);
      for (const r of oldRefs ?? []) if (this.foregroundOwners.has(r.uid)) this.queue.add(`fg:${r.uid}`);
    } else if (ev.obj.metadata.deletionTimestamp && ev.obj.metadata.finalizers?.includes("foregroundDeletion")) {
      if (!this.foregroundOwners.has(uid)) {
        this.foregroundOwners.set(uid, { res: ev.res, ns: ev.obj.metadata.namespace, name: ev.obj.metadata.name! });
        this.queue.add(`fg:${uid}`);
      }
    }
  }

  private process(key: string): void {
    const [kind, uid] = [key.slice(0, key.indexOf(":")), key.slice(key.indexOf(":") + 1)];
    const objects = this.ctx.objects;
    if (kind === "gone") {
      const policy = objects.deletePolicies.get(uid) ?? "Background";
      objects.deletePolicies.delete(uid);
      for (const d of this.dependentsOf(uid)) {
        const o = this.ctx.store.get(d.res, d.ns, d.name);
        if (!o) continue;
        const remaining = (o.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
        if (policy === "Orphan" || remaining.some((r) => this.ownerExists(r, d.ns))) {
          const next = clone(o);
          if (remaining.length) next.metadata.ownerReferences = remaining;
          else delete next.metadata.ownerReferences;
          objects.update(d.res, d.ns, d.name, next, { internal: true });
        } else if (!o.metadata.deletionTimestamp) {
          try {
            objects.delete(d.res, d.ns, d.name, { propagationPolicy: "Background" });
          } catch {
            // gone meanwhile
          }
        }
      }
      return;
    }
    // Foreground: delete dependents first, then drop the owner's finalizer.
    const owner = this.foregroundOwners.get(uid);
    if (!owner) return;
    const deps = this.dependentsOf(uid);
    if (deps.length === 0) {
      const o = this.ctx.store.get(owner.res, owner.ns, owner.name);
      this.foregroundOwners.delete(uid);
      if (!o) return;
      const next = clone(o);
      next.metadata.finalizers = (next.metadata.finalizers ?? []).filter((f) => f !== "foregroundDeletion");
      objects.update(owner.res, owner.ns, owner.name, next, { internal: true });
      return;
    }
    for (const d of deps) {
      const o = this.ctx.store.get(d.res, d.ns, d.name);
      if (o && !o.metadata.deletionTimestamp) {
        try {
          objects.delete(d.res, d.ns, d.name, { propagationPolicy: "Foreground" });
        } catch {
          // gone meanwhile
        }
      }
    }
  }

  private ownerExists(r: OwnerReference, ns: string | undefined): boolean {
    const res = resourceForKind(r.kind, r.apiVersion);
    if (!res) return false;
    return this.ctx.store.get(res, res.namespaced ? ns : undefined, r.name)?.metadata.uid === r.uid;
  }

  stop(): void {
    this.queue.stop();
  }
}
