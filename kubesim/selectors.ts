// Label and field selectors: the string forms of list/watch queries and the structured LabelSelector of specs.
import { errors } from "./errors";
import type { KObject, Loose } from "./types";

type Req =
  | { op: "eq"; key: string; value: string }
  | { op: "neq"; key: string; value: string }
  | { op: "in"; key: string; values: string[] }
  | { op: "notin"; key: string; values: string[] }
  | { op: "exists"; key: string }
  | { op: "notexists"; key: string };

export type LabelMatcher = (labels: Record<string, string> | undefined) => boolean;
export type ObjectMatcher = (obj: KObject) => boolean;

/** Splits on commas that are not inside parentheses (`a in (x,y),b`). */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of s) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out.map((x) => x.trim()).filter((x) => x.length > 0);
}

function parseLabelReq(term: string): Req {
  let m = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(term);
  if (m) {
    const values = m[3]!.split(",").map((v) => v.trim()).filter((v) => v.length > 0);
    return m[2] === "in" ? { op: "in", key: m[1]!, values } : { op: "notin", key: m[1]!, values };
  }
  m = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term);
  if (m) return m[2] === "!=" ? { op: "neq", key: m[1]!, value: m[3]! } : { op: "eq", key: m[1]!, value: m[3]! };
  m = /^!\s*(\S+)$/.exec(term);
  if (m) return { op: "notexists", key: m[1]! };
  if (/^[A-Za-z0-9._\-/]+$/.test(term)) return { op: "exists", key: term };
  throw errors.badRequest(`unable to parse requirement: found '${term}', expected: identifier`);
}

function matchReqs(reqs: Req[], labels: Record<string, string> | undefined): boolean {
  for (const r of reqs) {
    const v = labels?.[r.key];
    switch (r.op) {
      case "eq":
        if (v !== r.value) return false;
        break;
      case "neq":
        if (v === r.value) return false;
        break;
      case "in":
        if (v === undefined || !r.values.includes(v)) return false;
        break;
      case "notin":
        if (v !== undefined && r.values.includes(v)) return false;
        break;
      case "exists":
        if (v === undefined) return false;
        break;
      case "notexists":
        if (v !== undefined) return false;
        break;
    }
  }
  return true;
}

/** Parses `app=web,tier in (a,b),!canary`; an empty selector matches everything. */
export function parseLabelSelector(s: string | undefined | null): LabelMatcher {
  if (!s || !s.trim()) return () => true;
  const reqs = splitTop(s).map(parseLabelReq);
  return (labels) => matchReqs(reqs, labels);
}

/** A structured LabelSelector (matchLabels + matchExpressions). A missing selector matches nothing. */
export function labelSelectorMatcher(sel: Loose): LabelMatcher {
  if (!sel) return () => false;
  const reqs: Req[] = [];
  for (const [k, v] of Object.entries((sel.matchLabels ?? {}) as Record<string, string>)) reqs.push({ op: "eq", key: k, value: v });
  for (const e of (sel.matchExpressions ?? []) as Loose[]) {
    if (e.operator === "In") reqs.push({ op: "in", key: e.key, values: e.values ?? [] });
    else if (e.operator === "NotIn") reqs.push({ op: "notin", key: e.key, values: e.values ?? [] });
    else if (e.operator === "Exists") reqs.push({ op: "exists", key: e.key });
    else if (e.operator === "DoesNotExist") reqs.push({ op: "notexists", key: e.key });
  }
  return (labels) => matchReqs(reqs, labels);
}

/** `app=web,tier=db` form of a LabelSelector, as Scale.status.selector and kubectl print it. */
export function labelSelectorString(sel: Loose): string {
  if (!sel) return "";
  const parts: string[] = [];
  for (const [k, v] of Object.entries((sel.matchLabels ?? {}) as Record<string, string>)) parts.push(`${k}=${v}`);
  for (const e of (sel.matchExpressions ?? []) as Loose[]) {
    if (e.operator === "In") parts.push(`${e.key} in (${(e.values ?? []).join(",")})`);
    else if (e.operator === "NotIn") parts.push(`${e.key} notin (${(e.values ?? []).join(",")})`);
    else if (e.operator === "Exists") parts.push(e.key);
    else if (e.operator === "DoesNotExist") parts.push(`!${e.key}`);
  }
  return parts.join(",");
}

/** Reads a dotted field path; missing fields read as "" (as the API server's field sets do). */
export function fieldValue(obj: Loose, path: string): string {
  let cur: Loose = obj;
  for (const part of path.split(".")) {
    if (cur === null || cur === undefined) return "";
    cur = cur[part];
  }
  if (cur === null || cur === undefined) return "";
  return String(cur);
}

/** Parses `metadata.name=x,spec.nodeName!=` into an object matcher. */
export function parseFieldSelector(s: string | undefined | null): ObjectMatcher | undefined {
  if (!s || !s.trim()) return undefined;
  const reqs: { path: string; neq: boolean; value: string }[] = [];
  for (const term of splitTop(s)) {
    const m = /^([^=!]+)(==|=|!=)(.*)$/.exec(term);
    if (!m) throw errors.badRequest(`invalid selector: '${s}'; can't understand '${term}'`);
    reqs.push({ path: m[1]!.trim(), neq: m[2] === "!=", value: m[3]!.trim() });
  }
  return (obj) => {
    for (const r of reqs) {
      const v = fieldValue(obj, r.path);
      if (r.neq ? v === r.value : v !== r.value) return false;
    }
    return true;
  };
}
