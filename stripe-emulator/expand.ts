// Renders a stored object for a response: a deep copy with `expand[]` paths replaced by the objects they name.
import type { Store } from "./store";

/** Fields Stripe leaves out unless expanded (per object type). */
const INCLUDABLE: Record<string, string[]> = { "checkout.session": ["line_items"] };

function expandPath(node: unknown, segs: string[], store: Store, depth: number): unknown {
  if (segs.length === 0 || depth > 4) return node;
  if (Array.isArray(node)) return node.map((n) => expandPath(n, segs, store, depth));
  if (node === null || typeof node !== "object") return node;
  const obj = node as Record<string, unknown>;
  const [key, ...rest] = segs as [string, ...string[]];
  let value = obj[key];
  if (typeof value === "string") {
    const found = store.lookup(value);
    if (found) value = render(found, [], store);
  }
  obj[key] = expandPath(value, rest, store, depth + 1);
  return obj;
}

export function render<T extends object>(obj: T, expand: string[], store: Store): T {
  const copy = structuredClone(obj) as T & Record<string, unknown>;
  const includable = INCLUDABLE[String(copy.object)] ?? [];
  for (const field of includable) if (!expand.includes(field)) delete copy[field];
  for (const path of expand) expandPath(copy, path.split("."), store, 0);
  return copy;
}
