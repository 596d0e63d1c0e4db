// Workload endpoints: each Service with a selector gets a loopback HTTP port (status.loadBalancer and the
// kubesim.fleetplane.dev/port annotation). It answers 200 with the serving pod and an echo of the request,
// round-robin over Ready selected pods, and stops listening (connections refused) while none is Ready.
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { SimContext } from "./context";
import { nsName, splitKey } from "./controllers/work-queue";
import { R } from "./resources";
import type { StoreEvent } from "./store";
import type { KObject } from "./types";
import { clone } from "./util/json";
import { isPodReady } from "./util/pods";

export const PORT_ANNOTATION = "kubesim.fleetplane.dev/port";

interface Endpoint {
  key: string;
  uid: string;
  port: number;
  server?: http.Server;
  listening: boolean;
  ready: string[];
  next: number;
  busy: boolean;
  dirty: boolean;
}

function selects(svc: KObject, pod: KObject): boolean {
  const sel: Record<string, string> = svc.spec?.selector ?? {};
  const keys = Object.keys(sel);
  if (keys.length === 0) return false;
  const labels = pod.metadata.labels ?? {};
  for (const k of keys) if (labels[k] !== sel[k]) return false;
  return true;
}

export class WorkloadEndpoints {
  private readonly endpoints = new Map<string, Endpoint>();
  private readonly dirty = new Set<string>();
  private scheduled = false;
  private stopped = false;

  constructor(private readonly ctx: SimContext) {
    ctx.store.onChange((ev) => this.observe(ev));
  }

  resync(): void {
    for (const s of this.ctx.store.list(R.services)) this.mark(nsName(s.metadata.namespace, s.metadata.name!));
  }

  /** The endpoint port of a service, if it has one. */
  portOf(ns: string, name: string): number | undefined {
    return this.endpoints.get(nsName(ns, name))?.port;
  }

  private observe(ev: StoreEvent): void {
    if (ev.res === R.services) {
      this.mark(nsName(ev.obj.metadata.namespace, ev.obj.metadata.name!));
    } else if (ev.res === R.pods) {
      const ns = ev.obj.metadata.namespace;
      const wasReady = ev.prev ? isPodReady(ev.prev) : false;
      const isReady = ev.type !== "DELETED" && isPodReady(ev.obj);
      const labelsChanged = ev.prev && JSON.stringify(ev.prev.metadata.labels) !== JSON.stringify(ev.obj.metadata.labels);
      if (wasReady === isReady && !labelsChanged) return;
      for (const s of this.ctx.store.list(R.services, ns)) {
        if (selects(s, ev.obj) || (ev.prev && selects(s, ev.prev))) this.mark(nsName(ns, s.metadata.name!));
      }
    }
  }

