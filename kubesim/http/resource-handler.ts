// REST verbs on resources: list/watch/get/create/update/patch/delete/deletecollection, scale and
// status subresources, Table output and content negotiation of request bodies.
import type { IncomingMessage, ServerResponse } from "node:http";
import YAML from "yaml";
import { errors } from "../errors";
import { applyJsonPatch } from "../patch/json-patch";
import { applyMergePatch } from "../patch/merge-patch";
import type { DeleteOptions, ObjectService, PatchType, PropagationPolicy } from "../objects";
import { R, type ResourceDef, type Subresource } from "../resources";
import { parseFieldSelector, parseLabelSelector } from "../selectors";
import type { Store } from "../store";
import type { KObject, Loose, Timers } from "../types";
import { readBody, sendJson, sendRaw, successStatus, TABLE_CT, wantsTable } from "./respond";
import { toTable } from "./table";
import { serveWatch } from "./watch";

export interface ApiContext {
  store: Store;
  objects: ObjectService;
  timers: Timers;
}

type ResourceRoute = { res: ResourceDef; namespace?: string; name?: string; subresource?: string; watchPath: boolean };

function parseBody(text: string, contentType: string): Loose {
  if (/protobuf|cbor/i.test(contentType)) throw errors.unsupportedMediaType(contentType);
  if (!text.trim()) throw errors.badRequest("the body of the request was empty");
  try {
    return JSON.parse(text);
  } catch (e) {
    if (/yaml/i.test(contentType)) {
      try {
        return YAML.parse(text);
      } catch (ye) {
        throw errors.badRequest(`error decoding YAML: ${(ye as Error).message}`);
      }
    }
    throw errors.badRequest(`couldn't get version/kind; json parse error: ${(e as Error).message}`);
  }
}

function patchType(contentType: string): PatchType {
  const ct = contentType.split(";")[0]!.trim().toLowerCase();
  switch (ct) {
    case "application/json-patch+json":
      return "json";
    case "application/merge-patch+json":
      return "merge";
    case "application/strategic-merge-patch+json":
      return "strategic";
    case "application/apply-patch+yaml":
      return "apply";
    default:
      throw errors.unsupportedMediaType("patch");
  }
}

function flag(q: URLSearchParams, k: string): boolean {
  const v = q.get(k);
  return v === "true" || v === "1";
}

interface ContinueToken {
  rv: number;
  start: string;
}

function encodeContinue(t: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: "meta.k8s.io/v1", rv: t.rv, start: t.start })).toString("base64url");
}

function decodeContinue(s: string): ContinueToken {
  try {
    const t = JSON.parse(Buffer.from(s, "base64url").toString("utf8"));
    if (typeof t.start !== "string") throw new Error("bad");
    return { rv: Number(t.rv), start: t.start };
  } catch {
    throw errors.badRequest("continue key is not valid: illegal base64 data");
  }
}

function objKey(o: KObject): string {
  return `${o.metadata.namespace ?? ""}/${o.metadata.name}`;
}

function matcher(route: ResourceRoute, q: URLSearchParams): (o: KObject) => boolean {
  const labels = parseLabelSelector(q.get("labelSelector"));
  const fields = parseFieldSelector(q.get("fieldSelector"));
  return (o) => labels(o.metadata.labels) && (!fields || fields(o));
}

function list(ctx: ApiContext, req: IncomingMessage, res: ServerResponse, route: ResourceRoute, q: URLSearchParams): void {
  const match = matcher(route, q);
  let items = ctx.store.listSorted(route.res, route.namespace);
  const cont = q.get("continue");
  if (cont) {
    const t = decodeContinue(cont);
    let lo = 0;
    let hi = items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (objKey(items[mid]!) <= t.start) lo = mid + 1;
      else hi = mid;
    }
    items = items.slice(lo);
  }
  const filtered = q.has("labelSelector") || q.has("fieldSelector") ? items.filter(match) : items;
  const limit = Number(q.get("limit") ?? 0);
  let page = filtered;
  const meta: Record<string, unknown> = { resourceVersion: String(ctx.store.rv) };
  if (limit > 0 && filtered.length > limit) {
    page = filtered.slice(0, limit);
    meta.continue = encodeContinue({ rv: ctx.store.rv, start: objKey(page[page.length - 1]!) });
    meta.remainingItemCount = filtered.length - limit;
  }
  if (wantsTable(req)) {
    sendJson(res, 200, toTable(route.res, page, meta, q.get("includeObject") ?? "Metadata"), TABLE_CT);
    return;
  }
  const head = `{"kind":"${route.res.kind}List","apiVersion":"${route.res.groupVersion}","metadata":${JSON.stringify(meta)},"items":[`;
  const parts: string[] = new Array(page.length);
  for (let i = 0; i < page.length; i++) parts[i] = ctx.store.json(page[i]!);
  sendRaw(res, 200, head + parts.join(",") + "]}");
}

