// Watch streams: newline-delimited JSON events with headers flushed at once, resourceVersion replay
// from the store's bounded history (410 Expired as an ERROR event), bookmarks and timeoutSeconds.
import type { IncomingMessage, ServerResponse } from "node:http";
import { errors } from "../errors";
import type { ResourceDef } from "../resources";
import type { Store, StoreEvent, Watcher } from "../store";
import type { KObject } from "../types";
import { toTable } from "./table";

export interface WatchParams {
  res: ResourceDef;
  namespace?: string;
  match: (o: KObject) => boolean;
  resourceVersion?: string;
  bookmarks: boolean;
  bookmarkMs: number;
  timeoutSeconds?: number;
  table: boolean;
  includeObject: string;
}

export function serveWatch(store: Store, req: IncomingMessage, res: ServerResponse, p: WatchParams): void {
  res.writeHead(200, {
    "Content-Type": "application/json",
    "Cache-Control": "no-cache, private",
    "Transfer-Encoding": "chunked",
  });
  res.flushHeaders();
  let first = true;
  let closed = false;

  const line = (type: string, obj: KObject) => {
    if (closed) return;
    let objJson: string;
    if (p.table && type !== "ERROR" && type !== "BOOKMARK") {
      objJson = JSON.stringify(toTable(p.res, [obj], { resourceVersion: obj.metadata.resourceVersion }, p.includeObject, first));
      first = false;
    } else objJson = store.json(obj);
    res.write(`{"type":"${type}","object":${objJson}}\n`);
  };

  const send = (ev: StoreEvent) => {
    const now = p.match(ev.obj);
    if (ev.type === "ADDED") {
      if (now) line("ADDED", ev.obj);
    } else if (ev.type === "MODIFIED") {
      const before = ev.prev ? p.match(ev.prev) : false;
      if (now && before) line("MODIFIED", ev.obj);
      else if (now) line("ADDED", ev.obj);
      else if (before) line("DELETED", ev.obj);
    } else if (now || (ev.prev && p.match(ev.prev))) line("DELETED", ev.obj);
  };

  const timers: NodeJS.Timeout[] = [];
  const watcher: Watcher = { namespace: p.namespace, deliver: send, close: () => close() };
  const close = () => {
    if (closed) return;
    closed = true;
    store.removeWatcher(p.res, watcher);
    for (const t of timers) {
      clearTimeout(t);
      clearInterval(t);
    }
    res.end();
  };
  req.on("close", close);
  res.on("close", close);

  const rvParam = p.resourceVersion;
  if (!rvParam || rvParam === "0") {
    for (const o of store.listSorted(p.res, p.namespace)) if (p.match(o)) line("ADDED", o);
  } else {
    const from = Number(rvParam);
    if (!Number.isFinite(from)) {
      const err = errors.badRequest(`invalid resource version: ${rvParam}`);
      line("ERROR", err.toStatus() as unknown as KObject);
      close();
      return;
    }
    if (from < store.rv) {
      const events = store.eventsSince(p.res, from);
      if (!events) {
        line("ERROR", errors.expired(from, store.oldestResumableRv + 1).toStatus() as unknown as KObject);
        close();
        return;
      }
      for (const ev of events) if (p.namespace === undefined || ev.obj.metadata.namespace === p.namespace) send(ev);
    }
  }
  store.addWatcher(p.res, watcher);

  if (p.bookmarks) {
    const kind = p.res.kind;
    const apiVersion = p.res.groupVersion;
    timers.push(
      setInterval(() => {
        if (closed) return;
        res.write(`{"type":"BOOKMARK","object":${JSON.stringify({ kind, apiVersion, metadata: { resourceVersion: String(store.rv) } })}}\n`);
      }, p.bookmarkMs),
    );
  }
  // Like the API server, end long watches so clients re-establish them (default 30–60 minutes).
  const timeoutMs = p.timeoutSeconds !== undefined ? p.timeoutSeconds * 1000 : 1_800_000 * (1 + Math.random());
  timers.push(setTimeout(close, timeoutMs));
}
