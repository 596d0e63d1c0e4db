// Namespace controller: gives new namespaces their default ServiceAccount and root CA ConfigMap, and
// empties terminating namespaces (every namespaced resource) before removing them.
import type { SimContext } from "../context";
import { R, RESOURCES } from "../resources";
import { WorkQueue } from "./work-queue";

export class NamespaceController {
  private readonly queue: WorkQueue;
  private readonly terminating = new Set<string>();

  constructor(private readonly ctx: SimContext) {
    this.queue = new WorkQueue("namespace", (ns) => this.reconcile(ns));
    ctx.store.onChange((ev) => {
      if (ev.res === R.namespaces) {
        const name = ev.obj.metadata.name!;
        if (ev.type === "ADDED") this.queue.add(`init:${name}`);
        if (ev.type !== "DELETED" && ev.obj.metadata.deletionTimestamp) {
          this.terminating.add(name);
          this.queue.add(`term:${name}`);
        }
        if (ev.type === "DELETED") this.terminating.delete(name);
      } else if (ev.type === "DELETED" && ev.res.namespaced && this.terminating.has(ev.obj.metadata.namespace ?? "")) {
        this.queue.add(`term:${ev.obj.metadata.namespace}`);
      }
    });
  }

  /** Re-examines namespaces loaded from saved state. */
  resync(): void {
    for (const ns of this.ctx.store.list(R.namespaces)) {
      if (ns.metadata.deletionTimestamp) {
        this.terminating.add(ns.metadata.name!);
        this.queue.add(`term:${ns.metadata.name}`);
      }
    }
  }

  private reconcile(key: string): void {
    const [kind, name] = [key.slice(0, key.indexOf(":")), key.slice(key.indexOf(":") + 1)];
    const { store, objects } = this.ctx;
    const ns = store.get(R.namespaces, undefined, name);
    if (!ns) return;
    if (kind === "init") {
      if (ns.metadata.deletionTimestamp) return;
      if (!store.get(R.serviceaccounts, name, "default")) objects.create(R.serviceaccounts, name, { metadata: { name: "default" } }, { internal: true });
      if (!store.get(R.configmaps, name, "kube-root-ca.crt"))
        objects.create(
          R.configmaps,
          name,
          { metadata: { name: "kube-root-ca.crt", annotations: { "kubernetes.io/description": "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters." } }, data: { "ca.crt": "-----BEGIN CERTIFICATE-----\nkubesim\n-----END CERTIFICATE-----\n" } },
          { internal: true },
        );
      return;
    }
    if (!ns.metadata.deletionTimestamp) return;
    let remaining = 0;
    for (const res of RESOURCES) {
      if (!res.namespaced) continue;
      for (const o of store.list(res, name)) {
        remaining++;
        if (o.metadata.deletionTimestamp) continue;
        try {
          objects.delete(res, name, o.metadata.name!, { propagationPolicy: "Background" });
        } catch {
          // already gone
        }
      }
    }
    remaining = 0;
    for (const res of RESOURCES) if (res.namespaced) remaining += store.count(res, name);
    if (remaining === 0) objects.forceRemove(R.namespaces, undefined, name);
    else this.queue.addAfter(key, 250);
  }

  stop(): void {
    this.queue.stop();
  }
}
