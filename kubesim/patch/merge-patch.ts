// RFC 7386 JSON merge patch: objects merge recursively, null deletes, everything else replaces.
import type { Loose } from "../types";
import { clone, isPlainObject } from "../util/json";

export function applyMergePatch(target: Loose, patch: Loose): Loose {
  if (!isPlainObject(patch)) return clone(patch);
  const out: Record<string, Loose> = isPlainObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = isPlainObject(v) ? applyMergePatch(out[k], v) : clone(v);
  }
  return out;
}