function sendObject(ctx: ApiContext, req: IncomingMessage, res: ServerResponse, route: ResourceRoute, code: number, obj: KObject, q: URLSearchParams): void {
  if (wantsTable(req) && obj.kind === route.res.kind) {
    sendJson(res, code, toTable(route.res, [obj], { resourceVersion: obj.metadata.resourceVersion }, q.get("includeObject") ?? "Metadata"), TABLE_CT);
    return;
  }
  sendRaw(res, code, obj.metadata.resourceVersion ? ctx.store.json(obj) : JSON.stringify(obj));
}

function deleteOptions(body: Loose, q: URLSearchParams): DeleteOptions {
  const o: DeleteOptions = {};
  const b = body && typeof body === "object" ? body : {};
  const policy = (q.get("propagationPolicy") ?? b.propagationPolicy) as PropagationPolicy | undefined;
  if (b.orphanDependents === true) o.propagationPolicy = "Orphan";
  if (policy) {
    if (!["Orphan", "Background", "Foreground"].includes(policy))
      throw errors.badRequest(`DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan", "nil"`);
    o.propagationPolicy = policy;
  }
  const grace = q.get("gracePeriodSeconds") ?? b.gracePeriodSeconds;
  if (grace !== undefined && grace !== null) o.gracePeriodSeconds = Number(grace);
  if (b.preconditions) o.preconditions = b.preconditions;
  if (q.get("dryRun") === "All" || (Array.isArray(b.dryRun) && b.dryRun.includes("All"))) o.dryRun = true;
  return o;
}

export async function handleResource(ctx: ApiContext, req: IncomingMessage, res: ServerResponse, route: ResourceRoute, q: URLSearchParams): Promise<void> {
  const method = req.method ?? "GET";
  const { res: rdef, namespace, name, subresource } = route;
  if (subresource && subresource !== "finalize" && !rdef.subresources.includes(subresource as Subresource)) throw errors.pathNotFound();
  if (rdef.namespaced && name !== undefined && namespace === undefined) throw errors.pathNotFound();
  const dryRun = q.get("dryRun") === "All";
  const fieldManager = q.get("fieldManager") ?? undefined;
  const objects = ctx.objects;

  if (name === undefined) {
    if (method === "GET") {
      if (route.watchPath || flag(q, "watch")) {
        const match = matcher(route, q);
        serveWatch(ctx.store, req, res, {
          res: rdef,
          namespace,
          match,
          resourceVersion: q.get("resourceVersion") ?? undefined,
          bookmarks: flag(q, "allowWatchBookmarks"),
          bookmarkMs: ctx.timers.bookmarkMs,
          timeoutSeconds: q.has("timeoutSeconds") ? Number(q.get("timeoutSeconds")) : undefined,
          table: wantsTable(req),
          includeObject: q.get("includeObject") ?? "Metadata",
        });
        return;
      }
      list(ctx, req, res, route, q);
      return;
    }
    if (method === "POST") {
      const body = parseBody(await readBody(req), req.headers["content-type"] ?? "application/json");
      if (body?.kind && body.kind !== rdef.kind) throw errors.badRequest(`the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${rdef.groupVersion})`);
      const obj = objects.create(rdef, namespace, body, { dryRun, fieldManager });
      sendObject(ctx, req, res, route, dryRun ? 200 : 201, obj, q);
      return;
    }
    if (method === "DELETE") {
      const text = await readBody(req);
      const opts = deleteOptions(text.trim() ? parseBody(text, req.headers["content-type"] ?? "application/json") : {}, q);
      const match = matcher(route, q);
      const deleted: KObject[] = [];
      for (const o of ctx.store.listSorted(rdef, namespace)) {
        if (!match(o)) continue;
        try {
          deleted.push(objects.delete(rdef, o.metadata.namespace, o.metadata.name!, opts).obj);
        } catch {
          // already gone: deletecollection is best effort per item
        }
      }
      sendJson(res, 200, { kind: `${rdef.kind}List`, apiVersion: rdef.groupVersion, metadata: { resourceVersion: String(ctx.store.rv) }, items: deleted });
      return;
    }
    throw errors.methodNotAllowed();
  }

  if (rdef === R.pods && (subresource === "log" || subresource === "eviction" || subresource === "binding")) {
    await handlePodSubresource(ctx, req, res, namespace!, name, subresource, q);
    return;
  }

  if (subresource === "scale") {
    if (method === "GET") {
      sendJson(res, 200, objects.toScale(rdef, objects.get(rdef, namespace, name)));
      return;
    }
    if (method === "PUT") {
      const body = parseBody(await readBody(req), req.headers["content-type"] ?? "application/json");
      sendJson(res, 200, objects.writeScale(rdef, namespace, name, body, { dryRun, fieldManager }));
      return;
    }
    if (method === "PATCH") {
      const type = patchType(req.headers["content-type"] ?? "");
      const body = parseBody(await readBody(req), req.headers["content-type"] ?? "");
      const current = objects.toScale(rdef, objects.get(rdef, namespace, name));
      const patched = type === "json" ? applyJsonPatch(current, body) : applyMergePatch(current, body);
      if (type !== "json" && patched.metadata) delete patched.metadata.resourceVersion;
      sendJson(res, 200, objects.writeScale(rdef, namespace, name, patched, { dryRun, fieldManager }));
      return;
    }
    throw errors.methodNotAllowed();
  }

  const sub = subresource === "status" ? "status" : undefined;
  switch (method) {
    case "GET":
      sendObject(ctx, req, res, route, 200, objects.get(rdef, namespace, name), q);
      return;
    case "PUT": {
      const body = parseBody(await readBody(req), req.headers["content-type"] ?? "application/json");
      if (rdef === R.namespaces && subresource === "finalize") {
        sendObject(ctx, req, res, route, 200, objects.get(rdef, undefined, name), q);
        return;
      }
      const obj = objects.update(rdef, namespace, name, body, { dryRun, fieldManager, subresource: sub });
      sendObject(ctx, req, res, route, 200, obj, q);
      return;
    }
    case "PATCH": {
      const ct = req.headers["content-type"] ?? "";
      const type = patchType(ct);
      const body = parseBody(await readBody(req), ct);
      const { obj, created } = objects.patch(rdef, namespace, name, type, body, { dryRun, fieldManager, subresource: sub, force: flag(q, "force") });
      sendObject(ctx, req, res, route, created ? 201 : 200, obj, q);
      return;
    }
    case "DELETE": {
      const text = await readBody(req);
      const opts = deleteOptions(text.trim() ? parseBody(text, req.headers["content-type"] ?? "application/json") : {}, q);
      const { obj, pending } = objects.delete(rdef, namespace, name, opts);
      if (pending || opts.dryRun) sendObject(ctx, req, res, route, 200, obj, q);
      else {
        const details: Record<string, unknown> = { name };
        if (rdef.group) details.group = rdef.group;
        details.kind = rdef.plural;
        details.uid = obj.metadata.uid;
        sendJson(res, 200, successStatus(details));
      }
      return;
    }
    default:
      throw errors.methodNotAllowed();
  }
}

