// A deliberately small /openapi/v3: an index and, per group-version, one PATCH operation per kind that
// carries x-kubernetes-group-version-kind and the fieldValidation parameter. That is enough for kubectl
// to trust server-side field validation instead of downloading full schemas (/openapi/v2 is a 404).
import { createHash } from "node:crypto";
import { RESOURCES } from "../resources";

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

function groupVersions(): { group: string; version: string }[] {
  const out: { group: string; version: string }[] = [];
  for (const r of RESOURCES) if (!out.some((g) => g.group === r.group && g.version === r.version)) out.push({ group: r.group, version: r.version });
  return out;
}

function document(group: string, version: string): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const r of RESOURCES.filter((x) => x.group === group && x.version === version)) {
    const base = `/${gvPath(group, version)}${r.namespaced ? "/namespaces/{namespace}" : ""}/${r.plural}/{name}`;
    const gvk = { group, version, kind: r.kind };
    const params = [
      { name: "fieldValidation", in: "query", schema: { type: "string", uniqueItems: true } },
      { name: "fieldManager", in: "query", schema: { type: "string", uniqueItems: true } },
      { name: "dryRun", in: "query", schema: { type: "string", uniqueItems: true } },
      { name: "force", in: "query", schema: { type: "boolean", uniqueItems: true } },
    ];
    paths[base] = {
      patch: {
        operationId: `patch${group ? "" : "Core"}${r.kind}`,
        "x-kubernetes-action": "patch",
        "x-kubernetes-group-version-kind": gvk,
        parameters: params,
        responses: { "200": { description: "OK" } },
      },
      post: {
        operationId: `create${r.kind}`,
        "x-kubernetes-action": "post",
        "x-kubernetes-group-version-kind": gvk,
        parameters: params,
        responses: { "201": { description: "Created" } },
      },
    };
  }
  return { openapi: "3.0.0", info: { title: "Kubernetes", version: "v1.31.0" }, paths, components: { schemas: {} } };
}

const docs = new Map<string, { json: string; hash: string }>();
for (const { group, version } of groupVersions()) {
  const json = JSON.stringify(document(group, version));
  docs.set(gvPath(group, version), { json, hash: createHash("sha512").update(json).digest("hex").slice(0, 128).toUpperCase() });
}

export function openapiIndex(): unknown {
  const paths: Record<string, unknown> = {};
  for (const [p, d] of docs) paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${d.hash}` };
  return { paths };
}

/** The document for `api/v1` or `apis/apps/v1`, or undefined. */
export function openapiDocument(path: string): string | undefined {
  return docs.get(path)?.json;
}
