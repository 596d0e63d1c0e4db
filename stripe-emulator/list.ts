// List pagination (`limit`, `starting_after`, `ending_before`, newest first) and the small search query language.
import { invalidRequest } from "./errors";
import type { FormObject } from "./form-decode";
import { optInt, optString } from "./params";
import type { ApiList } from "./types";

/** One page of `items` (already newest first) as `{ object: "list", data, has_more, url }`. */
export function paginate<T extends { id: string }>(items: T[], params: FormObject, url: string): ApiList<T> {
  const limit = optInt(params, "limit") ?? 10;
  if (limit < 1) throw invalidRequest("This value must be greater than or equal to 1.", "limit");
  if (limit > 100) throw invalidRequest("This value must be less than or equal to 100.", "limit");
  const after = optString(params, "starting_after");
  const before = optString(params, "ending_before");
  if (after && before) throw invalidRequest("You may only specify one of these parameters: ending_before, starting_after.", "starting_after");
  if (before) {
    const idx = items.findIndex((i) => i.id === before);
    if (idx < 0) throw invalidRequest(`No such object: '${before}'`, "ending_before", "resource_missing");
    const start = Math.max(0, idx - limit);
    return { object: "list", data: items.slice(start, idx), has_more: start > 0, url };
  }
  let start = 0;
  if (after) {
    const idx = items.findIndex((i) => i.id === after);
    if (idx < 0) throw invalidRequest(`No such object: '${after}'`, "starting_after", "resource_missing");
    start = idx + 1;
  }
  const data = items.slice(start, start + limit);
  return { object: "list", data, has_more: start + limit < items.length, url };
}

export function newestFirst<T>(map: Map<string, T>): T[] {
  return [...map.values()].reverse();
}

/** `created` filters: `created=123` or `created[gte]=…&created[lt]=…`. */
export function matchesRange(value: number, params: FormObject, name: string): boolean {
  const raw = params[name];
  if (raw === undefined) return true;
  if (typeof raw === "string") return value === Number(raw);
  if (Array.isArray(raw)) return true;
  const num = (k: string) => {
    const v = raw[k];
    return typeof v === "string" && v !== "" ? Number(v) : undefined;
  };
  const gt = num("gt"), gte = num("gte"), lt = num("lt"), lte = num("lte");
  return (gt === undefined || value > gt) && (gte === undefined || value >= gte) && (lt === undefined || value < lt) && (lte === undefined || value <= lte);
}

interface Clause {
  field: string;
  key?: string;
  op: ":" | ">" | "<" | ">=" | "<=";
  value: string;
  negate: boolean;
}

/** Parses the subset of Stripe's search syntax we support: `field:'v'`, `metadata['k']:'v'`, `-field:'v'`, joined by AND. */
export function parseSearchQuery(query: string): Clause[] {
  const parts = query.split(/\s+AND\s+/i).map((p) => p.trim()).filter(Boolean);
  if (/\s+OR\s+/i.test(query)) throw invalidRequest("The emulator supports only AND in search queries.", "query");
  return parts.map((p) => {
    const m = /^(-)?([a-z_]+)(?:\[['"]([^'"]+)['"]\])?(:|>=|<=|>|<)\s*(?:'([^']*)'|"([^"]*)"|([^\s]+))$/.exec(p);
    if (!m) throw invalidRequest(`Invalid search query: ${p}`, "query");
    return {
      negate: m[1] === "-",
      field: m[2] ?? "",
      key: m[3],
      op: (m[4] ?? ":") as Clause["op"],
      value: m[5] ?? m[6] ?? m[7] ?? "",
    };
  });
}

export function matchesSearch(obj: Record<string, unknown>, clauses: Clause[]): boolean {
  return clauses.every((c) => {
    let actual: unknown = obj[c.field];
    if (c.key !== undefined) actual = (actual as Record<string, unknown> | null)?.[c.key];
    let ok: boolean;
    if (c.op === ":") ok = actual !== undefined && actual !== null && String(actual) === c.value;
    else {
      const a = Number(actual), v = Number(c.value);
      ok = c.op === ">" ? a > v : c.op === "<" ? a < v : c.op === ">=" ? a >= v : a <= v;
    }
    return c.negate ? !ok : ok;
  });
}

export function searchResult<T>(data: T[], url: string, params: FormObject) {
  const limit = optInt(params, "limit") ?? 10;
  return { object: "search_result", data: data.slice(0, limit), has_more: data.length > limit, next_page: null, url };
}
