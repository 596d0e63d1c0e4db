// kubesim REST API through the real @kubernetes/client-node: discovery, CRUD of every resource kind,
// selectors and paging, patches (JSON, merge, strategic, server-side apply), Status errors, deletion
// semantics (finalizers, garbage collection, namespace termination) and quota admission.
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Kubesim } from "../../../kubesim/index";
import type { Loose } from "../../../kubesim/types";
import { apiError, clientsFor, freshNamespace, PatchStrategy, setHeaderOptions, startTestSim, waitFor, type Clients } from "./helpers";

let sim: Kubesim;
let c: Clients;
let base: string;

beforeAll(async () => {
  sim = await startTestSim();
  c = clientsFor(sim);
  base = sim.clusters[0]!.url;
});
afterAll(async () => {
  await sim?.stop();
});

async function raw(path: string, init: RequestInit = {}): Promise<{ status: number; json: Loose; headers: Headers }> {
  const res = await fetch(base + path, init);
  const text = await res.text();
  let json: Loose;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json, headers: res.headers };
}

describe("discovery", () => {
  it("serves version, API groups, resource lists and aggregated discovery", async () => {
    const v = await c.kc.makeApiClient(k8s.VersionApi).getCode();
    expect(v.minor).toBe("31");
    const version = await raw("/version");
    expect(version.json).toMatchObject({ major: "1", minor: "31", gitVersion: "v1.31.0-kubesim", platform: "linux/amd64" });
    const api = await raw("/api");
    expect(api.json.kind).toBe("APIVersions");
    expect(api.json.serverAddressByClientCIDRs[0].serverAddress).toBe(`127.0.0.1:${sim.clusters[0]!.port}`);
    const groups = await raw("/apis");
    expect(groups.json.groups.map((g: { name: string }) => g.name)).toEqual(expect.arrayContaining(["apps", "networking.k8s.io", "coordination.k8s.io"]));
    const apps = await raw("/apis/apps/v1");
    const names = apps.json.resources.map((r: { name: string }) => r.name);
    expect(names).toEqual(expect.arrayContaining(["deployments", "deployments/status", "deployments/scale", "statefulsets", "replicasets"]));
    const agg = await raw("/apis", { headers: { Accept: "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json" } });
    expect(agg.headers.get("content-type")).toContain("as=APIGroupDiscoveryList");
    expect(agg.json.items.find((i: Loose) => i.metadata.name === "apps").versions[0].resources.find((r: Loose) => r.resource === "deployments")).toMatchObject({
      scope: "Namespaced",
      responseKind: { group: "apps", version: "v1", kind: "Deployment" },
    });
    expect((await raw("/openapi/v2")).status).toBe(404);
    const oa = await raw("/openapi/v3");
    expect(oa.json.paths["apis/apps/v1"].serverRelativeURL).toMatch(/^\/openapi\/v3\/apis\/apps\/v1\?hash=/);
    const doc = await raw(oa.json.paths["api/v1"].serverRelativeURL);
    expect(JSON.stringify(doc.json)).toContain("fieldValidation");
  });

  it("returns Tables when asked", async () => {
    const t = await raw("/api/v1/nodes", { headers: { Accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json" } });
    expect(t.json.kind).toBe("Table");
    expect(t.json.columnDefinitions.map((d: Loose) => d.name)).toContain("Status");
    expect(t.json.rows).toHaveLength(3);
    expect(t.json.rows[0].cells[1]).toBe("Ready");
    expect(t.json.rows[0].object.kind).toBe("PartialObjectMetadata");
  });

  it("seeds namespaces, nodes with topology labels and node leases", async () => {
    const ns = await c.core.listNamespace();
    expect(ns.items.map((n) => n.metadata!.name)).toEqual(expect.arrayContaining(["default", "kube-system", "kube-public", "kube-node-lease"]));
    const nodes = await c.core.listNode();
    expect(nodes.items).toHaveLength(3);
    const n = nodes.items[0]!;
    expect(n.metadata!.labels!["topology.kubernetes.io/region"]).toBe("eu-west-1");
    expect(n.metadata!.labels!["topology.kubernetes.io/zone"]).toMatch(/^eu-west-1[abc]$/);
    expect(n.status!.allocatable).toMatchObject({ cpu: "4", memory: "16Gi", pods: "110" });
    expect(n.status!.conditions!.find((x) => x.type === "Ready")).toMatchObject({ status: "True", reason: "KubeletReady" });
    const leases = await c.coord.listNamespacedLease({ namespace: "kube-node-lease" });
    expect(leases.items.map((l) => l.metadata!.name).sort()).toEqual(nodes.items.map((x) => x.metadata!.name).sort());
    const before = leases.items[0]!.spec!.renewTime!;
    await waitFor("lease renewal", async () => {
      const l = await c.coord.readNamespacedLease({ name: leases.items[0]!.metadata!.name!, namespace: "kube-node-lease" });
      return new Date(l.spec!.renewTime!).getTime() > new Date(before).getTime();
    });
  });
});

describe("CRUD of every resource kind", () => {
  const kinds: { apiVersion: string; kind: string; spec: Record<string, unknown>; mutate: (o: Loose) => void }[] = [
    { apiVersion: "v1", kind: "ConfigMap", spec: { data: { a: "1" } }, mutate: (o) => (o.data.b = "2") },
    { apiVersion: "v1", kind: "Secret", spec: { stringData: { password: "s3cret" } }, mutate: (o) => (o.data.extra = Buffer.from("x").toString("base64")) },
    { apiVersion: "v1", kind: "ServiceAccount", spec: {}, mutate: (o) => (o.metadata.labels = { role: "x" }) },
    { apiVersion: "v1", kind: "Service", spec: { spec: { ports: [{ port: 80 }] } }, mutate: (o) => (o.spec.ports[0].port = 81) },
    { apiVersion: "v1", kind: "Pod", spec: { spec: { containers: [{ name: "c", image: "busybox:1.36" }] } }, mutate: (o) => (o.metadata.labels = { x: "y" }) },
    {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      spec: { spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } },
      mutate: (o) => (o.metadata.labels = { size: "small" }),
    },
    { apiVersion: "v1", kind: "ResourceQuota", spec: { spec: { hard: { configmaps: "100" } } }, mutate: (o) => (o.spec.hard.configmaps = "50") },
    {
      apiVersion: "v1",
      kind: "Event",
      spec: { involvedObject: { kind: "Pod", name: "x", namespace: "" }, reason: "Test", message: "hello", type: "Normal" },
      mutate: (o) => (o.message = "changed"),
    },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      spec: { spec: { replicas: 0, selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "nginx" }] } } } },
      mutate: (o) => (o.spec.replicas = 0),
    },
    {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      spec: { spec: { replicas: 0, selector: { matchLabels: { r: "s" } }, template: { metadata: { labels: { r: "s" } }, spec: { containers: [{ name: "c", image: "nginx" }] } } } },
      mutate: (o) => (o.metadata.labels = { changed: "yes" }),
    },
    {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      spec: { spec: { replicas: 0, serviceName: "s", selector: { matchLabels: { s: "t" } }, template: { metadata: { labels: { s: "t" } }, spec: { containers: [{ name: "c", image: "nginx" }] } } } },
      mutate: (o) => (o.metadata.labels = { changed: "yes" }),
    },
    { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", spec: { spec: { podSelector: {}, policyTypes: ["Ingress"] } }, mutate: (o) => (o.spec.policyTypes = ["Ingress", "Egress"]) },
    { apiVersion: "coordination.k8s.io/v1", kind: "Lease", spec: { spec: { holderIdentity: "me", leaseDurationSeconds: 15 } }, mutate: (o) => (o.spec.holderIdentity = "you") },
  ];

  for (const k of kinds) {
    it(`${k.kind}: create, read, list, replace, patch, delete`, async () => {
      const ns = await freshNamespace(c, "crud");
      const name = `obj-${k.kind.toLowerCase()}`;
      const spec: Loose = { apiVersion: k.apiVersion, kind: k.kind, metadata: { name, namespace: ns }, ...structuredClone(k.spec) };
      if (k.kind === "Event") spec.involvedObject.namespace = ns;
      const created: Loose = await c.objects.create(spec);
      expect(created.metadata.uid).toBeTruthy();
      expect(created.metadata.resourceVersion).toMatch(/^\d+$/);
      expect(created.metadata.creationTimestamp).toBeTruthy();
      const read: Loose = await c.objects.read({ apiVersion: k.apiVersion, kind: k.kind, metadata: { name, namespace: ns } });
      expect(read.metadata.uid).toBe(created.metadata.uid);
      const list = await c.objects.list(k.apiVersion, k.kind, ns);
      expect(list.items.map((i) => i.metadata!.name)).toContain(name);
      // Read-modify-replace retried on 409, as clients do (client-go's RetryOnConflict): the scheduler and kubelet
      // update a bare Pod's status concurrently, so its resourceVersion may move between the read and the replace.
      let fresh: Loose;
      let replaced: Loose;
      for (let attempt = 1; ; attempt++) {
        fresh = await c.objects.read({ apiVersion: k.apiVersion, kind: k.kind, metadata: { name, namespace: ns } });
        k.mutate(fresh);
        try {
          replaced = await c.objects.replace(fresh);
          break;
        } catch (err) {
          if ((err as { code?: number }).code !== 409 || attempt >= 5) throw err;
        }
      }
      expect(Number(replaced.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(fresh.metadata.resourceVersion));
      const patched: Loose = await c.objects.patch(
        { apiVersion: k.apiVersion, kind: k.kind, metadata: { name, namespace: ns, annotations: { patched: "yes" } } },
        undefined,
        undefined,
        undefined,
        undefined,
        PatchStrategy.MergePatch,
      );
      expect(patched.metadata.annotations.patched).toBe("yes");
      await c.objects.delete({ apiVersion: k.apiVersion, kind: k.kind, metadata: { name, namespace: ns } });
      await waitFor(`${k.kind} deleted`, async () => {
        const e = await apiError(() => c.objects.read({ apiVersion: k.apiVersion, kind: k.kind, metadata: { name, namespace: ns } }));
        return e.code === 404;
      });
    });
  }

  it("secrets turn stringData into base64 data", async () => {
    const ns = await freshNamespace(c);
    const s = await c.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: "s" }, stringData: { k: "v" } } });
    expect(s.data).toEqual({ k: Buffer.from("v").toString("base64") });
    expect(s.type).toBe("Opaque");
  });

  it("new namespaces get a default ServiceAccount", async () => {
    const ns = await freshNamespace(c);
    await waitFor("default service account", () => c.core.readNamespacedServiceAccount({ name: "default", namespace: ns }));
  });
});

