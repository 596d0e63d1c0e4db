// Per-cluster object storage: resource → namespace → name maps, one resourceVersion counter,
// a bounded event history for watch replay, and synchronous change hooks for controllers.
import type { ResourceDef } from "./resources";
import type { KObject } from "./types";
import { deepFreeze } from "./util/json";

export type EventType = "ADDED" | "MODIFIED" | "DELETED";

export interface StoreEvent {
  type: EventType;
  res: ResourceDef;
  obj: KObject;
  prev?: KObject;
  rv: number;
}

export interface Watcher {
  namespace?: string;
  deliver(ev: StoreEvent): void;
  /** Ends the watch cleanly, as an API server does when a watch times out. */
  close(): void;
}

export type StoreHook = (ev: StoreEvent) => void;

export class Store {
  rv = 0;
  private readonly tables = new Map<string, Map<string, Map<string, KObject>>>();
  private readonly history: (StoreEvent | undefined)[];
  private histHead = 0; // index of the oldest entry
  private histLen = 0;
  /** Lowest resourceVersion a watch may resume from (events after it are all retained). */
  private compactedRv = 0;
  private readonly watchers = new Map<string, Set<Watcher>>();
  private readonly hooks: StoreHook[] = [];
  private readonly jsonCache = new WeakMap<object, string>();

  constructor(
    historySize: number,
    private readonly freeze = false,
  ) {
    this.history = new Array<StoreEvent | undefined>(Math.max(16, historySize));
  }

  private table(res: ResourceDef): Map<string, Map<string, KObject>> {
    let t = this.tables.get(res.key);
    if (!t) {
      t = new Map();
      this.tables.set(res.key, t);
    }
    return t;
  }

  get(res: ResourceDef, ns: string | undefined, name: string): KObject | undefined {
    return this.tables.get(res.key)?.get(ns ?? "")?.get(name);
  }

  /** All objects of a resource, optionally in one namespace (storage order, not sorted). */
  list(res: ResourceDef, ns?: string): KObject[] {
    const t = this.tables.get(res.key);
    if (!t) return [];
    if (ns !== undefined) return [...(t.get(ns)?.values() ?? [])];
    const out: KObject[] = [];
    for (const m of t.values()) for (const o of m.values()) out.push(o);
    return out;
  }

  /** Sorted by namespace then name, as etcd key order makes real lists. */
  listSorted(res: ResourceDef, ns?: string): KObject[] {
    const t = this.tables.get(res.key);
    if (!t) return [];
    const namespaces = ns !== undefined ? [ns] : [...t.keys()].sort();
    const out: KObject[] = [];
    for (const n of namespaces) {
      const m = t.get(n);
      if (!m) continue;
      const names = [...m.keys()].sort();
      for (const name of names) out.push(m.get(name)!);
    }
    return out;
  }

  count(res: ResourceDef, ns?: string): number {
    const t = this.tables.get(res.key);
    if (!t) return 0;
    if (ns !== undefined) return t.get(ns)?.size ?? 0;
    let n = 0;
    for (const m of t.values()) n += m.size;
    return n;
  }

  namespacesOf(res: ResourceDef): string[] {
    return [...(this.tables.get(res.key)?.keys() ?? [])];
  }

  /** Stores a new version of an object, stamping the next resourceVersion, and notifies. */
  put(res: ResourceDef, obj: KObject): KObject {
    const ns = obj.metadata.namespace ?? "";
    const name = obj.metadata.name!;
    const t = this.table(res);
    let m = t.get(ns);
    if (!m) {
      m = new Map();
      t.set(ns, m);
    }
    const prev = m.get(name);
    const rv = ++this.rv;
    obj.metadata.resourceVersion = String(rv);
    if (this.freeze) deepFreeze(obj);
    m.set(name, obj);
    this.emit({ type: prev ? "MODIFIED" : "ADDED", res, obj, prev, rv });
    return obj;
  }

