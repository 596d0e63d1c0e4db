// Parsing Kubernetes REST paths (/api/v1/namespaces/ns/pods/name/status, /apis/apps/v1/...) into routes.
import { findResource, R, type ResourceDef } from "../resources";

export type Route =
  | { type: "version" }
  | { type: "apiVersions" }
  | { type: "apiGroups" }
  | { type: "resourceList"; group: string; version: string }
  | { type: "group"; group: string }
  | { type: "openapi"; path: string }
  | { type: "health" }
  | { type: "admin"; path: string }
  | {
      type: "resource";
      res: ResourceDef;
      namespace?: string;
      name?: string;
      subresource?: string;
      watchPath: boolean;
    }
  | { type: "notFound" };

export function parseRoute(pathname: string): Route {
  if (pathname.startsWith("/_kubesim/") || pathname === "/_kubesim") return { type: "admin", path: pathname.slice("/_kubesim".length) || "/" };
  const parts = pathname.split("/").filter((p) => p.length > 0).map(decodeURIComponent);
  if (parts.length === 0) return { type: "notFound" };
  const head = parts[0];
  if (head === "version" && parts.length === 1) return { type: "version" };
  if (head === "healthz" || head === "livez" || head === "readyz") return { type: "health" };
  if (head === "openapi") return { type: "openapi", path: parts.slice(1).join("/") };
  let group: string;
  let version: string | undefined;
  let rest: string[];
  if (head === "api") {
    if (parts.length === 1) return { type: "apiVersions" };
    group = "";
    version = parts[1];
    rest = parts.slice(2);
  } else if (head === "apis") {
    if (parts.length === 1) return { type: "apiGroups" };
    group = parts[1]!;
    if (parts.length === 2) return { type: "group", group };
    version = parts[2];
    rest = parts.slice(3);
  } else return { type: "notFound" };
  if (!version) return { type: "notFound" };
  if (rest.length === 0) return { type: "resourceList", group, version };
  let watchPath = false;
  if (rest[0] === "watch") {
    watchPath = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  // /namespaces/{ns}/{resource}/... unless it addresses the namespace object itself.
  if (rest[0] === "namespaces" && rest.length >= 3 && group === "" && !(rest.length === 3 && (rest[2] === "status" || rest[2] === "finalize"))) {
    namespace = rest[1];
    rest = rest.slice(2);
  } else if (rest[0] === "namespaces" && rest.length >= 3 && group !== "") {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const res = findResource(group, version, rest[0]!);
  if (!res) return { type: "notFound" };
  if (namespace !== undefined && !res.namespaced) return { type: "notFound" };
  const name = rest[1];
  const subresource = rest[2];
  if (rest.length > 3) return { type: "notFound" };
  if (res === R.namespaces && subresource === "finalize") return { type: "resource", res, name, subresource, watchPath };
  return { type: "resource", res, namespace, name, subresource, watchPath };
}