describe("create semantics", () => {
  it("generateName, dryRun and generation", async () => {
    const ns = await freshNamespace(c);
    const cm = await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { generateName: "gen-" } } });
    expect(cm.metadata!.name).toMatch(/^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    const dry = await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "dry" } }, dryRun: "All" });
    expect(dry.metadata!.name).toBe("dry");
    expect((await apiError(() => c.core.readNamespacedConfigMap({ name: "dry", namespace: ns }))).code).toBe(404);
    const d = await c.apps.createNamespacedDeployment({ namespace: ns, body: { metadata: { name: "g" }, spec: { replicas: 0, selector: { matchLabels: { a: "g" } }, template: { metadata: { labels: { a: "g" } }, spec: { containers: [{ name: "c", image: "nginx" }] } } } } });
    expect(d.metadata!.generation).toBe(1);
    const labelled = await c.apps.patchNamespacedDeployment({ name: "g", namespace: ns, body: { metadata: { labels: { x: "y" } } } }, setHeaderOptions("Content-Type", PatchStrategy.MergePatch));
    expect(labelled.metadata!.generation).toBe(1);
    const scaled = await c.apps.patchNamespacedDeployment({ name: "g", namespace: ns, body: { spec: { replicas: 0, minReadySeconds: 1 } } }, setHeaderOptions("Content-Type", PatchStrategy.MergePatch));
    expect(scaled.metadata!.generation).toBe(2);
  });

  it("404 for a missing namespace and 403 for a terminating one", async () => {
    const missing = await apiError(() => c.core.createNamespacedConfigMap({ namespace: "nope", body: { metadata: { name: "x" } } }));
    expect(missing.code).toBe(404);
    expect(missing.status.message).toBe('namespaces "nope" not found');
    const ns = await freshNamespace(c);
    await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "keep", finalizers: ["example.com/hold"] } } });
    await c.core.deleteNamespace({ name: ns });
    const forbidden = await apiError(() => c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "x" } } }));
    expect(forbidden.code).toBe(403);
    expect(forbidden.status.message).toContain(`because it is being terminated`);
    await c.core.patchNamespacedConfigMap({ name: "keep", namespace: ns, body: [{ op: "remove", path: "/metadata/finalizers" }] });
    await waitFor("namespace gone", async () => (await apiError(() => c.core.readNamespace({ name: ns }))).code === 404);
  });
});

