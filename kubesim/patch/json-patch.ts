// RFC 6902 JSON Patch (add, remove, replace, move, copy, test) applied to a copy of a document.
import { errors } from "../errors";
import type { Loose } from "../types";
import { clone, deepEqual } from "../util/json";

function parsePointer(p: string): string[] {
  if (p === "") return [];
  if (!p.startsWith("/")) throw errors.badRequest(`the server rejected our request due to an error in our request: invalid JSON pointer "${p}"`);
  return p
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function parentOf(doc: Loose, parts: string[], path: string): { parent: Loose; key: string } {
  let cur = doc;
  for (const part of parts.slice(0, -1)) {
    cur = Array.isArray(cur) ? cur[Number(part)] : cur?.[part];
    if (cur === undefined || cur === null || typeof cur !== "object") throw jsonPatchError(`doc is missing path: "${path}"`);
  }
  return { parent: cur, key: parts[parts.length - 1]! };
}

function jsonPatchError(message: string) {
  return errors.invalidPatch(message);
}

function getAt(doc: Loose, path: string): Loose {
  let cur = doc;
  for (const part of parsePointer(path)) {
    if (cur === undefined || cur === null) throw jsonPatchError(`doc is missing path: "${path}"`);
    cur = Array.isArray(cur) ? cur[Number(part)] : cur[part];
  }
  if (cur === undefined) throw jsonPatchError(`doc is missing path: "${path}"`);
  return cur;
}

function addAt(doc: Loose, path: string, value: Loose): Loose {
  const parts = parsePointer(path);
  if (parts.length === 0) return value;
  const { parent, key } = parentOf(doc, parts, path);
  if (Array.isArray(parent)) {
    const idx = key === "-" ? parent.length : Number(key);
    if (!Number.isInteger(idx) || idx < 0 || idx > parent.length) throw jsonPatchError(`add operation does not apply: doc is missing path: "${path}"`);
    parent.splice(idx, 0, value);
  } else parent[key] = value;
  return doc;
}

function removeAt(doc: Loose, path: string): Loose {
  const parts = parsePointer(path);
  const { parent, key } = parentOf(doc, parts, path);
  if (Array.isArray(parent)) {
    const idx = Number(key);
    if (!(idx >= 0 && idx < parent.length)) throw jsonPatchError(`remove operation does not apply: doc is missing path: "${path}"`);
    parent.splice(idx, 1);
  } else {
    if (!(key in parent)) throw jsonPatchError(`remove operation does not apply: doc is missing path: "${path}"`);
    delete parent[key];
  }
  return doc;
}

export function applyJsonPatch(target: Loose, ops: Loose): Loose {
  if (!Array.isArray(ops)) throw errors.badRequest("the server rejected our request due to an error in our request: json patch must be an array");
  let doc = clone(target);
  for (const op of ops) {
    const path: string = op?.path ?? "";
    switch (op?.op) {
      case "add":
        doc = addAt(doc, path, clone(op.value));
        break;
      case "remove":
        doc = removeAt(doc, path);
        break;
      case "replace":
        getAt(doc, path);
        doc = removeAt(doc, path);
        doc = addAt(doc, path, clone(op.value));
        break;
      case "move": {
        const v = getAt(doc, op.from);
        doc = removeAt(doc, op.from);
        doc = addAt(doc, path, v);
        break;
      }
      case "copy":
        doc = addAt(doc, path, clone(getAt(doc, op.from)));
        break;
      case "test":
        if (!deepEqual(getAt(doc, path), op.value)) throw jsonPatchError(`testing value ${path} failed: test failed`);
        break;
      default:
        throw errors.badRequest(`the server rejected our request due to an error in our request: Unexpected kind: ${op?.op}`);
    }
  }
  return doc;
}
