// Workload endpoints: each Service with a selector gets a loopback HTTP port (status.loadBalancer and the
// kubesim.fleetplane.dev/port annotation). It answers 200 with the serving pod and an echo of the request,
// round-robin over Ready selected pods, and stops listening (connections refused) while none is Ready.
// For gateway tests it also streams (`/_stream?chunks=N&delayMs=M`: N chunks M ms apart) and accepts WebSocket
// upgrades on any path, echoing every message.
import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
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
  /** Open WebSocket connections, closed with the endpoint. */
  sockets: Set<Duplex>;
}

const WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const WS_MAX_FRAME = 16 * 1024 * 1024;

/** One unmasked WebSocket frame (servers never mask): `first` is the FIN bit and opcode byte. */
export function encodeWsFrame(first: number, payload: Buffer): Buffer {
  const len = payload.length;
  const head = len < 126 ? Buffer.alloc(2) : len < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  head[0] = first;
  if (len < 126) head[1] = len;
  else if (len < 65536) {
    head[1] = 126;
    head.writeUInt16BE(len, 2);
  } else {
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  return Buffer.concat([head, payload]);
}

/** Completes a WebSocket handshake and echoes every data frame (ping → pong, close → close). */
function acceptEchoWebSocket(req: http.IncomingMessage, socket: Duplex, head: Buffer, headers: Record<string, string>): boolean {
  const key = req.headers["sec-websocket-key"];
  if (typeof key !== "string" || (req.headers.upgrade ?? "").toLowerCase() !== "websocket") return false;
  const accept = createHash("sha1").update(key + WS_GUID).digest("base64");
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("");
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n${extra}\r\n`);
  let buf: Buffer = head.length ? Buffer.from(head) : Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    for (;;) {
      if (buf.length < 2) return;
      const first = buf[0]!;
      const masked = (buf[1]! & 0x80) !== 0;
      let len = buf[1]! & 0x7f;
      let offset = 2;
      if (len === 126) {
        if (buf.length < 4) return;
        len = buf.readUInt16BE(2);
        offset = 4;
      } else if (len === 127) {
        if (buf.length < 10) return;
        len = Number(buf.readBigUInt64BE(2));
        offset = 10;
      }
      if (len > WS_MAX_FRAME) return void socket.destroy();
      const total = offset + (masked ? 4 : 0) + len;
      if (buf.length < total) return;
      const payload = Buffer.from(buf.subarray(offset + (masked ? 4 : 0), total));
      if (masked) {
        const mask = buf.subarray(offset, offset + 4);
        for (let i = 0; i < payload.length; i++) payload[i]! ^= mask[i & 3]!;
      }
      buf = buf.subarray(total);
      const opcode = first & 0x0f;
      if (opcode === 0x8) {
        socket.end(encodeWsFrame(0x88, payload.subarray(0, 2)));
        return;
      }
      if (opcode === 0x9) socket.write(encodeWsFrame(0x8a, payload));
      else if (opcode !== 0xa) socket.write(encodeWsFrame(first, payload));
    }
  };
  socket.on("data", onData);
  if (buf.length) {
    const first = buf;
    buf = Buffer.alloc(0);
    onData(first);
  }
  return true;
}

/** Answers `/_stream`: `chunks` chunks (`chunk <i>\n`), `delayMs` apart, as a chunked response. */
function streamChunks(url: URL, res: http.ServerResponse, headers: Record<string, string>): void {
  const chunks = Math.min(10_000, Math.max(0, Number(url.searchParams.get("chunks") ?? 5) || 0));
  const delayMs = Math.min(60_000, Math.max(0, Number(url.searchParams.get("delayMs") ?? 100) || 0));
  res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store", ...headers });
  res.flushHeaders();
  let sent = 0;
  let timer: NodeJS.Timeout | undefined;
  const next = () => {
    if (res.destroyed) return;
    if (sent >= chunks) return void res.end();
    res.write(`chunk ${sent++}\n`);
    timer = setTimeout(next, delayMs);
  };
  res.once("close", () => clearTimeout(timer));
  next();
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
      ep = { key, uid: svc.metadata.uid!, port: 0, listening: false, ready: [], next: 0, busy: false, dirty: false, sockets: new Set() };
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
        if (req.url?.startsWith("/_stream")) {
          streamChunks(new URL(req.url, "http://kubesim"), res, { "X-Kubesim-Pod": pod });
          return;
        }
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
    server.on("upgrade", (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on("error", () => socket.destroy());
      const pod = ep.ready.length > 0 ? ep.ready[ep.next++ % ep.ready.length]! : undefined;
      if (!pod || !acceptEchoWebSocket(req, socket, head, { "X-Kubesim-Pod": pod })) {
        socket.end(`HTTP/1.1 ${pod ? "400 Bad Request" : "503 Service Unavailable"}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
        return;
      }
      ep.sockets.add(socket);
      socket.once("close", () => ep.sockets.delete(socket));
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
      for (const socket of ep.sockets) socket.destroy();
      ep.sockets.clear();
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.endpoints.values()].map((ep) => this.close(ep)));
    this.endpoints.clear();
  }
}
