// Event recorder: core/v1 Events for objects, de-duplicated by (object, reason, message) with a
// growing count, and capped per cluster so long simulations do not grow without bound.
import { randomBytes } from "node:crypto";
import type { ObjectService } from "./objects";
import { R } from "./resources";
import type { KObject } from "./types";
import { clone, nowIso } from "./util/json";

export class EventRecorder {
  private readonly byKey = new Map<string, string>(); // dedupe key → "ns/name"
  private readonly order: string[] = [];
  private head = 0;

  constructor(
    private readonly objects: ObjectService,
    private readonly maxEvents: number,
    private readonly enabled = true,
  ) {}

  record(obj: KObject, type: "Normal" | "Warning", reason: string, message: string, component: string, host?: string): void {
    if (!this.enabled) return;
    const ns = obj.metadata.namespace ?? "default";
    const key = `${obj.metadata.uid}|${type}|${reason}|${message}`;
    const now = nowIso();
    const existing = this.byKey.get(key);
    if (existing) {
      const name = existing.slice(existing.indexOf("/") + 1);
      const ev = this.objects.tryGet(R.events, ns, name);
      if (ev) {
        const next = clone(ev);
        next.count = (next.count ?? 1) + 1;
        next.lastTimestamp = now;
        try {
          this.objects.update(R.events, ns, name, next, { internal: true });
        } catch {
          // namespace going away: events are best effort
        }
        return;
      }
    }
    const name = `${obj.metadata.name}.${randomBytes(8).toString("hex")}`;
    const ev: KObject = {
      metadata: { name, namespace: ns },
      involvedObject: {
        kind: obj.kind,
        namespace: obj.metadata.namespace,
        name: obj.metadata.name,
        uid: obj.metadata.uid,
        apiVersion: obj.apiVersion,
        resourceVersion: obj.metadata.resourceVersion,
      },
      reason,
      message,
      source: host ? { component, host } : { component },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      type,
      eventTime: null,
      reportingComponent: component,
      reportingInstance: host ?? "",
    };
    try {
      this.objects.create(R.events, ns, ev, { internal: true });
    } catch {
      return;
    }
    this.byKey.set(key, `${ns}/${name}`);
    this.order.push(`${ns}/${name}|${key}`);
    this.prune();
  }

  private prune(): void {
    while (this.order.length - this.head > this.maxEvents) {
      const entry = this.order[this.head++]!;
      const [ref, key] = [entry.slice(0, entry.indexOf("|")), entry.slice(entry.indexOf("|") + 1)];
      const ns = ref.slice(0, ref.indexOf("/"));
      const name = ref.slice(ref.indexOf("/") + 1);
      if (this.byKey.get(key) === ref) this.byKey.delete(key);
      if (this.objects.tryGet(R.events, ns, name)) this.objects.forceRemove(R.events, ns, name);
    }
    if (this.head > 10_000) {
      this.order.splice(0, this.head);
      this.head = 0;
    }
  }
}