  /** Removes an object; the DELETED event carries a fresh resourceVersion, as the API server's does. */
  remove(res: ResourceDef, ns: string | undefined, name: string): KObject | undefined {
    const m = this.tables.get(res.key)?.get(ns ?? "");
    const prev = m?.get(name);
    if (!m || !prev) return undefined;
    m.delete(name);
    if (m.size === 0) this.tables.get(res.key)!.delete(ns ?? "");
    const rv = ++this.rv;
    const obj: KObject = { ...prev, metadata: { ...prev.metadata, resourceVersion: String(rv) } };
    if (this.freeze) deepFreeze(obj);
    this.emit({ type: "DELETED", res, obj, prev, rv });
    return obj;
  }

  /** Loads an object as it was saved, without events (persistence). */
  restore(res: ResourceDef, obj: KObject): void {
    const ns = obj.metadata.namespace ?? "";
    const t = this.table(res);
    let m = t.get(ns);
    if (!m) {
      m = new Map();
      t.set(ns, m);
    }
    if (this.freeze) deepFreeze(obj);
    m.set(obj.metadata.name!, obj);
  }

  private emit(ev: StoreEvent): void {
    const size = this.history.length;
    if (this.histLen < size) {
      this.history[(this.histHead + this.histLen) % size] = ev;
      this.histLen++;
    } else {
      this.history[this.histHead] = ev;
      this.histHead = (this.histHead + 1) % size;
      this.compactedRv = ev.rv - size;
    }
    const ws = this.watchers.get(ev.res.key);
    if (ws) {
      const ns = ev.obj.metadata.namespace;
      for (const w of ws) {
        if (w.namespace !== undefined && w.namespace !== ns) continue;
        try {
          w.deliver(ev);
        } catch {
          // a broken watcher connection must not break writes
        }
      }
    }
    for (const h of this.hooks) h(ev);
  }

  onChange(hook: StoreHook): void {
    this.hooks.push(hook);
  }

  addWatcher(res: ResourceDef, w: Watcher): void {
    let s = this.watchers.get(res.key);
    if (!s) {
      s = new Set();
      this.watchers.set(res.key, s);
    }
    s.add(w);
  }

  removeWatcher(res: ResourceDef, w: Watcher): void {
    this.watchers.get(res.key)?.delete(w);
  }

  /** Ends every open watch (clients re-watch from their last resourceVersion). */
  closeWatches(): number {
    let n = 0;
    for (const s of this.watchers.values()) for (const w of [...s]) {
      w.close();
      n++;
    }
    return n;
  }

  watcherCount(): number {
    let n = 0;
    for (const s of this.watchers.values()) n += s.size;
    return n;
  }

  /** Oldest resourceVersion a watch can resume from; older ones are answered with 410 Expired. */
  get oldestResumableRv(): number {
    return this.compactedRv;
  }

  /** Events after `fromRv` for one resource, or undefined when history no longer reaches back that far. */
  eventsSince(res: ResourceDef, fromRv: number): StoreEvent[] | undefined {
    if (fromRv < this.compactedRv) return undefined;
    const out: StoreEvent[] = [];
    const size = this.history.length;
    for (let i = 0; i < this.histLen; i++) {
      const ev = this.history[(this.histHead + i) % size]!;
      if (ev.rv > fromRv && ev.res.key === res.key) out.push(ev);
    }
    return out;
  }

  /** Drops the watch history, as etcd compaction does (tests use it to provoke 410). */
  compact(): void {
    this.history.fill(undefined);
    this.histHead = 0;
    this.histLen = 0;
    this.compactedRv = this.rv;
  }

  /** JSON of a stored object; objects are immutable once stored, so the text is cached. */
  json(obj: KObject): string {
    let s = this.jsonCache.get(obj);
    if (s === undefined) {
      s = JSON.stringify(obj);
      this.jsonCache.set(obj, s);
    }
    return s;
  }

  /** Every stored object grouped by resource key (persistence). */
  dump(): Record<string, KObject[]> {
    const out: Record<string, KObject[]> = {};
    for (const [key, t] of this.tables) {
      const arr: KObject[] = [];
      for (const m of t.values()) for (const o of m.values()) arr.push(o);
      out[key] = arr;
    }
    return out;
  }
}
