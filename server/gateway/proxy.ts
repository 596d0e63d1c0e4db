// Forwarding one request (or WebSocket upgrade) to an upstream: hop-by-hop headers dropped, X-Forwarded-* set,
// bodies streamed both ways, connection refused before any body byte is sent retried (an endpoint opening).
import http from "node:http";
import type { Duplex } from "node:stream";

const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "expect"]);
const REFUSED_RETRY_EVERY_MS = 50;

export type Target = { host: string; port: number };

export type ForwardOptions = {
  /** Path (and query) to ask the upstream for. */
  path: string;
  /** The stripped path prefix (`/i/<key>`), sent as X-Forwarded-Prefix. */
  prefix?: string;
  /** Extra response headers (the cold-start ones). */
  responseHeaders?: Record<string, string>;
  /** Until when (epoch ms) a refused connection is retried: an endpoint that just woke may still be opening. */
  retryRefusedUntil?: number;
  /** Called on a refused connection past the retry window; returning true means the caller took the request over. */
  onRefused?: () => boolean;
};

function connectionTokens(headers: http.IncomingHttpHeaders): Set<string> {
  const c = headers.connection;
  return new Set((c ?? "").split(",").map((t) => t.trim().toLowerCase()).filter(Boolean));
}

function forwardedFor(req: http.IncomingMessage): string {
  const prior = req.headers["x-forwarded-for"];
  const ip = req.socket.remoteAddress ?? "";
  return prior ? `${Array.isArray(prior) ? prior.join(", ") : prior}, ${ip}` : ip;
}

/** The request headers to send upstream. */
export function upstreamRequestHeaders(req: http.IncomingMessage, opts: { prefix?: string; upgrade?: boolean }): http.OutgoingHttpHeaders {
  const drop = connectionTokens(req.headers);
  const out: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || drop.has(name)) continue;
    out[name] = value;
  }
  out["x-forwarded-for"] = forwardedFor(req);
  if (req.headers.host) out["x-forwarded-host"] = req.headers.host;
  out["x-forwarded-proto"] = (req.socket as { encrypted?: boolean }).encrypted ? "https" : "http";
  if (opts.prefix) out["x-forwarded-prefix"] = opts.prefix;
  if (opts.upgrade) {
    out.connection = "upgrade";
    out.upgrade = req.headers.upgrade ?? "websocket";
  }
  return out;
}

/** The upstream's response headers to pass to the client. */
export function clientResponseHeaders(res: http.IncomingMessage, extra?: Record<string, string>, keepUpgrade = false): http.OutgoingHttpHeaders {
  const drop = connectionTokens(res.headers);
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(res.headers)) {
    if (value === undefined) continue;
    if (keepUpgrade && (name === "connection" || name === "upgrade")) {
      out[name] = value;
      continue;
    }
    if (HOP_BY_HOP.has(name) || drop.has(name)) continue;
    out[name] = value;
  }
  return { ...out, ...extra };
}

function hasBody(req: http.IncomingMessage): boolean {
  const len = req.headers["content-length"];
  return req.headers["transfer-encoding"] !== undefined || (len !== undefined && len !== "0");
}

