// The gateway: routes tenant traffic by Host (`<key>.<domain>`) or path (`/i/<key>/…`) to the instance's
// endpoint, answers for instances that cannot serve, holds requests for a sleeping instance while one wake runs
// and forwards them in arrival order when the route says it is running again, and meters every request.
import http from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { Redis } from "ioredis";
import { getDb, type Db } from "@/db/client";
import { getEnv } from "@/server/env";
import { instanceChannel } from "@/server/instances/instance-events";
import { log } from "@/server/log";
import { getRedis, redisKey } from "@/server/redis/client";
import { loadRoute, loadRoutes, type GatewayRoute } from "@/server/scaling/gateway-routes";
import { requestWake } from "@/server/scaling/sleep-wake";
import { RequestMeter } from "./metering";
import { forwardRequest, forwardUpgrade, sendJson, sendRawJson, type ForwardOptions, type Target } from "./proxy";
import { requestRateKey } from "./request-rate";
import { RouteTable } from "./route-table";

export type WakeSource = {
  loadRoutes(db: Db): Promise<GatewayRoute[]>;
  loadRoute(db: Db, instanceId: string): Promise<GatewayRoute | null>;
  requestWake(db: Db, instanceId: string): Promise<{ runId: string | null; started: boolean }>;
};

export type GatewayOptions = {
  /** 0 picks a free port. */
  port: number;
  host?: string;
  db?: Db;
  domain?: string;
  holdMaxRequests?: number;
  holdTimeoutMs?: number;
  /** Replaces the route and wake functions (tests); defaults to server/scaling. */
  source?: Partial<WakeSource>;
  /** Redis for counters and the subscriber (duplicated); defaults to the shared client. */
  redis?: Redis;
  flushEveryMs?: number;
  fullReloadMs?: number;
  /** How long stop() lets proxied requests finish before closing their connections. */
  drainMs?: number;
  /** How long after a wake a refused upstream connection is retried. */
  wakeRetryMs?: number;
};

export type GatewayStats = {
  requests: number;
  proxied: number;
  /** Requests held right now. */
  held: number;
  heldTotal: number;
  coldStarts: number;
  holdRejected: number;
  holdTimeouts: number;
  wakesRequested: number;
  upstreamErrors: number;
  websockets: number;
};

export type Gateway = {
  port: number;
  stats: GatewayStats;
  routes: RouteTable;
  meter: RequestMeter;
  /** Writes counted requests to Redis now. */
  flush(): Promise<void>;
  /** Stops accepting, answers held requests 503, lets proxied ones finish (up to drainMs), flushes counters. */
  stop(): Promise<void>;
};

type Resolved = { key: string; path: string; prefix?: string };

type Held = {
  at: number;
  resolved: Resolved;
  timer: NodeJS.Timeout;
  done: boolean;
} & ({ kind: "http"; req: http.IncomingMessage; res: http.ServerResponse } | { kind: "upgrade"; req: http.IncomingMessage; socket: Duplex; head: Buffer });

/** Per instance: requests held while it sleeps or wakes, and whether this process already asked for the wake. */
type Sleeper = { queue: Held[]; wakeRequested: boolean };

type Decision = { kind: "proxy"; target: Target } | { kind: "hold" } | { kind: "answer"; status: number; body: Record<string, unknown>; headers?: Record<string, string> };

const NOT_FOUND: Decision = { kind: "answer", status: 404, body: { error: "unknown instance" } };