describe("Status errors", () => {
  it("404 NotFound", async () => {
    const e = await apiError(() => c.apps.readNamespacedDeployment({ name: "nope", namespace: "default" }));
    expect(e.code).toBe(404);
    expect(e.status).toEqual({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: 'deployments.apps "nope" not found',
      reason: "NotFound",
      details: { name: "nope", group: "apps", kind: "deployments" },
      code: 404,
    });
  });

  it("409 AlreadyExists and 409 Conflict on a stale resourceVersion", async () => {
    const ns = await freshNamespace(c);
    const cm = await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "cm" }, data: { a: "1" } } });
    const dup = await apiError(() => c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "cm" } } }));
    expect(dup.code).toBe(409);
    expect(dup.status.reason).toBe("AlreadyExists");
    expect(dup.status.message).toBe('configmaps "cm" already exists');
    await c.core.replaceNamespacedConfigMap({ name: "cm", namespace: ns, body: { ...cm, data: { a: "2" } } });
    const stale = await apiError(() => c.core.replaceNamespacedConfigMap({ name: "cm", namespace: ns, body: { ...cm, data: { a: "3" } } }));
    expect(stale.code).toBe(409);
    expect(stale.status.reason).toBe("Conflict");
    expect(stale.status.message).toBe('Operation cannot be fulfilled on configmaps "cm": the object has been modified; please apply your changes to the latest version and try again');
    // A patch without a resourceVersion always applies.
    const p = await c.core.patchNamespacedConfigMap({ name: "cm", namespace: ns, body: { data: { a: "4" } } }, setHeaderOptions("Content-Type", PatchStrategy.MergePatch));
    expect(p.data!.a).toBe("4");
  });

  it("422 Invalid for names that are not RFC 1123, and for bad specs", async () => {
    const e = await apiError(() => c.core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "Bad_Name" } } }));
    expect(e.code).toBe(422);
    expect(e.status.reason).toBe("Invalid");
    expect(e.status.message).toMatch(/^ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
    expect(e.status.details).toMatchObject({ name: "Bad_Name", kind: "ConfigMap", causes: [{ reason: "FieldValueInvalid", field: "metadata.name" }] });
    const ns = await apiError(() => c.core.createNamespace({ body: { metadata: { name: "has.dot" } } }));
    expect(ns.code).toBe(422);
    expect(ns.status.message).toContain("RFC 1123 label");
    const pod = await apiError(() => c.core.createNamespacedPod({ namespace: "default", body: { metadata: { name: "p" }, spec: { containers: [] } } }));
    expect(pod.code).toBe(422);
    expect(pod.status.details!.causes![0]).toMatchObject({ field: "spec.containers", message: "Required value" });
    const dep = await apiError(() =>
      c.apps.createNamespacedDeployment({
        namespace: "default",
        body: { metadata: { name: "d" }, spec: { selector: { matchLabels: { a: "1" } }, template: { metadata: { labels: { a: "2" } }, spec: { containers: [{ name: "c", image: "x" }] } } } },
      }),
    );
    expect(dep.code).toBe(422);
    expect(dep.status.details!.causes![0]!.field).toBe("spec.template.metadata.labels");
  });

  it("400, 401, 405 and 415", async () => {
    expect((await raw("/api/v1/namespaces/default/configmaps", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{not json" })).status).toBe(400);
    const proto = await raw("/api/v1/namespaces", { method: "POST", headers: { "Content-Type": "application/vnd.kubernetes.protobuf" }, body: "\x6b\x38\x73\x00" });
    expect(proto.status).toBe(415);
    expect(proto.json).toMatchObject({ kind: "Status", reason: "UnsupportedMediaType", code: 415 });
    const cbor = await raw("/api/v1/namespaces", { method: "POST", headers: { "Content-Type": "application/cbor" }, body: "x" });
    expect(cbor.status).toBe(415);
    const unauth = await raw("/api/v1/namespaces", { headers: { Authorization: "Bearer wrong" } });
    expect(unauth.status).toBe(401);
    expect(unauth.json).toMatchObject({ kind: "Status", reason: "Unauthorized", code: 401 });
    expect((await raw("/api/v1/namespaces", { headers: { Authorization: `Bearer ${sim.clusters[0]!.token}` } })).status).toBe(200);
    expect((await raw("/api/v1/namespaces", { method: "PUT", body: "{}" })).status).toBe(405);
    const badPatch = await raw("/api/v1/namespaces/default", { method: "PATCH", headers: { "Content-Type": "text/plain" }, body: "{}" });
    expect(badPatch.status).toBe(415);
  });
});

describe("list and selectors", () => {
  it("label and field selectors, limit and continue", async () => {
    const ns = await freshNamespace(c);
    for (let i = 0; i < 7; i++) {
      await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: `cm-${i}`, labels: { tier: i % 2 ? "odd" : "even", n: String(i) } } } });
    }
    const odd = await c.core.listNamespacedConfigMap({ namespace: ns, labelSelector: "tier=odd" });
    expect(odd.items.map((i) => i.metadata!.name)).toEqual(["cm-1", "cm-3", "cm-5"]);
    const notOdd = await c.core.listNamespacedConfigMap({ namespace: ns, labelSelector: "tier!=odd,n" });
    expect(notOdd.items).toHaveLength(4);
    const inSet = await c.core.listNamespacedConfigMap({ namespace: ns, labelSelector: "n in (1,2,9),tier notin (odd)" });
    expect(inSet.items.map((i) => i.metadata!.name)).toEqual(["cm-2"]);
    const missing = await c.core.listNamespacedConfigMap({ namespace: ns, labelSelector: "!tier" });
    expect(missing.items.map((i) => i.metadata!.name)).toEqual(["kube-root-ca.crt"]);
    const byName = await c.core.listNamespacedConfigMap({ namespace: ns, fieldSelector: "metadata.name=cm-4" });
    expect(byName.items.map((i) => i.metadata!.name)).toEqual(["cm-4"]);
    const seen: string[] = [];
    let cont: string | undefined;
    do {
      const page = await c.core.listNamespacedConfigMap({ namespace: ns, labelSelector: "tier", limit: 3, _continue: cont });
      seen.push(...page.items.map((i) => i.metadata!.name!));
      cont = page.metadata!._continue;
      if (cont) expect(page.metadata!.remainingItemCount).toBeGreaterThan(0);
    } while (cont);
    expect(seen).toEqual(["cm-0", "cm-1", "cm-2", "cm-3", "cm-4", "cm-5", "cm-6"]);
    const all = await c.core.listConfigMapForAllNamespaces({ fieldSelector: `metadata.namespace=${ns}` });
    expect(all.items).toHaveLength(8);
    expect(Number(all.metadata!.resourceVersion)).toBeGreaterThan(0);
  });
});

