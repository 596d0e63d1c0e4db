// The HTTP front of one simulated cluster: auth, injected API faults (errors, latency), routing to
// discovery, OpenAPI, resources and the admin API under /_kubesim/.
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { errors } from "../errors";
import type { Faults } from "../faults";
import { aggregatedDiscovery, apiGroup, apiGroupList, apiVersions, resourceList, versionInfo } from "./discovery";
import { openapiDocument, openapiIndex } from "./openapi";
import { handleResource, type ApiContext } from "./resource-handler";
import { AGG_DISCOVERY_CT, sendError, sendJson, sendRaw, wantsAggregatedDiscovery } from "./respond";
import { parseRoute } from "./router";

export type AdminHandler = (req: IncomingMessage, res: ServerResponse, path: string, url: URL, cluster?: string) => Promise<void>;

export interface ClusterFront {
  name: string;
  token: string;
  api: ApiContext;
  faults: Faults;
  port(): number;
  logRequests: boolean;
}

export function createApiHandler(cluster: ClusterFront, admin: AdminHandler): RequestListener {
  return (req, res) => {
    const started = Date.now();
    if (cluster.logRequests) {
      res.on("finish", () => console.error(`[kubesim ${cluster.name}] ${req.method} ${req.url} ${res.statusCode} ${Date.now() - started}ms`));
    }
    void serve(cluster, admin, req, res).catch((e) => sendError(res, e));
  };
}

async function serve(cluster: ClusterFront, admin: AdminHandler, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  const route = parseRoute(url.pathname);
  if (route.type === "admin") return admin(req, res, route.path, url, cluster.name);

  const auth = req.headers.authorization;
  if (auth && /^bearer\s+/i.test(auth) && auth.replace(/^bearer\s+/i, "").trim() !== cluster.token) throw errors.unauthorized();

  const latency = cluster.faults.latencyMs();
  if (latency > 0) await new Promise((r) => setTimeout(r, latency));
  const injected = cluster.faults.apiError();
  if (injected) throw injected;

  const q = url.searchParams;
  switch (route.type) {
    case "version":
      return sendJson(res, 200, versionInfo());
    case "health":
      return sendRaw(res, 200, "ok", "text/plain; charset=utf-8");
    case "apiVersions":
      if (wantsAggregatedDiscovery(req)) return sendJson(res, 200, aggregatedDiscovery(true), AGG_DISCOVERY_CT);
      return sendJson(res, 200, apiVersions(cluster.port()));
    case "apiGroups":
      if (wantsAggregatedDiscovery(req)) return sendJson(res, 200, aggregatedDiscovery(false), AGG_DISCOVERY_CT);
      return sendJson(res, 200, apiGroupList());
    case "group": {
      const g = apiGroup(route.group);
      if (!g) throw errors.pathNotFound();
      return sendJson(res, 200, g);
    }
    case "resourceList": {
      const l = resourceList(route.group, route.version);
      if (!l) throw errors.pathNotFound();
      return sendJson(res, 200, l);
    }
    case "openapi": {
      if (route.path === "v3") return sendJson(res, 200, openapiIndex());
      if (route.path.startsWith("v3/")) {
        const doc = openapiDocument(route.path.slice(3));
        if (doc) return sendRaw(res, 200, doc);
      }
      throw errors.pathNotFound();
    }
    case "resource":
      return handleResource(cluster.api, req, res, route, q);
    default:
      throw errors.pathNotFound();
  }
}