/** What to do with a request for this route (`waking`: this process knows a wake is under way). */
export function decide(route: GatewayRoute | undefined, waking: boolean): Decision {
  if (!route || route.desiredState === "deleted" || route.observedState === "deleting" || route.observedState === "deleted") return NOT_FOUND;
  if (route.orgSuspended) return { kind: "answer", status: 402, body: { error: "organization suspended", instance: route.name } };
  if (route.observedState === "failed") return { kind: "answer", status: 503, body: { error: "instance failed", reason: route.statusMessage ?? "unknown" } };
  if (route.desiredState === "stopped" || route.observedState === "stopped") return { kind: "answer", status: 503, body: { error: "stopped" } };
  const endpoint = route.endpointHost && route.endpointPort ? { host: route.endpointHost, port: route.endpointPort } : null;
  if (route.observedState === "sleeping") return { kind: "hold" };
  // Going to sleep, or waking: hold when this looks like scale to zero rather than an ordinary update.
  const asleepish = route.scaleToZero && (route.observedState === "stopping" || route.observedState === "updating");
  if (asleepish && (waking || !endpoint || route.observedState === "stopping")) return { kind: "hold" };
  if ((route.observedState === "running" || route.observedState === "updating") && endpoint) return { kind: "proxy", target: endpoint };
  return { kind: "answer", status: 503, body: { error: "instance not ready", state: route.observedState }, headers: { "retry-after": "5" } };
}

function hostnameOf(host: string | undefined): string {
  if (!host) return "";
  const h = host.toLowerCase();
  if (h.startsWith("[")) return h.slice(0, h.indexOf("]") + 1);
  const colon = h.lastIndexOf(":");
  return colon >= 0 ? h.slice(0, colon) : h;
}

