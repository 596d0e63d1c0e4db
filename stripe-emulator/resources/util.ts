// Helpers shared by the resource handlers: fetch-or-404, previous_attributes diffs, rendering responses.
import { render } from "../expand";
import { noSuch } from "../errors";
import type { ApiRequest } from "../router";

export function mustGet<T>(map: Map<string, T>, id: string, kind: string): T {
  const obj = map.get(id);
  if (!obj) throw noSuch(kind, id);
  return obj;
}

/** Top-level fields of `before` that differ in `after` (Stripe's `data.previous_attributes`). */
export function previousAttributes(before: object, after: object): Record<string, unknown> | undefined {
  const b = before as Record<string, unknown>;
  const a = after as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(b)) if (JSON.stringify(b[k]) !== JSON.stringify(a[k])) out[k] = b[k];
  return Object.keys(out).length > 0 ? out : undefined;
}

export function respond<T extends object>(req: ApiRequest, obj: T): T {
  return render(obj, req.expand, req.ctx.store);
}

/** Renders each element of a list with `data.`-prefixed expansions. */
export function respondList<T extends object>(req: ApiRequest, list: { data: T[] } & object): unknown {
  const inner = req.expand.filter((e) => e.startsWith("data.")).map((e) => e.slice(5));
  return { ...list, data: list.data.map((o) => render(o, inner, req.ctx.store)) };
}