  private mark(key: string): void {
    if (this.stopped) return;
    this.dirty.add(key);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        const keys = [...this.dirty];
        this.dirty.clear();
        for (const k of keys) void this.reconcile(k);
      });
    }
  }

  private async reconcile(key: string): Promise<void> {
    if (this.stopped) return;
    const [ns, name] = splitKey(key);
    const svc = this.ctx.store.get(R.services, ns, name);
    let ep = this.endpoints.get(key);
    if (!svc || !svc.spec?.selector || Object.keys(svc.spec.selector).length === 0 || (ep && ep.uid !== svc.metadata.uid)) {
      if (ep) {
        this.endpoints.delete(key);
        await this.close(ep);
      }
      if (!svc || !svc.spec?.selector || Object.keys(svc.spec.selector).length === 0) return;
      ep = undefined;
    }
    if (!ep) {
      ep = { key, uid: svc.metadata.uid!, port: 0, listening: false, ready: [], next: 0, busy: false, dirty: false };
      this.endpoints.set(key, ep);
      const wanted = Number(svc.metadata.annotations?.[PORT_ANNOTATION] ?? 0);
      ep.port = await this.reservePort(ep, wanted);
    }
    if (ep.busy) {
      ep.dirty = true;
      return;
    }
    ep.busy = true;
    try {
      do {
        ep.dirty = false;
        const current = this.ctx.store.get(R.services, ns, name);
        if (!current) return;
        this.publish(current, ep.port);
        ep.ready = this.ctx.store
          .list(R.pods, ns)
          .filter((p) => selects(current, p) && isPodReady(p))
          .map((p) => p.metadata.name!)
          .sort();
        if (ep.ready.length > 0 && !ep.listening) await this.listen(ep);
        else if (ep.ready.length === 0 && ep.listening) await this.close(ep);
      } while (ep.dirty && !this.stopped);
    } finally {
      ep.busy = false;
    }
  }

  /** Writes the port into the Service (annotation and load-balancer ingress) once. */
  private publish(svc: KObject, port: number): void {
    const ingress = svc.status?.loadBalancer?.ingress?.[0];
    if (svc.metadata.annotations?.[PORT_ANNOTATION] === String(port) && ingress?.ip === "127.0.0.1") return;
    const next = clone(svc);
    next.metadata.annotations = { ...(next.metadata.annotations ?? {}), [PORT_ANNOTATION]: String(port) };
    next.status = { ...(next.status ?? {}), loadBalancer: { ingress: [{ ip: "127.0.0.1", ipMode: "VIP", ports: (svc.spec?.ports ?? []).map((p: { port: number; protocol?: string }) => ({ port: p.port, protocol: p.protocol ?? "TCP" })) }] } };
    try {
      this.ctx.objects.update(R.services, svc.metadata.namespace, svc.metadata.name!, next, { internal: true });
    } catch {
      // the service changed meanwhile; the resulting event brings us back
    }
  }

  private makeServer(ep: Endpoint): http.Server {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        if (ep.ready.length === 0) {
          res.writeHead(503, { "Content-Type": "application/json" });
          res.end(JSON.stringify({ error: "no ready endpoints" }));
          return;
        }
        const pod = ep.ready[ep.next++ % ep.ready.length]!;
        const [ns, service] = splitKey(ep.key);
        const body = JSON.stringify({
          pod,
          namespace: ns,
          service,
          cluster: this.ctx.name,
          method: req.method,
          path: req.url,
          headers: req.headers,
          body: Buffer.concat(chunks).toString("utf8"),
        });
        res.writeHead(200, { "Content-Type": "application/json", "X-Kubesim-Pod": pod });
        res.end(body);
      });
    });
    server.keepAliveTimeout = 1000;
    return server;
  }

  private listenOn(server: http.Server, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error) => {
        server.off("listening", onListening);
        reject(e);
      };
      const onListening = () => {
        server.off("error", onError);
        resolve((server.address() as AddressInfo).port);
      };
      server.once("error", onError);
      server.once("listening", onListening);
      server.listen(port, "127.0.0.1");
    });
  }

  private async reservePort(ep: Endpoint, wanted: number): Promise<number> {
    const probe = http.createServer();
    let port: number;
    try {
      port = await this.listenOn(probe, wanted);
    } catch {
      port = await this.listenOn(probe, 0);
    }
    await new Promise<void>((r) => probe.close(() => r()));
    void ep;
    return port;
  }

  private async listen(ep: Endpoint): Promise<void> {
    const server = this.makeServer(ep);
    try {
      await this.listenOn(server, ep.port);
      ep.server = server;
      ep.listening = true;
    } catch {
      // Port taken meanwhile: take a new one and publish it.
      ep.port = await this.listenOn(server, 0);
      ep.server = server;
      ep.listening = true;
      const svc = this.ctx.store.get(R.services, ...splitKey(ep.key));
      if (svc) this.publish(svc, ep.port);
    }
  }

  private close(ep: Endpoint): Promise<void> {
    const server = ep.server;
    ep.server = undefined;
    ep.listening = false;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.endpoints.values()].map((ep) => this.close(ep)));
    this.endpoints.clear();
  }
}
