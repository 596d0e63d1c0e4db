// Discovery documents: /version, /api, /apis, per group-version APIResourceLists, and the aggregated
// (apidiscovery.k8s.io/v2) form kubectl asks for first.
import { GROUPS, RESOURCES, VERBS, type ResourceDef } from "../resources";

export function versionInfo(): Record<string, string> {
  return {
    major: "1",
    minor: "31",
    gitVersion: "v1.31.0-kubesim",
    gitCommit: "kubesim",
    gitTreeState: "clean",
    buildDate: "2024-08-13T00:00:00Z",
    goVersion: "go1.22.5",
    compiler: "gc",
    platform: "linux/amd64",
  };
}

export function apiVersions(port: number): unknown {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: `127.0.0.1:${port}` }],
  };
}

function groupEntry(g: { name: string; version: string }) {
  const gv = { groupVersion: `${g.name}/${g.version}`, version: g.version };
  return { name: g.name, versions: [gv], preferredVersion: gv };
}

export function apiGroupList(): unknown {
  return { kind: "APIGroupList", apiVersion: "v1", groups: GROUPS.map(groupEntry) };
}

export function apiGroup(name: string): unknown | undefined {
  const g = GROUPS.find((x) => x.name === name);
  return g ? { kind: "APIGroup", apiVersion: "v1", ...groupEntry(g) } : undefined;
}

function subVerbs(sub: string): string[] {
  if (sub === "status" || sub === "scale") return ["get", "patch", "update"];
  if (sub === "eviction" || sub === "binding") return ["create"];
  return ["get"];
}

function subKind(r: ResourceDef, sub: string): { group: string; version: string; kind: string } {
  if (sub === "scale") return { group: "autoscaling", version: "v1", kind: "Scale" };
  if (sub === "eviction") return { group: "policy", version: "v1", kind: "Eviction" };
  if (sub === "binding") return { group: "", version: "v1", kind: "Binding" };
  return { group: r.group, version: r.version, kind: r.kind };
}

export function resourceList(group: string, version: string): unknown | undefined {
  const resources = RESOURCES.filter((r) => r.group === group && r.version === version);
  if (resources.length === 0) return undefined;
  const out: unknown[] = [];
  for (const r of resources) {
    const entry: Record<string, unknown> = {
      name: r.plural,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: VERBS,
    };
    if (r.shortNames.length) entry.shortNames = r.shortNames;
    if (r.categories.length) entry.categories = r.categories;
    out.push(entry);
    for (const sub of r.subresources) {
      out.push({
        name: `${r.plural}/${sub}`,
        singularName: "",
        namespaced: r.namespaced,
        ...(sub === "status" || sub === "log" ? { kind: r.kind } : subKind(r, sub)),
        verbs: subVerbs(sub),
      });
    }
  }
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion: group ? `${group}/${version}` : version, resources: out };
}

function aggregatedResource(r: ResourceDef): unknown {
  const entry: Record<string, unknown> = {
    resource: r.plural,
    responseKind: { group: r.group, version: r.version, kind: r.kind },
    scope: r.namespaced ? "Namespaced" : "Cluster",
    singularResource: r.singular,
    verbs: VERBS,
  };
  if (r.shortNames.length) entry.shortNames = r.shortNames;
  if (r.categories.length) entry.categories = r.categories;
  if (r.subresources.length) {
    entry.subresources = r.subresources.map((sub) => ({
      subresource: sub,
      responseKind: subKind(r, sub),
      verbs: subVerbs(sub),
    }));
  }
  return entry;
}

/** APIGroupDiscoveryList for /api (core) or /apis (named groups). */
export function aggregatedDiscovery(core: boolean): unknown {
  const groups = core ? [{ name: "", version: "v1" }] : GROUPS;
  return {
    kind: "APIGroupDiscoveryList",
    apiVersion: "apidiscovery.k8s.io/v2",
    metadata: {},
    items: groups.map((g) => ({
      metadata: g.name ? { name: g.name, creationTimestamp: null } : { creationTimestamp: null },
      versions: [
        {
          version: g.version,
          resources: RESOURCES.filter((r) => r.group === g.name).map(aggregatedResource),
          freshness: "Current",
        },
      ],
    })),
  };
}
