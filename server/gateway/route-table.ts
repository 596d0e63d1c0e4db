// The gateway's in-memory route table: loaded at start, kept current by instance change notifications (Redis
// pub/sub, one route reloaded per notification) and a full reload every minute. When PostgreSQL or Redis is
// down it keeps serving the last table it had, so a control-plane outage is not a tenant outage.
import type { Redis } from "ioredis";
import type { GatewayRoute } from "@/server/scaling/gateway-routes";
import { log } from "@/server/log";

export type RouteSource = {
  loadRoutes(): Promise<GatewayRoute[]>;
  loadRoute(instanceId: string): Promise<GatewayRoute | null>;
};

export type RouteTableOptions = {
  source: RouteSource;
  /** A dedicated connection that will be put in subscriber mode; closed by stop(). */
  subscriber?: Redis;
  channel?: string;
  fullReloadMs?: number;
  /** Called after an instance's route changed (or was reloaded): `route` is null when it is gone. */
  onChange?: (instanceId: string, route: GatewayRoute | null, previous: GatewayRoute | undefined) => void;
};

export class RouteTable {
  private readonly byId = new Map<string, GatewayRoute>();
  private readonly byNamespace = new Map<string, GatewayRoute>();
  private readonly pending = new Set<string>();
  private readonly inFlight = new Set<string>();
  /** Per instance, the sequence number of the query whose answer is applied, so an older answer never wins. */
  private readonly applied = new Map<string, number>();
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** True once a full table has been loaded at least once. */
  loaded = false;

  constructor(private readonly opts: RouteTableOptions) {}

  get size(): number {
    return this.byId.size;
  }

  /** Loads the table (retrying in the background when PostgreSQL does not answer) and subscribes. */
  async start(): Promise<void> {
    const sub = this.opts.subscriber;
    if (sub && this.opts.channel) {
      const channel = this.opts.channel;
      sub.on("message", (ch: string, id: string) => {
        if (ch === channel && id) this.reloadOne(id);
      });
      sub.on("error", (err: Error) => log.warn("gateway", "route subscriber error", { error: err.message }));
      // After a reconnect notifications may have been missed: reload everything.
      let first = true;
      sub.on("ready", () => {
        if (first) first = false;
        else void this.reloadAll();
      });
      await sub.subscribe(channel).catch((err: Error) => log.warn("gateway", "route subscribe failed; relying on periodic reloads", { error: err.message }));
    }
    if (!(await this.reloadAll())) this.scheduleRetry();
    this.timer = setInterval(() => void this.reloadAll(), this.opts.fullReloadMs ?? 60_000);
    this.timer.unref();
  }

  private scheduleRetry(): void {
    if (this.stopped || this.loaded) return;
    this.retryTimer = setTimeout(() => void this.reloadAll().then((ok) => ok || this.scheduleRetry()), 2000);
    this.retryTimer.unref();
  }

  /** A route by namespace (the usual key) or instance id. */
  find(key: string): GatewayRoute | undefined {
    return this.byNamespace.get(key) ?? this.byId.get(key);
  }

  get(instanceId: string): GatewayRoute | undefined {
    return this.byId.get(instanceId);
  }

  /** Replaces the whole table; reports routes that changed or disappeared. Returns false when loading failed. */
  async reloadAll(): Promise<boolean> {
    let routes: GatewayRoute[];
    const at = ++this.seq;
    try {
      routes = await this.opts.source.loadRoutes();
    } catch (err) {
      log.warn("gateway", "route table reload failed; keeping the last one", { error: (err as Error).message });
      return false;
    }
    if (this.stopped) return true;
    const seen = new Set<string>();
    for (const route of routes) {
      seen.add(route.instanceId);
      this.apply(route.instanceId, route, at);
    }
    for (const id of [...this.byId.keys()]) if (!seen.has(id)) this.apply(id, null, at);
    this.loaded = true;
    return true;
  }

  /** Reloads one route; notifications for an instance already being reloaded coalesce into one more reload. */
  reloadOne(instanceId: string): void {
    if (this.stopped) return;
    if (this.inFlight.has(instanceId)) {
      this.pending.add(instanceId);
      return;
    }
    this.inFlight.add(instanceId);
    void (async () => {
      try {
        do {
          this.pending.delete(instanceId);
          try {
            const at = ++this.seq;
            const route = await this.opts.source.loadRoute(instanceId);
            if (!this.stopped) this.apply(instanceId, route, at);
          } catch (err) {
            log.warn("gateway", "route reload failed", { instanceId, error: (err as Error).message });
          }
        } while (this.pending.has(instanceId) && !this.stopped);
      } finally {
        this.inFlight.delete(instanceId);
      }
    })();
  }

  private apply(instanceId: string, route: GatewayRoute | null, at: number): void {
    if ((this.applied.get(instanceId) ?? 0) > at) return;
    this.applied.set(instanceId, at);
    this.set(instanceId, route);
  }

  private set(instanceId: string, route: GatewayRoute | null): void {
    const previous = this.byId.get(instanceId);
    if (previous) {
      this.byId.delete(instanceId);
      if (this.byNamespace.get(previous.namespace) === previous) this.byNamespace.delete(previous.namespace);
    }
    if (route) {
      this.byId.set(instanceId, route);
      this.byNamespace.set(route.namespace, route);
    }
    if (!previous && !route) return;
    if (previous && route && sameRoute(previous, route)) return;
    this.opts.onChange?.(instanceId, route, previous);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.retryTimer);
    const sub = this.opts.subscriber;
    if (sub) {
      await sub.unsubscribe().catch(() => {});
      await sub.quit().catch(() => sub.disconnect());
    }
  }
}

function sameRoute(a: GatewayRoute, b: GatewayRoute): boolean {
  return (Object.keys(a) as (keyof GatewayRoute)[]).every((k) => a[k] === b[k]);
}
