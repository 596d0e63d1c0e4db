// A de-duplicating work queue drained on the next turn of the event loop, with delayed re-adds;
// controllers enqueue keys from store events and reconcile each key once per drain.

export class WorkQueue {
  private pending = new Set<string>();
  private scheduled = false;
  private stopped = false;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly name: string,
    private readonly handler: (key: string) => void,
  ) {}

  add(key: string): void {
    if (this.stopped) return;
    this.pending.add(key);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  addAfter(key: string, ms: number): void {
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.add(key);
    }, ms);
    t.unref?.();
    this.timers.add(t);
  }

  private drain(): void {
    this.scheduled = false;
    if (this.stopped) return;
    const keys = [...this.pending];
    this.pending.clear();
    for (const k of keys) {
      try {
        this.handler(k);
      } catch (e) {
        const status = (e as { code?: number }).code;
        if (status !== 404 && status !== 409) console.error(`[kubesim] ${this.name} failed on ${k}:`, e);
        this.addAfter(k, 200);
      }
    }
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.pending.clear();
  }
}

export function nsName(ns: string | undefined, name: string): string {
  return `${ns ?? ""}/${name}`;
}

export function splitKey(key: string): [string, string] {
  const i = key.indexOf("/");
  return [key.slice(0, i), key.slice(i + 1)];
}