/** pods/log (a synthetic log of what the kubelet did), pods/eviction (kubectl drain) and pods/binding. */
async function handlePodSubresource(ctx: ApiContext, req: IncomingMessage, res: ServerResponse, ns: string, name: string, sub: string, q: URLSearchParams): Promise<void> {
  const pod = ctx.objects.get(R.pods, ns, name);
  const method = req.method ?? "GET";
  if (sub === "log") {
    if (method !== "GET") throw errors.methodNotAllowed();
    const containers: Loose[] = pod.spec?.containers ?? [];
    const wanted = q.get("container") ?? (containers.length === 1 ? containers[0].name : undefined);
    if (!wanted) throw errors.badRequest(`a container name must be specified for pod ${name}, choose one of: [${containers.map((c) => c.name).join(" ")}]`);
    const c = containers.find((x) => x.name === wanted);
    if (!c) throw errors.badRequest(`container ${wanted} is not valid for pod ${name}`);
    const st = ((pod.status?.containerStatuses ?? []) as Loose[]).find((x) => x.name === wanted);
    if (!st?.state?.running && !st?.lastState?.terminated)
      throw errors.badRequest(`container "${wanted}" in pod "${name}" is waiting to start: ${st?.state?.waiting?.reason ?? "ContainerCreating"}`);
    const started = st?.state?.running?.startedAt ?? st?.lastState?.terminated?.startedAt ?? pod.status?.startTime;
    const lines = [
      `${started} kubesim: simulated container ${wanted} (image ${c.image}) started on node ${pod.spec?.nodeName}`,
      `${started} kubesim: restart count ${st?.restartCount ?? 0}`,
    ];
    if (st?.state?.waiting?.reason === "CrashLoopBackOff") lines.push(`${st.lastState?.terminated?.finishedAt ?? started} kubesim: container exited with code ${st.lastState?.terminated?.exitCode ?? 1}`);
    const tail = q.has("tailLines") ? Number(q.get("tailLines")) : undefined;
    const out = tail !== undefined ? lines.slice(-tail) : lines;
    sendRaw(res, 200, out.join("\n") + "\n", "text/plain");
    return;
  }
  if (method !== "POST") throw errors.methodNotAllowed();
  const body = parseBody(await readBody(req), req.headers["content-type"] ?? "application/json");
  if (sub === "eviction") {
    ctx.objects.delete(R.pods, ns, name, deleteOptions(body?.deleteOptions ?? {}, new URLSearchParams()));
    sendJson(res, 201, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 });
    return;
  }
  const node = body?.target?.name;
  if (!node) throw errors.badRequest("binding needs target.name");
  if (pod.spec?.nodeName) throw errors.conflict(R.pods, name, `pod ${name} is already assigned to node "${pod.spec.nodeName}"`);
  const next = { ...pod, spec: { ...pod.spec, nodeName: node }, status: { ...pod.status, conditions: [...((pod.status?.conditions ?? []) as Loose[]).filter((x) => x.type !== "PodScheduled"), { type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: new Date().toISOString().replace(/\.\d{3}Z$/, "Z") }] } };
  ctx.objects.update(R.pods, ns, name, next, { internal: true });
  sendJson(res, 201, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 });
}
