// Decodes Stripe's form encoding (`a[b][0]=x`, `expand[]=y`, `metadata[k]=v`) into nested objects and arrays.

/** A decoded parameter value: strings at the leaves, objects and arrays above them. */
export type FormValue = string | FormValue[] | { [key: string]: FormValue };
export type FormObject = { [key: string]: FormValue };

/** Keys whose children stay a string-keyed map even when the keys look like array indexes. */
const MAP_KEYS = new Set(["metadata", "payload"]);

function decodeComponent(s: string): string {
  const plus = s.replace(/\+/g, " ");
  try {
    return decodeURIComponent(plus);
  } catch {
    return plus;
  }
}

/** Splits `line_items[0][price]` into `["line_items", "0", "price"]`; `expand[]` gives `["expand", ""]`. */
export function splitKey(key: string): string[] {
  const open = key.indexOf("[");
  if (open <= 0) return [key];
  const parts = [key.slice(0, open)];
  const re = /\[([^\]]*)\]/g;
  let m: RegExpExecArray | null;
  re.lastIndex = open;
  while ((m = re.exec(key)) !== null) parts.push(m[1] ?? "");
  return parts;
}

const APPEND = Symbol("append");
type Node = { [key: string]: Node | string; [APPEND]?: number };

function setPath(root: Node, parts: string[], value: string): void {
  let node = root;
  for (let i = 0; i < parts.length; i++) {
    let part = parts[i] ?? "";
    if (part === "") {
      const next = node[APPEND] ?? 0;
      node[APPEND] = next + 1;
      part = String(next);
    }
    if (i === parts.length - 1) {
      node[part] = value;
      return;
    }
    const child = node[part];
    if (typeof child !== "object") node[part] = {};
    node = node[part] as Node;
  }
}

function finish(node: Node | string, key: string): FormValue {
  if (typeof node === "string") return node;
  const keys = Object.keys(node);
  const out: FormObject = {};
  for (const k of keys) out[k] = finish(node[k] as Node | string, k);
  if (!MAP_KEYS.has(key) && keys.length > 0 && keys.every((k) => /^\d+$/.test(k))) {
    return keys
      .map(Number)
      .sort((a, b) => a - b)
      .map((i) => out[String(i)] as FormValue);
  }
  return out;
}

/** Parses an `application/x-www-form-urlencoded` body or a query string. */
export function decodeForm(input: string): FormObject {
  const root: Node = {};
  if (input.startsWith("?")) input = input.slice(1);
  for (const pair of input.split("&")) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const rawKey = eq < 0 ? pair : pair.slice(0, eq);
    const rawValue = eq < 0 ? "" : pair.slice(eq + 1);
    setPath(root, splitKey(decodeComponent(rawKey)), decodeComponent(rawValue));
  }
  const out: FormObject = {};
  for (const k of Object.keys(root)) out[k] = finish(root[k] as Node | string, k);
  return out;
}

/** Canonical JSON of decoded params (sorted keys), used to compare idempotent requests. */
export function canonicalParams(value: FormValue | undefined): string {
  if (value === undefined) return "null";
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalParams).join(",")}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalParams(value[k])}`).join(",")}}`;
}