describe("patches and server-side apply", () => {
  it("JSON patch, merge patch and strategic merge patch of containers by name", async () => {
    const ns = await freshNamespace(c);
    await c.apps.createNamespacedDeployment({
      namespace: ns,
      body: {
        metadata: { name: "p" },
        spec: {
          replicas: 0,
          selector: { matchLabels: { app: "p" } },
          template: {
            metadata: { labels: { app: "p" } },
            spec: {
              containers: [
                { name: "web", image: "nginx:1", env: [{ name: "A", value: "1" }, { name: "B", value: "2" }], ports: [{ containerPort: 80 }] },
                { name: "side", image: "envoy:1" },
              ],
            },
          },
        },
      },
    });
    const smp = await c.apps.patchNamespacedDeployment(
      { name: "p", namespace: ns, body: { spec: { template: { spec: { containers: [{ name: "web", image: "nginx:2", env: [{ name: "B", value: "3" }, { name: "C", value: "4" }] }] } } } } },
      setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch),
    );
    const cs = smp.spec!.template.spec!.containers;
    expect(cs.map((x) => `${x.name}=${x.image}`)).toEqual(["web=nginx:2", "side=envoy:1"]);
    expect(cs[0]!.env).toEqual([{ name: "A", value: "1" }, { name: "B", value: "3" }, { name: "C", value: "4" }]);
    expect(cs[0]!.ports).toEqual([{ containerPort: 80, protocol: "TCP" }]);
    const del = await c.apps.patchNamespacedDeployment(
      { name: "p", namespace: ns, body: { spec: { template: { spec: { containers: [{ name: "side", $patch: "delete" }] } } } } },
      setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch),
    );
    expect(del.spec!.template.spec!.containers.map((x) => x.name)).toEqual(["web"]);
    const merge = await c.apps.patchNamespacedDeployment(
      { name: "p", namespace: ns, body: { spec: { template: { spec: { containers: [{ name: "only", image: "busybox" }] } } } } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    expect(merge.spec!.template.spec!.containers.map((x) => x.name)).toEqual(["only"]);
    const json = await c.apps.patchNamespacedDeployment({
      name: "p",
      namespace: ns,
      body: [
        { op: "replace", path: "/spec/replicas", value: 0 },
        { op: "add", path: "/metadata/labels", value: { via: "json-patch" } },
      ],
    });
    expect(json.metadata!.labels).toEqual({ via: "json-patch" });
    const failed = await apiError(() => c.apps.patchNamespacedDeployment({ name: "p", namespace: ns, body: [{ op: "test", path: "/spec/replicas", value: 5 }] }));
    expect(failed.code).toBe(422);
  });

  it("server-side apply creates (201) then updates, records managedFields and drops fields no longer applied", async () => {
    const ns = await freshNamespace(c);
    const cfg = (labels: Record<string, string>, data: Record<string, string>) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "ssa", namespace: ns, labels }, data });
    const createRes = await fetch(`${base}/api/v1/namespaces/${ns}/configmaps/ssa?fieldManager=fleetplane&force=true`, {
      method: "PATCH",
      headers: { "Content-Type": "application/apply-patch+yaml" },
      body: JSON.stringify(cfg({ a: "1" }, { x: "1", y: "2" })),
    });
    expect(createRes.status).toBe(201);
    const updated: Loose = await c.objects.patch(cfg({ a: "1" }, { x: "9" }) as Loose, undefined, undefined, "fleetplane", true, PatchStrategy.ServerSideApply);
    expect(updated.data).toEqual({ x: "9" });
    expect(updated.metadata.managedFields).toEqual([
      expect.objectContaining({ manager: "fleetplane", operation: "Apply", fieldsType: "FieldsV1", fieldsV1: { "f:metadata": { "f:labels": { "f:a": {} } }, "f:data": { "f:x": {} } } }),
    ]);
    // Fields another manager set survive an apply that does not mention them.
    await c.core.patchNamespacedConfigMap({ name: "ssa", namespace: ns, body: { data: { other: "o" } }, fieldManager: "someone" }, setHeaderOptions("Content-Type", PatchStrategy.MergePatch));
    const again: Loose = await c.objects.patch(cfg({ a: "2" }, { x: "9" }) as Loose, undefined, undefined, "fleetplane", true, PatchStrategy.ServerSideApply);
    expect(again.data).toEqual({ x: "9", other: "o" });
    const someone = again.metadata.managedFields.find((m: Loose) => m.manager === "someone");
    expect(someone).toMatchObject({ operation: "Update", fieldsV1: { "f:data": { "f:other": {} } } });
    expect(again.metadata.labels).toEqual({ a: "2" });
    const noManager = await raw(`/api/v1/namespaces/${ns}/configmaps/ssa`, { method: "PATCH", headers: { "Content-Type": "application/apply-patch+yaml" }, body: "{}" });
    expect(noManager.status).toBe(400);
    // Typed client SSA of a Deployment (what Fleetplane does).
    const dep = await c.apps.patchNamespacedDeployment(
      {
        name: "applied",
        namespace: ns,
        fieldManager: "fleetplane",
        force: true,
        body: { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "applied" }, spec: { replicas: 0, selector: { matchLabels: { a: "x" } }, template: { metadata: { labels: { a: "x" } }, spec: { containers: [{ name: "c", image: "nginx" }] } } } },
      },
      setHeaderOptions("Content-Type", PatchStrategy.ServerSideApply),
    );
    expect(dep.metadata!.uid).toBeTruthy();
  });

  it("server-side apply conflicts between managers: 409 without force, ownership moves with force", async () => {
    const ns = await freshNamespace(c);
    const apply = (manager: string, data: Record<string, string>, force: boolean) =>
      raw(`/api/v1/namespaces/${ns}/configmaps/shared?fieldManager=${manager}&force=${force}`, {
        method: "PATCH",
        headers: { "Content-Type": "application/apply-patch+yaml" },
        body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "shared" }, data }),
      });
    expect((await apply("alice", { x: "1", y: "1" }, false)).status).toBe(201);
    expect((await apply("bob", { x: "1" }, false)).status).toBe(200); // same value: shared ownership, no conflict
    const conflict = await apply("bob", { x: "2" }, false);
    expect(conflict.status).toBe(409);
    expect(conflict.json).toMatchObject({ kind: "Status", reason: "Conflict", code: 409, message: 'Apply failed with 1 conflict: conflict with "alice" using v1: .data.x' });
    expect(conflict.json.details.causes[0]).toEqual({ reason: "FieldManagerConflict", message: 'conflict with "alice" using v1', field: ".data.x" });
    const forced = await apply("bob", { x: "2" }, true);
    expect(forced.status).toBe(200);
    expect(forced.json.data).toEqual({ x: "2", y: "1" });
    const alice = forced.json.metadata.managedFields.find((m: Loose) => m.manager === "alice");
    expect(alice.fieldsV1).toEqual({ "f:data": { "f:y": {} } });
    // alice stops applying y: it goes; x stays (bob owns it).
    const dropped = await apply("alice", {}, false);
    expect(dropped.json.data).toEqual({ x: "2" });
  });

  it("scale subresource and status subresource", async () => {
    const ns = await freshNamespace(c);
    await c.apps.createNamespacedDeployment({ namespace: ns, body: { metadata: { name: "s" }, spec: { replicas: 0, selector: { matchLabels: { a: "s" } }, template: { metadata: { labels: { a: "s" } }, spec: { containers: [{ name: "c", image: "nginx" }] } } } } });
    const scale = await c.apps.readNamespacedDeploymentScale({ name: "s", namespace: ns });
    expect(scale).toMatchObject({ kind: "Scale", apiVersion: "autoscaling/v1", spec: { replicas: 0 }, status: { selector: "a=s" } });
    const patched = await c.apps.patchNamespacedDeploymentScale({ name: "s", namespace: ns, body: { spec: { replicas: 2 } } }, setHeaderOptions("Content-Type", PatchStrategy.MergePatch));
    expect(patched.spec!.replicas).toBe(2);
    expect((await c.apps.readNamespacedDeployment({ name: "s", namespace: ns })).spec!.replicas).toBe(2);
    // Writing status through the main resource is ignored; through /status it sticks.
    const d = await c.apps.readNamespacedDeployment({ name: "s", namespace: ns });
    await c.apps.replaceNamespacedDeploymentStatus({ name: "s", namespace: ns, body: { ...d, status: { ...d.status, observedGeneration: 99 } } }).catch(() => undefined);
    const cm = await c.core.createNamespacedPod({ namespace: ns, body: { metadata: { name: "st" }, spec: { containers: [{ name: "c", image: "nginx" }] }, status: { phase: "Failed" } } });
    expect(cm.status!.phase).toBe("Pending");
  });
});

