// Admin HTTP API (/_kubesim/...) on its own port and under each cluster port: inspection, node down/up,
// faults, partitions, watch-history compaction and saving state. See kubesim/README.md.
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { AdminClusterInfo } from "./admin-client";
import type { SimCluster } from "./cluster";
import { ApiError, errors } from "./errors";
import type { FaultSpec } from "./faults";
import { readBody, sendError, sendJson } from "./http/respond";
import { R } from "./resources";
import type { Loose, NodeSpec } from "./types";

export interface AdminHost {
  clusters: SimCluster[];
  save(): Promise<void>;
}

function info(c: SimCluster): AdminClusterInfo {
  let objects = 0;
  for (const list of Object.values(c.store.dump())) objects += list.length;
  return {
    name: c.name,
    region: c.region,
    url: `http://127.0.0.1:${c.port}`,
    port: c.port,
    partitioned: c.partitioned,
    resourceVersion: c.store.rv,
    objects,
    watchers: c.store.watcherCount(),
    nodes: c.store.listSorted(R.nodes).map((n) => ({
      name: n.metadata.name!,
      down: c.ctx.downNodes.has(n.metadata.name!),
      ready: (n.status?.conditions ?? []).some((x: Loose) => x.type === "Ready" && x.status === "True"),
    })),
    faults: c.faults.all(),
  };
}

async function jsonBody(req: IncomingMessage): Promise<Loose> {
  const text = await readBody(req);
  if (!text.trim()) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw errors.badRequest("admin API bodies are JSON");
  }
}

const CLUSTER_LOCAL = /^\/(nodes|faults|partition|heal|compact|close-watches)(\/|$)/;

export function createAdminHandler(host: AdminHost) {
  return async (req: IncomingMessage, res: ServerResponse, pathIn: string, _url: URL, fromCluster?: string): Promise<void> => {
    try {
      let path = pathIn;
      if (fromCluster && CLUSTER_LOCAL.test(path)) path = `/clusters/${encodeURIComponent(fromCluster)}${path}`;
      const method = req.method ?? "GET";
      if (path === "/" || path === "/clusters") {
        if (method !== "GET") throw errors.methodNotAllowed();
        return sendJson(res, 200, { clusters: host.clusters.map(info) });
      }
      if (path === "/healthz") return sendJson(res, 200, { ok: true });
      if (path === "/save" && method === "POST") {
        await host.save();
        return sendJson(res, 200, { ok: true });
      }
      const m = /^\/clusters\/([^/]+)(\/.*)?$/.exec(path);
      if (!m) throw errors.pathNotFound();
      const cluster = host.clusters.find((c) => c.name === decodeURIComponent(m[1]!));
      if (!cluster) throw new ApiError(404, "NotFound", `cluster "${decodeURIComponent(m[1]!)}" not found`);
      const rest = m[2] ?? "";
      let mm: RegExpExecArray | null;
      if (rest === "" && method === "GET") return sendJson(res, 200, info(cluster));
      if ((mm = /^\/nodes\/([^/]+)\/(down|up)$/.exec(rest)) && method === "POST") {
        const node = decodeURIComponent(mm[1]!);
        if (!cluster.store.get(R.nodes, undefined, node)) throw errors.notFound(R.nodes, node);
        cluster.nodes.setDown(node, mm[2] === "down");
        return sendJson(res, 200, { ok: true });
      }
      if (rest === "/nodes" && method === "POST") {
        const spec = (await jsonBody(req)) as NodeSpec;
        if (!spec.name || spec.cpu === undefined || !spec.memory) throw errors.badRequest("node needs name, cpu and memory");
        const node = cluster.nodes.addNode(spec);
        return sendJson(res, 201, node);
      }
      if ((mm = /^\/nodes\/([^/]+)$/.exec(rest)) && method === "DELETE") {
        const node = decodeURIComponent(mm[1]!);
        if (!cluster.store.get(R.nodes, undefined, node)) throw errors.notFound(R.nodes, node);
        cluster.nodes.removeNode(node);
        return sendJson(res, 200, { ok: true });
      }
      if (rest === "/faults") {
        if (method === "GET") return sendJson(res, 200, { faults: cluster.faults.all() });
        if (method === "POST") return sendJson(res, 201, cluster.faults.add((await jsonBody(req)) as FaultSpec));
        if (method === "DELETE") {
          cluster.faults.clear();
          return sendJson(res, 200, { ok: true });
        }
      }
      if ((mm = /^\/faults\/([^/]+)$/.exec(rest)) && method === "DELETE") {
        if (!cluster.faults.remove(decodeURIComponent(mm[1]!))) throw new ApiError(404, "NotFound", "fault not found");
        return sendJson(res, 200, { ok: true });
      }
      if (rest === "/partition" && method === "POST") {
        // Answer first: the request may have come in through the port being closed.
        sendJson(res, 200, { ok: true });
        await new Promise((r) => setImmediate(r));
        await cluster.partition();
        return;
      }
      if (rest === "/heal" && method === "POST") {
        await cluster.heal();
        return sendJson(res, 200, { ok: true });
      }
      if (rest === "/close-watches" && method === "POST") {
        return sendJson(res, 200, { ok: true, closed: cluster.store.closeWatches() });
      }
      if (rest === "/compact" && method === "POST") {
        cluster.store.compact();
        return sendJson(res, 200, { ok: true, resourceVersion: cluster.store.rv });
      }
      throw errors.pathNotFound();
    } catch (e) {
      sendError(res, e);
    }
  };
}

/** The admin API on its own port. */
export async function startAdminServer(host: AdminHost, port: number): Promise<{ server: http.Server; port: number }> {
  const handler = createAdminHandler(host);
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const path = url.pathname.startsWith("/_kubesim") ? url.pathname.slice("/_kubesim".length) || "/" : url.pathname;
    void handler(req, res, path, url);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  return { server, port: (server.address() as AddressInfo).port };
}
