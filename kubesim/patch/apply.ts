// Server-side apply: field sets (managedFields FieldsV1) of applied configurations, the merge of an
// applied configuration into the live object, and removal of fields a manager stopped applying.
import type { KObject, Loose } from "../types";
import { clone, isPlainObject, nowIso } from "../util/json";
import { applyStrategicMergePatch, isPrimitiveMergeList, keyOf, mergeKeyFor } from "./strategic-merge";

export type FieldTree = { [k: string]: FieldTree };

const SKIP_TOP = new Set(["apiVersion", "kind", "status"]);
const SKIP_META = new Set(["name", "namespace", "uid", "resourceVersion", "creationTimestamp", "generation", "managedFields", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"]);

function keyEntry(item: Loose, key: string): string {
  const name = key === "metadata.name" ? "metadata" : key;
  const value = key === "metadata.name" ? { name: keyOf(item, key) } : keyOf(item, key);
  return `k:${JSON.stringify({ [name]: value })}`;
}

function treeOfMap(map: Record<string, Loose>, skip?: Set<string>): FieldTree {
  const t: FieldTree = {};
  for (const [k, v] of Object.entries(map)) {
    if (v === undefined || (skip && skip.has(k))) continue;
    const entry = `f:${k}`;
    if (isPlainObject(v)) t[entry] = treeOfMap(v);
    else if (Array.isArray(v)) {
      const key = mergeKeyFor(k, v);
      if (key && v.every((it) => isPlainObject(it) && keyOf(it, key) !== undefined)) {
        const sub: FieldTree = {};
        for (const it of v) sub[keyEntry(it, key)] = { ".": {}, ...treeOfMap(it) };
        t[entry] = sub;
      } else if (isPrimitiveMergeList(k)) {
        const sub: FieldTree = {};
        for (const it of v) sub[`v:${JSON.stringify(it)}`] = {};
        t[entry] = sub;
      } else t[entry] = {};
    } else t[entry] = {};
  }
  return t;
}

/** The field set an object (an applied configuration or an update body) sets, as FieldsV1. */
export function fieldsOf(obj: KObject): FieldTree {
  const t: FieldTree = {};
  for (const [k, v] of Object.entries(obj)) {
    if (SKIP_TOP.has(k) || v === undefined) continue;
    if (k === "metadata" && isPlainObject(v)) {
      const m = treeOfMap(v, SKIP_META);
      if (Object.keys(m).length) t["f:metadata"] = m;
    } else if (isPlainObject(v)) t[`f:${k}`] = treeOfMap(v);
    else t[`f:${k}`] = {};
  }
  return t;
}

function changedInMap(before: Loose, after: Record<string, Loose>, skip?: Set<string>): FieldTree {
  const t: FieldTree = {};
  const prev: Record<string, Loose> = isPlainObject(before) ? before : {};
  for (const [k, v] of Object.entries(after)) {
    if (v === undefined || (skip && skip.has(k))) continue;
    const old = prev[k];
    if (JSON.stringify(old) === JSON.stringify(v)) continue;
    const entry = `f:${k}`;
    if (isPlainObject(v) && isPlainObject(old)) {
      const sub = changedInMap(old, v);
      t[entry] = Object.keys(sub).length ? sub : {};
    } else if (isPlainObject(v)) t[entry] = treeOfMap(v);
    else if (Array.isArray(v)) {
      const key = mergeKeyFor(k, v);
      if (key && Array.isArray(old) && v.every((it) => isPlainObject(it) && keyOf(it, key) !== undefined)) {
        const sub: FieldTree = {};
        for (const it of v) {
          const was = old.find((o: Loose) => JSON.stringify(keyOf(o, key)) === JSON.stringify(keyOf(it, key)));
          if (!was) sub[keyEntry(it, key)] = { ".": {}, ...treeOfMap(it) };
          else if (JSON.stringify(was) !== JSON.stringify(it)) sub[keyEntry(it, key)] = changedInMap(was, it);
        }
        t[entry] = sub;
      } else t[entry] = treeOfMap({ [k]: v })[entry] ?? {};
    } else t[entry] = {};
  }
  return t;
}

/** The fields an update changed (what an Update operation's managedFields entry records). */
export function changedFields(before: KObject, after: KObject): FieldTree {
  const t: FieldTree = {};
  for (const [k, v] of Object.entries(after)) {
    if (SKIP_TOP.has(k) || v === undefined) continue;
    const old = (before as Loose)[k];
    if (JSON.stringify(old) === JSON.stringify(v)) continue;
    if (k === "metadata" && isPlainObject(v)) {
      const m = changedInMap(old, v, SKIP_META);
      if (Object.keys(m).length) t["f:metadata"] = m;
    } else if (isPlainObject(v)) t[`f:${k}`] = changedInMap(old, v);
    else t[`f:${k}`] = {};
  }
  return t;
}

export function unionTrees(a: FieldTree, b: FieldTree): FieldTree {
  const out: FieldTree = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = out[k] ? unionTrees(out[k], v) : v;
  return out;
}

function removeStaleInList(list: Loose[], field: string, oldT: FieldTree, newT: FieldTree, others: FieldTree[]): Loose[] {
  let out = list;
  const key = mergeKeyFor(field, list);
  for (const entry of Object.keys(oldT)) {
    const kept = newT[entry] !== undefined || others.some((o) => o[entry] !== undefined);
    if (entry.startsWith("v:")) {
      if (!kept) {
        const value = JSON.parse(entry.slice(2));
        out = out.filter((x) => x !== value);
      }
    } else if (entry.startsWith("k:") && key) {
      const want = JSON.parse(entry.slice(2));
      const wantValue = key === "metadata.name" ? want.metadata?.name : want[key];
      const idx = out.findIndex((it) => JSON.stringify(keyOf(it, key)) === JSON.stringify(wantValue));
      if (idx < 0) continue;
      if (!kept) out = out.filter((_, i) => i !== idx);
      else
        removeStaleInMap(
          out[idx],
          oldT[entry]!,
          newT[entry] ?? {},
          others.map((o) => o[entry]).filter((x): x is FieldTree => !!x),
        );
    }
  }
  return out;
}

function removeStaleInMap(map: Record<string, Loose>, oldT: FieldTree, newT: FieldTree, others: FieldTree[]): void {
  if (!isPlainObject(map)) return;
  for (const entry of Object.keys(oldT)) {
    if (!entry.startsWith("f:")) continue;
    const field = entry.slice(2);
    const othersChild = others.map((o) => o[entry]).filter((x): x is FieldTree => !!x);
    const inNew = newT[entry];
    if (inNew === undefined && othersChild.length === 0) {
      delete map[field];
      continue;
    }
    const child = oldT[entry]!;
    if (Object.keys(child).length === 0) continue;
    const v = map[field];
    if (isPlainObject(v)) removeStaleInMap(v, child, inNew ?? {}, othersChild);
    else if (Array.isArray(v)) map[field] = removeStaleInList(v, field, child, inNew ?? {}, othersChild);
  }
}

export interface ApplyConflict {
  manager: string;
  apiVersion: string;
  field: string;
}

function childOf(node: Loose, entry: string, field: string): Loose {
  if (node === undefined || node === null) return undefined;
  if (entry.startsWith("f:")) return node[entry.slice(2)];
  if (entry.startsWith("k:") && Array.isArray(node)) {
    const key = mergeKeyFor(field, node);
    if (!key) return undefined;
    const want = JSON.parse(entry.slice(2));
    const wantValue = key === "metadata.name" ? want.metadata?.name : want[key];
    return node.find((it) => JSON.stringify(keyOf(it, key)) === JSON.stringify(wantValue));
  }
  if (entry.startsWith("v:") && Array.isArray(node)) {
    const v = JSON.parse(entry.slice(2));
    return node.includes(v) ? v : undefined;
  }
  return undefined;
}

function label(entry: string): string {
  if (entry.startsWith("f:")) return `.${entry.slice(2)}`;
  if (entry.startsWith("k:")) {
    const k = JSON.parse(entry.slice(2)) as Record<string, unknown>;
    return `[${Object.entries(k).map(([a, b]) => `${a}=${JSON.stringify(b)}`).join(",")}]`;
  }
  return `[${entry.slice(2)}]`;
}

/**
 * Fields the applier sets to a value different from the live one while another Apply manager owns them.
 * (Owners through Update operations are not considered: their field sets are recorded coarsely.)
 */
export function findConflicts(live: KObject, applied: KObject, tree: FieldTree, others: { manager: string; apiVersion: string; tree: FieldTree }[]): ApplyConflict[] {
  const out: ApplyConflict[] = [];
  const walk = (t: FieldTree, a: Loose, l: Loose, owners: { manager: string; apiVersion: string; tree: FieldTree }[], path: string, field: string) => {
    for (const [entry, sub] of Object.entries(t)) {
      if (entry === ".") continue;
      const name = entry.startsWith("f:") ? entry.slice(2) : field;
      const ac = childOf(a, entry, field);
      const lc = childOf(l, entry, field);
      const next = owners.map((o) => ({ ...o, tree: o.tree[entry]! })).filter((o) => o.tree !== undefined);
      if (next.length === 0) continue;
      const p = path + label(entry);
      const leaf = Object.keys(sub).filter((k) => k !== ".").length === 0;
      if (leaf) {
        // An empty map only asserts the map exists; its entries belong to whoever set them.
        if (isPlainObject(ac)) continue;
        if (JSON.stringify(ac) !== JSON.stringify(lc)) for (const o of next) out.push({ manager: o.manager, apiVersion: o.apiVersion, field: p });
      } else walk(sub, ac, lc, next, p, name);
    }
  };
  walk(tree, applied, live, others, "", "");
  return out;
}

function withoutFields(t: FieldTree, taken: FieldTree): FieldTree {
  const out: FieldTree = {};
  for (const [k, v] of Object.entries(t)) {
    const mine = taken[k];
    if (mine === undefined) out[k] = v;
    else if (Object.keys(mine).filter((x) => x !== ".").length === 0) continue;
    else {
      const rest = withoutFields(v, mine);
      if (Object.keys(rest).filter((x) => x !== ".").length) out[k] = rest;
    }
  }
  return out;
}

export class ApplyConflictError extends Error {
  constructor(readonly conflicts: ApplyConflict[]) {
    super("apply conflict");
  }
}

/**
 * Merges an applied configuration into the live object for `manager`: applied fields win, fields the
 * manager applied before but no longer does are removed unless another manager owns them. Without
 * `force`, changing a field another Apply manager owns throws ApplyConflictError; with it, ownership moves.
 */
export function applyToLive(live: KObject, applied: KObject, manager: string, apiVersion: string, force = true): KObject {
  const managed: Loose[] = live.metadata.managedFields ?? [];
  const mine = managed.find((m) => m.manager === manager && m.operation === "Apply");
  const others = managed.filter((m) => m !== mine).map((m) => (m.fieldsV1 ?? {}) as FieldTree);
  const newTree = fieldsOf(applied);
  const appliers = managed.filter((m) => m !== mine && m.operation === "Apply").map((m) => ({ manager: m.manager as string, apiVersion: m.apiVersion as string, tree: (m.fieldsV1 ?? {}) as FieldTree }));
  if (!force && appliers.length) {
    const conflicts = findConflicts(live, applied, newTree, appliers);
    if (conflicts.length) throw new ApplyConflictError(conflicts);
  }
  const cfg = clone(applied);
  delete cfg.status;
  const merged: KObject = applyStrategicMergePatch(live, cfg);
  if (mine?.fieldsV1) removeStaleInMap(merged, mine.fieldsV1 as FieldTree, newTree, others);
  merged.metadata = merged.metadata ?? {};
  let fields = upsertManagedFields(live.metadata.managedFields, manager, "Apply", apiVersion, newTree, true);
  if (force) {
    // Ownership of the fields this apply sets moves away from every other manager.
    fields = fields
      .map((m) => (m.manager === manager && m.operation === "Apply" ? m : { ...m, fieldsV1: withoutFields((m.fieldsV1 ?? {}) as FieldTree, newTree) }))
      .filter((m) => m.manager === manager || Object.keys(m.fieldsV1 ?? {}).length > 0);
  }
  merged.metadata.managedFields = fields;
  return merged;
}

/** Records a manager's fields; Apply replaces the manager's set, Update adds to it. */
export function upsertManagedFields(
  existing: Loose[] | undefined,
  manager: string,
  operation: "Apply" | "Update",
  apiVersion: string,
  tree: FieldTree,
  replace: boolean,
  subresource?: string,
): Loose[] {
  const list: Loose[] = (existing ?? []).map((m) => ({ ...m }));
  const idx = list.findIndex((m) => m.manager === manager && m.operation === operation && (m.subresource ?? "") === (subresource ?? ""));
  const entry: Loose = { manager, operation, apiVersion, time: nowIso(), fieldsType: "FieldsV1", fieldsV1: tree };
  if (subresource) entry.subresource = subresource;
  if (idx >= 0) {
    if (!replace) entry.fieldsV1 = unionTrees(list[idx].fieldsV1 ?? {}, tree);
    list[idx] = entry;
  } else list.push(entry);
  return list;
}