describe("deletion", () => {
  it("finalizers keep an object until removed; DELETE answers with the object while pending", async () => {
    const ns = await freshNamespace(c);
    await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "f", finalizers: ["example.com/keep"] } } });
    const res = await raw(`/api/v1/namespaces/${ns}/configmaps/f`, { method: "DELETE" });
    expect(res.status).toBe(200);
    expect(res.json.kind).toBe("ConfigMap");
    expect(res.json.metadata.deletionTimestamp).toBeTruthy();
    const still = await c.core.readNamespacedConfigMap({ name: "f", namespace: ns });
    expect(still.metadata!.deletionTimestamp).toBeTruthy();
    await c.core.patchNamespacedConfigMap({ name: "f", namespace: ns, body: { metadata: { finalizers: null } } }, setHeaderOptions("Content-Type", PatchStrategy.MergePatch));
    expect((await apiError(() => c.core.readNamespacedConfigMap({ name: "f", namespace: ns }))).code).toBe(404);
    const plain = await raw(`/api/v1/namespaces/${ns}/configmaps/kube-root-ca.crt`, { method: "DELETE" });
    expect(plain.json).toMatchObject({ kind: "Status", status: "Success", details: { name: "kube-root-ca.crt", kind: "configmaps" } });
  });

  it("a running pod with a finalizer stops but stays until the finalizer is removed", async () => {
    const ns = await freshNamespace(c);
    await c.core.createNamespacedPod({ namespace: ns, body: { metadata: { name: "held", finalizers: ["example.com/hold"] }, spec: { containers: [{ name: "c", image: "nginx" }] } } });
    await waitFor("running", async () => (await c.core.readNamespacedPod({ name: "held", namespace: ns })).status?.phase === "Running");
    await c.core.deleteNamespacedPod({ name: "held", namespace: ns });
    const stopped = await waitFor("terminal", async () => {
      const p = await c.core.readNamespacedPod({ name: "held", namespace: ns });
      return p.status?.phase === "Failed" || p.status?.phase === "Succeeded" ? p : undefined;
    });
    expect(stopped.metadata!.deletionTimestamp).toBeTruthy();
    await c.core.patchNamespacedPod({ name: "held", namespace: ns, body: [{ op: "remove", path: "/metadata/finalizers" }] });
    await waitFor("gone", async () => (await apiError(() => c.core.readNamespacedPod({ name: "held", namespace: ns }))).code === 404);
  });

  it("garbage collection by ownerReferences: background deletes, orphan keeps", async () => {
    const ns = await freshNamespace(c);
    const owner = await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "owner" } } });
    const ref = { apiVersion: "v1", kind: "ConfigMap", name: "owner", uid: owner.metadata!.uid! };
    await c.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: "dep", ownerReferences: [ref] } } });
    await c.core.deleteNamespacedConfigMap({ name: "owner", namespace: ns, propagationPolicy: "Background" });
    await waitFor("dependent collected", async () => (await apiError(() => c.core.readNamespacedSecret({ name: "dep", namespace: ns }))).code === 404);
    const owner2 = await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "owner2" } } });
    await c.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: "dep2", ownerReferences: [{ ...ref, name: "owner2", uid: owner2.metadata!.uid! }] } } });
    await c.core.deleteNamespacedConfigMap({ name: "owner2", namespace: ns, propagationPolicy: "Orphan" });
    const orphan = await waitFor("orphaned", async () => {
      const s = await c.core.readNamespacedSecret({ name: "dep2", namespace: ns });
      return s.metadata!.ownerReferences === undefined ? s : undefined;
    });
    expect(orphan.metadata!.name).toBe("dep2");
  });

  it("Foreground deletion waits for dependents, then removes the owner", async () => {
    const ns = await freshNamespace(c);
    await c.apps.createNamespacedDeployment({ namespace: ns, body: { metadata: { name: "fg" }, spec: { replicas: 2, selector: { matchLabels: { a: "fg" } }, template: { metadata: { labels: { a: "fg" } }, spec: { containers: [{ name: "c", image: "nginx" }] } } } } });
    await waitFor("pods", async () => (await c.core.listNamespacedPod({ namespace: ns })).items.length === 2);
    const res = await raw(`/apis/apps/v1/namespaces/${ns}/deployments/fg`, { method: "DELETE", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ propagationPolicy: "Foreground" }) });
    expect(res.json.metadata.finalizers).toContain("foregroundDeletion");
    expect(res.json.metadata.deletionTimestamp).toBeTruthy();
    await waitFor("all gone", async () => {
      const pods = await c.core.listNamespacedPod({ namespace: ns });
      const rs = await c.apps.listNamespacedReplicaSet({ namespace: ns });
      const d = await apiError(() => c.apps.readNamespacedDeployment({ name: "fg", namespace: ns })).catch(() => undefined);
      return pods.items.length === 0 && rs.items.length === 0 && d?.code === 404;
    });
  });

  it("pods/eviction, pods/binding and pods/log", async () => {
    const ns = await freshNamespace(c);
    await c.core.createNamespacedPod({ namespace: ns, body: { metadata: { name: "unsched" }, spec: { schedulerName: "my-scheduler", containers: [{ name: "c", image: "nginx:1" }] } } });
    const node = (await c.core.listNode()).items[0]!.metadata!.name!;
    await c.core.createNamespacedPodBinding({ name: "unsched", namespace: ns, body: { metadata: { name: "unsched" }, target: { kind: "Node", name: node } } });
    const running = await waitFor("bound pod runs", async () => {
      const p = await c.core.readNamespacedPod({ name: "unsched", namespace: ns });
      return p.status?.phase === "Running" ? p : undefined;
    });
    expect(running.spec!.nodeName).toBe(node);
    const log = await c.core.readNamespacedPodLog({ name: "unsched", namespace: ns });
    expect(log).toContain("simulated container c (image nginx:1) started");
    await c.core.createNamespacedPodEviction({ name: "unsched", namespace: ns, body: { metadata: { name: "unsched", namespace: ns } } });
    await waitFor("evicted", async () => (await apiError(() => c.core.readNamespacedPod({ name: "unsched", namespace: ns }))).code === 404);
  });

  it("namespace deletion: Terminating, contents deleted, then the namespace", async () => {
    const ns = await freshNamespace(c);
    await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "a" } } });
    await c.apps.createNamespacedDeployment({ namespace: ns, body: { metadata: { name: "d" }, spec: { replicas: 2, selector: { matchLabels: { a: "d" } }, template: { metadata: { labels: { a: "d" } }, spec: { containers: [{ name: "c", image: "nginx" }] } } } } });
    await waitFor("pods running", async () => (await c.core.listNamespacedPod({ namespace: ns })).items.filter((p) => p.status?.phase === "Running").length === 2);
    const res = await raw(`/api/v1/namespaces/${ns}`, { method: "DELETE", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ propagationPolicy: "Background" }) });
    expect(res.status).toBe(200);
    expect(res.json.status.phase).toBe("Terminating");
    await waitFor("namespace removed", async () => (await apiError(() => c.core.readNamespace({ name: ns }))).code === 404);
    expect((await c.core.listPodForAllNamespaces({ fieldSelector: `metadata.namespace=${ns}` })).items).toHaveLength(0);
    expect((await c.apps.listDeploymentForAllNamespaces({ fieldSelector: `metadata.namespace=${ns}` })).items).toHaveLength(0);
  });
});

