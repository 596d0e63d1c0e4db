// Strategic merge patch: like a merge patch, but lists of containers, ports, env, volumes … merge by
// their key, and the `$patch`, `$retainKeys`, `$setElementOrder`, `$deleteFromPrimitiveList` directives
// kubectl sends are honoured. Also the merge used by server-side apply.
import type { Loose } from "../types";
import { clone, isPlainObject } from "../util/json";

/** Merge keys of the built-in types, by field name (what `patchMergeKey` says in the Go structs). */
const MERGE_KEYS: Record<string, string> = {
  containers: "name",
  initContainers: "name",
  ephemeralContainers: "name",
  volumes: "name",
  env: "name",
  imagePullSecrets: "name",
  resourceClaims: "name",
  volumeMounts: "mountPath",
  volumeDevices: "devicePath",
  conditions: "type",
  ownerReferences: "uid",
  hostAliases: "ip",
  topologySpreadConstraints: "topologyKey",
  volumeClaimTemplates: "metadata.name",
};

/** Primitive lists whose patch strategy is merge (set union), not replace. */
const PRIMITIVE_MERGE = new Set(["finalizers"]);

const DELETE = Symbol("delete");

export function mergeKeyFor(field: string, ...lists: Loose[][]): string | undefined {
  if (field === "ports") {
    // Container ports merge on containerPort, Service ports on port.
    for (const l of lists) for (const it of l ?? []) if (isPlainObject(it) && "containerPort" in it) return "containerPort";
    return "port";
  }
  return MERGE_KEYS[field];
}

export function isPrimitiveMergeList(field: string): boolean {
  return PRIMITIVE_MERGE.has(field);
}

export function keyOf(item: Loose, key: string): Loose {
  if (!isPlainObject(item)) return undefined;
  if (key === "metadata.name") return item.metadata?.name;
  return item[key];
}

function sameKey(a: Loose, b: Loose): boolean {
  return a !== undefined && JSON.stringify(a) === JSON.stringify(b);
}

function mergeMap(orig: Loose, patch: Record<string, Loose>): Loose {
  if (patch.$patch === "replace") {
    const rest = { ...patch };
    delete rest.$patch;
    return mergeMap({}, rest);
  }
  if (patch.$patch === "delete") return DELETE;
  const out: Record<string, Loose> = isPlainObject(orig) ? { ...orig } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith("$")) continue;
    if (v === null) {
      delete out[k];
    } else if (isPlainObject(v)) {
      const r = mergeMap(out[k], v);
      if (r === DELETE) delete out[k];
      else out[k] = r;
    } else if (Array.isArray(v)) {
      out[k] = mergeList(Array.isArray(out[k]) ? out[k] : [], v, k);
    } else out[k] = v;
  }
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith("$deleteFromPrimitiveList/")) {
      const field = k.slice("$deleteFromPrimitiveList/".length);
      if (Array.isArray(out[field]) && Array.isArray(v)) out[field] = out[field].filter((x: Loose) => !v.includes(x));
    } else if (k.startsWith("$setElementOrder/")) {
      const field = k.slice("$setElementOrder/".length);
      if (Array.isArray(out[field]) && Array.isArray(v)) out[field] = reorder(out[field], v, field);
    }
  }
  if (Array.isArray(patch.$retainKeys)) {
    const keep = new Set<string>(patch.$retainKeys);
    for (const k of Object.keys(out)) if (!keep.has(k)) delete out[k];
  }
  return out;
}

function reorder(list: Loose[], order: Loose[], field: string): Loose[] {
  const key = mergeKeyFor(field, list, order);
  const ident = (x: Loose) => JSON.stringify(key && isPlainObject(x) ? keyOf(x, key) : x);
  const pos = new Map<string, number>();
  order.forEach((o, i) => pos.set(ident(o), i));
  const inOrder = list.filter((x) => pos.has(ident(x))).sort((a, b) => pos.get(ident(a))! - pos.get(ident(b))!);
  const rest = list.filter((x) => !pos.has(ident(x)));
  return [...inOrder, ...rest];
}

function mergeList(orig: Loose[], patch: Loose[], field: string): Loose[] {
  if (patch.some((it) => isPlainObject(it) && it.$patch === "replace")) {
    return patch.filter((it) => !(isPlainObject(it) && it.$patch === "replace")).map((it) => (isPlainObject(it) ? mergeMap({}, it) : clone(it)));
  }
  const key = mergeKeyFor(field, orig, patch);
  if (key && patch.every((it) => isPlainObject(it))) {
    const out = orig.slice();
    for (const item of patch) {
      const k = keyOf(item, key);
      const idx = out.findIndex((o) => sameKey(keyOf(o, key), k));
      if (item.$patch === "delete") {
        if (idx >= 0) out.splice(idx, 1);
        continue;
      }
      if (idx >= 0) out[idx] = mergeMap(out[idx], item);
      else out.push(mergeMap({}, item));
    }
    return out;
  }
  if (PRIMITIVE_MERGE.has(field)) {
    const out = orig.slice();
    for (const v of patch) if (!out.includes(v)) out.push(v);
    return out;
  }
  return patch.map((it) => (isPlainObject(it) ? mergeMap({}, it) : clone(it)));
}

export function applyStrategicMergePatch(target: Loose, patch: Loose): Loose {
  if (!isPlainObject(patch)) return clone(patch);
  const r = mergeMap(clone(target), patch);
  return r === DELETE ? {} : r;
}