/** The instance key and upstream path of a request, from its Host or its `/i/<key>` path prefix. */
export function resolveRequest(host: string | undefined, url: string | undefined, domain: string): Resolved | null {
  const hostname = hostnameOf(host);
  const suffix = `.${domain.toLowerCase()}`;
  if (hostname.endsWith(suffix)) {
    const label = hostname.slice(0, -suffix.length);
    if (label && !label.includes(".")) return { key: label, path: url || "/" };
  }
  const u = url ?? "/";
  if (!u.startsWith("/i/")) return null;
  const m = /^([^/?#]+)(.*)$/s.exec(u.slice(3));
  if (!m) return null;
  let key: string;
  try {
    key = decodeURIComponent(m[1]!);
  } catch {
    return null;
  }
  const rest = m[2]!;
  return { key, path: rest === "" ? "/" : rest.startsWith("?") ? `/${rest}` : rest, prefix: `/i/${m[1]}` };
}

/** Starts a gateway listening on `port` and returns once its route table is loaded (or loading is being retried). */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const env = getEnv();
  const db = options.db ?? getDb();
  const domain = options.domain ?? env.FLEETPLANE_GATEWAY_DOMAIN;
  const holdMax = options.holdMaxRequests ?? env.GATEWAY_HOLD_MAX_REQUESTS;
  const holdTimeoutMs = options.holdTimeoutMs ?? env.GATEWAY_HOLD_TIMEOUT_MS;
  const drainMs = options.drainMs ?? 10_000;
  const wakeRetryMs = options.wakeRetryMs ?? 5000;
  const source: WakeSource = { loadRoutes, loadRoute, requestWake, ...options.source };
  const redis = options.redis ?? getRedis();
  const retryAfterSeconds = String(Math.max(1, Math.ceil(holdTimeoutMs / 1000)));

  const stats: GatewayStats = { requests: 0, proxied: 0, held: 0, heldTotal: 0, coldStarts: 0, holdRejected: 0, holdTimeouts: 0, wakesRequested: 0, upstreamErrors: 0, websockets: 0 };
  const sleepers = new Map<string, Sleeper>();
  /** When each instance was last seen waking up: a refused connection soon after is retried briefly. */
  const wokeAt = new Map<string, number>();
  const upgraded = new Set<Duplex>();
  let active = 0;
  let stopping = false;

  const agent = new http.Agent({ keepAlive: true, keepAliveMsecs: 1000, maxFreeSockets: 256, scheduling: "lifo", timeout: 60_000 });
  const meter = new RequestMeter(redis, { requests: redisKey("usage", "requests"), activity: redisKey("usage", "activity"), rate: requestRateKey }, options.flushEveryMs ?? 2000);
  const lastBytes = new WeakMap<Socket, { r: number; w: number }>();

  const routes = new RouteTable({
    source: { loadRoutes: () => source.loadRoutes(db), loadRoute: (id) => source.loadRoute(db, id) },
    subscriber: redis.duplicate(),
    channel: instanceChannel(),
    fullReloadMs: options.fullReloadMs,
    onChange: (id, route, previous) => routeChanged(id, route, previous),
  });

  // ── answering ──────────────────────────────────────────────────────────────────────────────────────────────
  function answer(h: Pick<Held, "kind"> & ({ kind: "http"; res: http.ServerResponse } | { kind: "upgrade"; socket: Duplex }), status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): void {
    if (h.kind === "http") sendJson(h.res, status, body, stopping ? { ...headers, connection: "close" } : headers);
    else sendRawJson(h.socket, status, body, headers);
  }

  function meterBytes(instanceId: string, socket: Socket): void {
    const last = lastBytes.get(socket) ?? { r: 0, w: 0 };
    const r = socket.bytesRead;
    const w = socket.bytesWritten;
    meter.countBytes(instanceId, r - last.r, w - last.w);
    lastBytes.set(socket, { r, w });
  }

  // ── proxying ──────────────────────────────────────────────────────────────────────────────────────────────
  function proxyHttp(route: GatewayRoute, target: Target, req: http.IncomingMessage, res: http.ServerResponse, resolved: Resolved, cold?: { at: number }): Promise<void> {
    stats.proxied++;
    active++;
    res.once("close", () => {
      active--;
      meterBytes(route.instanceId, req.socket);
    });
    const opts: ForwardOptions = { path: resolved.path, prefix: resolved.prefix };
    const woke = cold ? Date.now() : wokeAt.get(route.instanceId);
    if (woke && Date.now() - woke < wakeRetryMs) opts.retryRefusedUntil = woke + wakeRetryMs;
    if (cold) {
      stats.coldStarts++;
      opts.responseHeaders = { "x-fleetplane-cold-start": "1", "x-fleetplane-wake-ms": String(Date.now() - cold.at) };
    } else if (route.scaleToZero) {
      // The route table may lag a sleep: a refused connection then means "asleep", so hold and wake.
      opts.onRefused = () => {
        const fresh = routes.get(route.instanceId);
        if (!fresh || stopping) return false;
        hold(fresh, { kind: "http", req, res, resolved }, Date.now());
        return true;
      };
    }
    return forwardRequest(req, res, target, agent, opts, () => stats.upstreamErrors++);
  }

  function proxyUpgrade(route: GatewayRoute, target: Target, req: http.IncomingMessage, socket: Duplex, head: Buffer, resolved: Resolved, cold?: { at: number }): Promise<void> {
    const opts: ForwardOptions = { path: resolved.path, prefix: resolved.prefix };
    const woke = cold ? Date.now() : wokeAt.get(route.instanceId);
    if (woke && Date.now() - woke < wakeRetryMs) opts.retryRefusedUntil = woke + wakeRetryMs;
    if (cold) {
      stats.coldStarts++;
      opts.responseHeaders = { "x-fleetplane-cold-start": "1", "x-fleetplane-wake-ms": String(Date.now() - cold.at) };
    }
    return forwardUpgrade(req, socket, head, target, opts, () => {
      stats.websockets++;
      upgraded.add(socket);
      socket.once("close", () => {
        upgraded.delete(socket);
        meterBytes(route.instanceId, req.socket);
      });
    });
  }

  // ── holding ───────────────────────────────────────────────────────────────────────────────────────────────
  function hold(route: GatewayRoute, entry: { kind: "http"; req: http.IncomingMessage; res: http.ServerResponse; resolved: Resolved } | { kind: "upgrade"; req: http.IncomingMessage; socket: Duplex; head: Buffer; resolved: Resolved }, at: number): void {
    let sleeper = sleepers.get(route.instanceId);
    if (!sleeper) {
      sleeper = { queue: [], wakeRequested: false };
      sleepers.set(route.instanceId, sleeper);
    }
    if (stopping || sleeper.queue.length >= holdMax) {
      stats.holdRejected++;
      answer(entry, 503, { error: stopping ? "gateway restarting" : "too many requests waiting for the instance to wake" }, { "retry-after": stopping ? "1" : retryAfterSeconds });
      return;
    }
    const s = sleeper;
    const held = { ...entry, at, done: false } as Held;
    held.timer = setTimeout(() => {
      if (held.done) return;
      held.done = true;
      remove(s, held);
      stats.holdTimeouts++;
      answer(held, 503, { error: "the instance did not wake in time" }, { "retry-after": retryAfterSeconds });
    }, holdTimeoutMs);
    const gone = () => {
      if (held.done) return;
      held.done = true;
      clearTimeout(held.timer);
      remove(s, held);
    };
    if (held.kind === "http") held.res.once("close", gone);
    else held.socket.once("close", gone);
    s.queue.push(held);
    stats.held++;
    stats.heldTotal++;
    if (!s.wakeRequested) wake(route.instanceId, s);
  }

  function remove(sleeper: Sleeper, held: Held): void {
    const i = sleeper.queue.indexOf(held);
    if (i >= 0) {
      sleeper.queue.splice(i, 1);
      stats.held--;
    }
  }

  function wake(instanceId: string, sleeper: Sleeper): void {
    sleeper.wakeRequested = true;
    stats.wakesRequested++;
    source.requestWake(db, instanceId).then(
      (r) => {
        log.info("gateway", "wake requested", { instanceId, runId: r.runId, started: r.started });
        // Nothing to wake: our route is probably stale; the fresh one releases or answers the held requests.
        if (!r.runId) routes.reloadOne(instanceId);
      },
      (err: Error) => {
        log.warn("gateway", "wake request failed", { instanceId, error: err.message });
        sleeper.wakeRequested = false;
        settle(instanceId, sleeper, { kind: "answer", status: 503, body: { error: "the instance could not be woken" }, headers: { "retry-after": "5" } });
      },
    );
  }

  /** Hands every held request of the instance on: forwarded in arrival order, or answered. */
  function settle(instanceId: string, sleeper: Sleeper, decision: Decision, route?: GatewayRoute): void {
    const queue = sleeper.queue.splice(0);
    stats.held -= queue.length;
    if (sleepers.get(instanceId) === sleeper) sleepers.delete(instanceId);
    for (const h of queue) {
      h.done = true;
      clearTimeout(h.timer);
    }
    if (decision.kind === "answer") {
      for (const h of queue) answer(h, decision.status, decision.body, decision.headers);
      return;
    }
    if (decision.kind !== "proxy" || !route) return;
    const target = decision.target;
    void (async () => {
      for (const h of queue) {
        if (h.kind === "http") {
          if (h.res.destroyed) continue;
          await proxyHttp(route, target, h.req, h.res, h.resolved, { at: h.at });
        } else {
          if (h.socket.destroyed) continue;
          await proxyUpgrade(route, target, h.req, h.socket, h.head, h.resolved, { at: h.at });
        }
      }
    })();
  }

  function routeChanged(instanceId: string, route: GatewayRoute | null, previous: GatewayRoute | undefined): void {
    let sleeper = sleepers.get(instanceId);
    if (route && previous?.observedState === "sleeping" && route.observedState === "updating" && !sleeper) {
      // Woken by someone else: hold new requests instead of sending them to an endpoint that is not open yet.
      sleeper = { queue: [], wakeRequested: true };
      sleepers.set(instanceId, sleeper);
    }
    if (route?.observedState === "updating" && previous?.observedState !== "updating") wokeAt.set(instanceId, Date.now());
    if (!sleeper) return;
    const decision = decide(route ?? undefined, true);
    if (decision.kind === "hold") {
      // Back to sleep (the wake failed or was undone): ask again for what is still held.
      if (route?.observedState === "sleeping" && previous && previous.observedState !== "sleeping") {
        sleeper.wakeRequested = false;
        if (sleeper.queue.length > 0) wake(instanceId, sleeper);
      }
      return;
    }
    if (decision.kind === "proxy") wokeAt.set(instanceId, Date.now());
    settle(instanceId, sleeper, decision, route ?? undefined);
  }

  // ── dispatch ──────────────────────────────────────────────────────────────────────────────────────────────
  function dispatchHttp(req: http.IncomingMessage, res: http.ServerResponse): void {
    stats.requests++;
    if (stopping) return sendJson(res, 503, { error: "gateway restarting" }, { "retry-after": "1", connection: "close" });
    const resolved = resolveRequest(req.headers.host, req.url, domain);
    if (!resolved) return sendJson(res, 404, { error: "unknown instance" });
    if (!routes.loaded) return sendJson(res, 503, { error: "gateway starting" }, { "retry-after": "2" });
    const route = routes.find(resolved.key);
    const decision = decide(route, sleepers.has(route?.instanceId ?? ""));
    if (decision.kind === "answer") return sendJson(res, decision.status, decision.body, decision.headers);
    meter.countRequest(route!.instanceId);
    if (decision.kind === "hold") return hold(route!, { kind: "http", req, res, resolved }, Date.now());
    void proxyHttp(route!, decision.target, req, res, resolved);
  }

  function dispatchUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    stats.requests++;
    socket.on("error", () => socket.destroy());
    if (stopping) return sendRawJson(socket, 503, { error: "gateway restarting" }, { "retry-after": "1" });
    const resolved = resolveRequest(req.headers.host, req.url, domain);
    if (!resolved) return sendRawJson(socket, 404, { error: "unknown instance" });
    if (!routes.loaded) return sendRawJson(socket, 503, { error: "gateway starting" }, { "retry-after": "2" });
    const route = routes.find(resolved.key);
    const decision = decide(route, sleepers.has(route?.instanceId ?? ""));
    if (decision.kind === "answer") return sendRawJson(socket, decision.status, decision.body, decision.headers);
    meter.countRequest(route!.instanceId);
    if (decision.kind === "hold") return hold(route!, { kind: "upgrade", req, socket, head, resolved }, Date.now());
    void proxyUpgrade(route!, decision.target, req, socket, head, resolved);
  }

  const server = http.createServer({ noDelay: true, keepAlive: true }, dispatchHttp);
  server.on("upgrade", dispatchUpgrade);
  server.on("clientError", (_err, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n");
    else socket.destroy();
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  // Held requests wait up to holdTimeoutMs: do not let Node time the request out first.
  server.requestTimeout = Math.max(300_000, holdTimeoutMs + 10_000);

  await routes.start();
  meter.start();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? "0.0.0.0", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as { port: number }).port;
  log.info("gateway", "listening", { port, domain, routes: routes.size, loaded: routes.loaded });

  let stopped: Promise<void> | undefined;
  async function stop(): Promise<void> {
    stopping = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const [id, sleeper] of [...sleepers]) settle(id, sleeper, { kind: "answer", status: 503, body: { error: "gateway restarting" }, headers: { "retry-after": "1" } });
    server.closeIdleConnections();
    const until = Date.now() + drainMs;
    while (active > 0 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 25));
      server.closeIdleConnections();
    }
    server.closeAllConnections();
    for (const s of upgraded) s.destroy();
    await closed;
    await routes.stop();
    await meter.stop();
    agent.destroy();
    log.info("gateway", "stopped", { ...stats });
  }

  return {
    port,
    stats,
    routes,
    meter,
    flush: () => meter.flush(),
    stop: () => (stopped ??= stop()),
  };
}