/** Answers with a small JSON body (unless the client already went away). */
export function sendJson(res: http.ServerResponse, status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) {
    if (!res.writableEnded) res.destroy();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Writes a whole HTTP response onto a raw socket (an upgrade request we do not forward) and closes it. */
export function sendRawJson(socket: Duplex, status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): void {
  if (socket.destroyed || !socket.writable) return;
  const text = JSON.stringify(body);
  const lines = [`HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ""}`, "content-type: application/json", `content-length: ${Buffer.byteLength(text)}`, "connection: close"];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  socket.end(`${lines.join("\r\n")}\r\n\r\n${text}`);
}

/**
 * Proxies one HTTP request; the returned promise resolves once the upstream connection is open (or the attempt
 * ended), so callers can dispatch a queue in order. Errors become 502 (or a reset once the response started).
 */
export function forwardRequest(req: http.IncomingMessage, res: http.ServerResponse, target: Target, agent: http.Agent, opts: ForwardOptions, onUpstreamError?: (err: Error) => void): Promise<void> {
  return new Promise((dispatched) => {
    let current: http.ClientRequest | undefined;
    let finished = false;
    res.once("close", () => {
      finished = true;
      if (!res.writableFinished) current?.destroy();
    });
    const headers = upstreamRequestHeaders(req, { prefix: opts.prefix });
    const withBody = hasBody(req);
    const attempt = () => {
      if (finished) return dispatched();
      let bodyStarted = false;
      const upReq = http.request({ host: target.host, port: target.port, method: req.method, path: opts.path, headers, agent });
      current = upReq;
      const startBody = () => {
        dispatched();
        if (!withBody || bodyStarted) return;
        bodyStarted = true;
        // Send the head now, so requests dispatched in order reach the upstream in order.
        upReq.flushHeaders();
        req.pipe(upReq);
      };
      upReq.once("socket", (s) => {
        if ((s as { connecting?: boolean }).connecting) s.once("connect", startBody);
        else startBody();
      });
      if (!withBody) upReq.end();
      upReq.on("response", (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, clientResponseHeaders(upRes, opts.responseHeaders));
        upRes.pipe(res);
        upRes.once("aborted", () => res.destroy());
        upRes.once("error", () => res.destroy());
      });
      upReq.on("error", (err: NodeJS.ErrnoException) => {
        if (finished) return dispatched();
        if (res.headersSent) {
          res.destroy();
          return dispatched();
        }
        if (!bodyStarted) {
          if (err.code === "ECONNREFUSED") {
            if (opts.retryRefusedUntil && Date.now() < opts.retryRefusedUntil) {
              setTimeout(attempt, REFUSED_RETRY_EVERY_MS);
              return;
            }
            if (opts.onRefused?.()) return dispatched();
          }
          // A kept-alive socket the upstream closed just as we reused it: nothing was sent, try a fresh one.
          if (err.code === "ECONNRESET" && upReq.reusedSocket) return attempt();
        }
        onUpstreamError?.(err);
        sendJson(res, 502, { error: "the instance did not answer" });
        dispatched();
      });
    };
    attempt();
  });
}

/** Proxies a WebSocket (or other) upgrade: forwards the request head, then pipes both sockets. */
export function forwardUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer, target: Target, opts: ForwardOptions, onOpen?: (upstream: Duplex) => void): Promise<void> {
  return new Promise((dispatched) => {
    const headers = upstreamRequestHeaders(req, { prefix: opts.prefix, upgrade: true });
    let gone = false;
    socket.once("close", () => (gone = true));
    const attempt = () => {
      if (gone) return dispatched();
      const upReq = http.request({ host: target.host, port: target.port, method: req.method, path: opts.path, headers, agent: false });
      upReq.once("socket", (s) => {
        if ((s as { connecting?: boolean }).connecting) s.once("connect", () => dispatched());
        else dispatched();
      });
      upReq.on("upgrade", (upRes, upSocket, upHead) => {
        if (gone) {
          upSocket.destroy();
          return;
        }
        const lines = [`HTTP/1.1 ${upRes.statusCode ?? 101} ${upRes.statusMessage ?? "Switching Protocols"}`];
        for (const [k, v] of Object.entries(clientResponseHeaders(upRes, opts.responseHeaders, true))) {
          for (const one of Array.isArray(v) ? v : [v]) lines.push(`${k}: ${String(one)}`);
        }
        socket.write(`${lines.join("\r\n")}\r\n\r\n`);
        if (upHead.length) socket.write(upHead);
        if (head.length) upSocket.write(head);
        upSocket.on("error", () => socket.destroy());
        socket.on("error", () => upSocket.destroy());
        upSocket.on("close", () => socket.destroy());
        socket.on("close", () => upSocket.destroy());
        upSocket.pipe(socket);
        socket.pipe(upSocket);
        onOpen?.(upSocket);
      });
      upReq.on("response", (upRes) => {
        // The upstream declined the upgrade: pass its answer on and close.
        const lines = [`HTTP/1.1 ${upRes.statusCode ?? 502} ${upRes.statusMessage ?? ""}`];
        for (const [k, v] of Object.entries(clientResponseHeaders(upRes, { ...opts.responseHeaders, connection: "close" }))) {
          for (const one of Array.isArray(v) ? v : [v]) lines.push(`${k}: ${String(one)}`);
        }
        socket.write(`${lines.join("\r\n")}\r\n\r\n`);
        upRes.pipe(socket);
      });
      upReq.on("error", (err: NodeJS.ErrnoException) => {
        if (err.code === "ECONNREFUSED") {
          if (opts.retryRefusedUntil && Date.now() < opts.retryRefusedUntil) {
            setTimeout(attempt, REFUSED_RETRY_EVERY_MS);
            return;
          }
          if (opts.onRefused?.()) return dispatched();
        }
        sendRawJson(socket, 502, { error: "the instance did not answer" });
        dispatched();
      });
      upReq.end();
    };
    attempt();
  });
}
