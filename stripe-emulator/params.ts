// Typed readers over decoded form params that answer bad input with Stripe's own 400 errors.
import { invalidEnum, invalidInteger, invalidRequest, missingParam } from "./errors";
import type { FormObject, FormValue } from "./form-decode";

export type Metadata = Record<string, string>;

/** The wire name of a nested param: `pname("recurring", "interval")` is `recurring[interval]`. */
export function pname(parent: string, name: string): string {
  return parent ? `${parent}[${name}]` : name;
}

function child(params: FormObject, name: string): FormValue | undefined {
  return Object.prototype.hasOwnProperty.call(params, name) ? params[name] : undefined;
}

export function has(params: FormObject, name: string): boolean {
  return child(params, name) !== undefined;
}

export function optString(params: FormObject, name: string, prefix = ""): string | undefined {
  const v = child(params, name);
  if (v === undefined) return undefined;
  if (typeof v !== "string") throw invalidRequest(`Invalid string: ${pname(prefix, name)} must be a string`, pname(prefix, name));
  return v;
}

export function reqString(params: FormObject, name: string, prefix = ""): string {
  const v = optString(params, name, prefix);
  if (v === undefined || v === "") throw missingParam(pname(prefix, name));
  return v;
}

/** An empty string means "unset" in Stripe's encoding; returns null then. */
export function optNullableString(params: FormObject, name: string, prefix = ""): string | null | undefined {
  const v = optString(params, name, prefix);
  if (v === undefined) return undefined;
  return v === "" ? null : v;
}

export function optInt(params: FormObject, name: string, prefix = ""): number | undefined {
  const v = optString(params, name, prefix);
  if (v === undefined || v === "") return undefined;
  if (!/^-?\d+$/.test(v)) throw invalidInteger(pname(prefix, name), v);
  return Number(v);
}

export function reqInt(params: FormObject, name: string, prefix = ""): number {
  const v = optInt(params, name, prefix);
  if (v === undefined) throw missingParam(pname(prefix, name));
  return v;
}

export function optBool(params: FormObject, name: string, prefix = ""): boolean | undefined {
  const v = optString(params, name, prefix);
  if (v === undefined || v === "") return undefined;
  if (v === "true") return true;
  if (v === "false") return false;
  throw invalidRequest(`Invalid boolean: ${v}`, pname(prefix, name));
}

export function optEnum<T extends string>(params: FormObject, name: string, allowed: readonly T[], prefix = ""): T | undefined {
  const v = optString(params, name, prefix);
  if (v === undefined || v === "") return undefined;
  if (!(allowed as readonly string[]).includes(v)) throw invalidEnum(pname(prefix, name), allowed);
  return v as T;
}

export function optObject(params: FormObject, name: string, prefix = ""): FormObject | undefined {
  const v = child(params, name);
  if (v === undefined || v === "") return undefined;
  if (typeof v === "string" || Array.isArray(v)) throw invalidRequest(`Invalid object`, pname(prefix, name));
  return v;
}

export function optArray(params: FormObject, name: string, prefix = ""): FormValue[] | undefined {
  const v = child(params, name);
  if (v === undefined || v === "") return undefined;
  if (Array.isArray(v)) return v;
  if (typeof v === "string") return [v];
  throw invalidRequest(`Invalid array`, pname(prefix, name));
}

export function optStringArray(params: FormObject, name: string): string[] | undefined {
  const arr = optArray(params, name);
  if (!arr) return undefined;
  return arr.map((v, i) => {
    if (typeof v !== "string") throw invalidRequest(`Invalid string`, `${name}[${i}]`);
    return v;
  });
}

export function objectArray(params: FormObject, name: string): FormObject[] {
  const arr = optArray(params, name) ?? [];
  return arr.map((v, i) => {
    if (typeof v !== "object" || Array.isArray(v)) throw invalidRequest(`Invalid object`, `${name}[${i}]`);
    return v;
  });
}

/** Applies a `metadata` param to existing metadata: `metadata=` clears, `metadata[k]=` removes k. */
export function applyMetadata(current: Metadata, params: FormObject): Metadata {
  const v = child(params, "metadata");
  if (v === undefined) return current;
  if (v === "") return {};
  if (typeof v === "string" || Array.isArray(v)) throw invalidRequest("Invalid object", "metadata");
  const next: Metadata = { ...current };
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== "string") throw invalidRequest("Invalid string", `metadata[${k}]`);
    if (val === "") delete next[k];
    else next[k] = val;
  }
  return next;
}

export function expandList(params: FormObject): string[] {
  return optStringArray(params, "expand") ?? [];
}