describe("ResourceQuota", () => {
  it("rejects pods beyond the quota with 403 exceeded quota and reports usage", async () => {
    const ns = await freshNamespace(c);
    await c.core.createNamespacedResourceQuota({ namespace: ns, body: { metadata: { name: "q" }, spec: { hard: { pods: "2", "requests.cpu": "1" } } } });
    const pod = (name: string, cpu: string) => ({ metadata: { name }, spec: { containers: [{ name: "c", image: "nginx", resources: { requests: { cpu } } }] } });
    await c.core.createNamespacedPod({ namespace: ns, body: pod("a", "500m") });
    const cpu = await apiError(() => c.core.createNamespacedPod({ namespace: ns, body: pod("b", "600m") }));
    expect(cpu.code).toBe(403);
    expect(cpu.status.reason).toBe("Forbidden");
    expect(cpu.status.message).toBe('pods "b" is forbidden: exceeded quota: q, requested: requests.cpu=600m, used: requests.cpu=500m, limited: requests.cpu=1');
    await c.core.createNamespacedPod({ namespace: ns, body: pod("b", "100m") });
    const count = await apiError(() => c.core.createNamespacedPod({ namespace: ns, body: pod("c", "100m") }));
    expect(count.code).toBe(403);
    expect(count.status.message).toContain("exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2");
    const missing = await apiError(() => c.core.createNamespacedPod({ namespace: ns, body: { metadata: { name: "d" }, spec: { containers: [{ name: "c", image: "nginx" }] } } }));
    expect(missing.code).toBe(403);
    expect(missing.status.message).toContain("failed quota: q: must specify requests.cpu");
    await waitFor("quota status", async () => {
      const q = await c.core.readNamespacedResourceQuota({ name: "q", namespace: ns });
      return q.status?.used?.pods === "2" && q.status.used["requests.cpu"] === "600m";
    });
  });
});
