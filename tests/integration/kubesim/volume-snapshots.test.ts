// VolumeSnapshots (snapshot.storage.k8s.io/v1) through client-node's generic KubernetesObjectApi:
// discovery, create/read/list/delete, the simulated snapshotter (ready with the claim's size, or an
// error while the claim is missing), CRD validation, namespace cascade, and kubectl get/apply.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import * as k8s from "@kubernetes/client-node";
import type { Kubesim } from "../../../kubesim/index";
import { apiError, cleanupNamespaces, clientsFor, freshNamespace, startTestSim, waitFor, type Clients } from "./helpers";

const API = "snapshot.storage.k8s.io/v1";
const KIND = "VolumeSnapshot";

interface VolumeSnapshot extends k8s.KubernetesObject {
  spec: { volumeSnapshotClassName?: string; source: { persistentVolumeClaimName?: string; volumeSnapshotContentName?: string } };
  status?: { readyToUse?: boolean; creationTime?: string; restoreSize?: string; boundVolumeSnapshotContentName?: string; error?: { time?: string; message?: string } };
}

let sim: Kubesim;
let c: Clients;

beforeAll(async () => {
  sim = await startTestSim({ clusters: [{ name: "snaps", region: "eu-west-1", nodeCount: 1 }] });
  c = clientsFor(sim);
});
afterEach(async () => {
  await cleanupNamespaces(c);
});
afterAll(async () => {
  await sim?.stop();
});

function snapshot(ns: string, name: string, source: VolumeSnapshot["spec"]["source"], cls = "csi-hostpath-snapclass"): VolumeSnapshot {
  return { apiVersion: API, kind: KIND, metadata: { name, namespace: ns }, spec: { volumeSnapshotClassName: cls, source } };
}

async function createPvc(ns: string, name: string, storage: string): Promise<void> {
  await c.core.createNamespacedPersistentVolumeClaim({
    namespace: ns,
    body: { metadata: { name }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage } } } },
  });
}

const read = (ns: string, name: string) => c.objects.read<VolumeSnapshot>({ apiVersion: API, kind: KIND, metadata: { name, namespace: ns } });

describe("VolumeSnapshot", () => {
  it("is discoverable: group list, APIResourceList with shortName and status, aggregated discovery, OpenAPI index", async () => {
    const base = sim.clusters[0]!.url;
    const groups = await fetch(`${base}/apis`).then((r) => r.json());
    expect(groups.groups).toContainEqual({
      name: "snapshot.storage.k8s.io",
      versions: [{ groupVersion: API, version: "v1" }],
      preferredVersion: { groupVersion: API, version: "v1" },
    });
    const list = await fetch(`${base}/apis/${API}`).then((r) => r.json());
    expect(list).toMatchObject({ kind: "APIResourceList", groupVersion: API });
    expect(list.resources).toContainEqual(expect.objectContaining({ name: "volumesnapshots", singularName: "volumesnapshot", namespaced: true, kind: KIND, shortNames: ["vs"] }));
    expect(list.resources).toContainEqual(expect.objectContaining({ name: "volumesnapshots/status", kind: KIND, verbs: ["get", "patch", "update"] }));
    const aggregated = await fetch(`${base}/apis`, { headers: { Accept: "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList" } }).then((r) => r.json());
    const group = aggregated.items.find((g: { metadata: { name?: string } }) => g.metadata.name === "snapshot.storage.k8s.io");
    expect(group.versions[0].resources[0]).toMatchObject({ resource: "volumesnapshots", scope: "Namespaced", shortNames: ["vs"], subresources: [{ subresource: "status" }] });
    const openapi = await fetch(`${base}/openapi/v3`).then((r) => r.json());
    expect(openapi.paths[`apis/${API}`].serverRelativeURL).toMatch(/^\/openapi\/v3\/apis\/snapshot\.storage\.k8s\.io\/v1\?hash=/);
  });

  it("create, read, list and delete through KubernetesObjectApi; ready with the claim's requested size", async () => {
    const ns = await freshNamespace(c);
    await createPvc(ns, "data", "5Gi");
    // A status sent on create is dropped (status subresource), as for the CRD.
    const created = await c.objects.create<VolumeSnapshot>({ ...snapshot(ns, "snap-1", { persistentVolumeClaimName: "data" }), status: { readyToUse: true } });
    expect(created).toMatchObject({ apiVersion: API, kind: KIND, metadata: { name: "snap-1", namespace: ns, generation: 1 } });
    expect(created.status).toBeUndefined();
    const uid = created.metadata!.uid!;

    const ready = await waitFor("readyToUse", async () => {
      const s = await read(ns, "snap-1");
      return s.status?.readyToUse ? s : undefined;
    });
    expect(ready.status).toEqual({
      readyToUse: true,
      creationTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      restoreSize: "5Gi",
      boundVolumeSnapshotContentName: `snapcontent-${uid}`,
    });
    expect(ready.spec).toEqual({ volumeSnapshotClassName: "csi-hostpath-snapclass", source: { persistentVolumeClaimName: "data" } });

    await c.objects.create(snapshot(ns, "snap-2", { persistentVolumeClaimName: "data" }));
    const listed = await c.objects.list<VolumeSnapshot>(API, KIND, ns);
    expect(listed.items.map((s) => s.metadata!.name)).toEqual(["snap-1", "snap-2"]);
    expect((listed as unknown as { kind: string }).kind).toBe("VolumeSnapshotList");

    const events = await c.core.listNamespacedEvent({ namespace: ns, fieldSelector: "involvedObject.name=snap-1" });
    expect(events.items.map((e) => e.reason)).toEqual(expect.arrayContaining(["CreatingSnapshot", "SnapshotCreated", "SnapshotReady"]));
    expect(events.items[0]!.involvedObject).toMatchObject({ apiVersion: API, kind: KIND, uid });

    await c.objects.delete({ apiVersion: API, kind: KIND, metadata: { name: "snap-1", namespace: ns } });
    const gone = await apiError(() => read(ns, "snap-1"));
    expect(gone.code).toBe(404);
    expect(gone.status).toMatchObject({ reason: "NotFound", message: 'volumesnapshots.snapshot.storage.k8s.io "snap-1" not found' });
    // A ready snapshot outlives its claim.
    await waitFor("snap-2 ready", async () => (await read(ns, "snap-2")).status?.readyToUse);
    await c.core.deleteNamespacedPersistentVolumeClaim({ name: "data", namespace: ns });
    await waitFor("pvc gone", async () => (await c.core.listNamespacedPersistentVolumeClaim({ namespace: ns })).items.length === 0);
    expect((await read(ns, "snap-2")).status?.readyToUse).toBe(true);
  });

  it("reports an error while the source claim is missing, and is taken once the claim exists", async () => {
    const ns = await freshNamespace(c);
    await c.objects.create(snapshot(ns, "orphan", { persistentVolumeClaimName: "nope" }));
    const failed = await waitFor("error status", async () => {
      const s = await read(ns, "orphan");
      return s.status?.error ? s : undefined;
    });
    expect(failed.status).toEqual({ readyToUse: false, error: { time: expect.stringMatching(/Z$/), message: "PersistentVolumeClaim nope not found" } });
    const warning = await c.core.listNamespacedEvent({ namespace: ns, fieldSelector: "involvedObject.name=orphan,type=Warning" });
    expect(warning.items.map((e) => e.reason)).toEqual(["SnapshotContentCreationFailed"]);

    await createPvc(ns, "nope", "2Gi");
    const ready = await waitFor("ready once the claim exists", async () => {
      const s = await read(ns, "orphan");
      return s.status?.readyToUse ? s : undefined;
    });
    expect(ready.status).toMatchObject({ readyToUse: true, restoreSize: "2Gi" });
    expect(ready.status!.error).toBeUndefined();
  });

  it("validates like the CRD: source required, exactly one source, immutable source", async () => {
    const ns = await freshNamespace(c);
    const noSource = await apiError(() => c.objects.create({ apiVersion: API, kind: KIND, metadata: { name: "a", namespace: ns }, spec: {} }));
    expect(noSource.code).toBe(422);
    expect(noSource.status.details!.causes).toEqual([{ reason: "FieldValueRequired", message: "Required value", field: "spec.source" }]);
    const both = await apiError(() => c.objects.create(snapshot(ns, "b", { persistentVolumeClaimName: "x", volumeSnapshotContentName: "y" })));
    expect(both.code).toBe(422);
    expect(both.status.message).toContain("exactly one of volumeSnapshotContentName and persistentVolumeClaimName must be set");
    const emptyClass = await apiError(() => c.objects.create(snapshot(ns, "c", { persistentVolumeClaimName: "x" }, "")));
    expect(emptyClass.status.details!.causes![0]!.field).toBe("spec.volumeSnapshotClassName");

    await c.objects.create(snapshot(ns, "d", { persistentVolumeClaimName: "x" }));
    const changed = await apiError(() =>
      c.objects.patch(
        { apiVersion: API, kind: KIND, metadata: { name: "d", namespace: ns }, spec: { source: { persistentVolumeClaimName: "y" } } },
        undefined,
        undefined,
        undefined,
        undefined,
        k8s.PatchStrategy.MergePatch,
      ),
    );
    expect(changed.code).toBe(422);
    expect(changed.status.details!.causes).toEqual([{ reason: "FieldValueInvalid", message: 'Invalid value: "string": persistentVolumeClaimName is immutable', field: "spec.source.persistentVolumeClaimName" }]);
    // Labels may change; the generation follows spec changes only.
    const labelled = await c.objects.patch(
      { apiVersion: API, kind: KIND, metadata: { name: "d", namespace: ns, labels: { keep: "yes" } } },
      undefined,
      undefined,
      undefined,
      undefined,
      k8s.PatchStrategy.MergePatch,
    );
    expect(labelled.metadata).toMatchObject({ labels: { keep: "yes" }, generation: 1 });
  });

  it("goes with its namespace", async () => {
    const ns = await freshNamespace(c);
    await createPvc(ns, "data", "1Gi");
    await c.objects.create(snapshot(ns, "s1", { persistentVolumeClaimName: "data" }));
    await c.objects.create(snapshot(ns, "s2", { persistentVolumeClaimName: "missing" }));
    await c.core.deleteNamespace({ name: ns });
    await waitFor("namespace gone", async () => !(await c.core.listNamespace()).items.some((n) => n.metadata!.name === ns));
    const all = await c.objects.list<VolumeSnapshot>(API, KIND);
    expect(all.items.filter((s) => s.metadata!.namespace === ns)).toEqual([]);
  });
});

function findKubectl(): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    const p = join(dir, "kubectl");
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}
const kubectlPath = findKubectl();

describe.skipIf(!kubectlPath)("VolumeSnapshot with kubectl", () => {
  function kubectl(...args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(kubectlPath!, ["--kubeconfig", sim.clusters[0]!.kubeconfigPath, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`kubectl ${args.join(" ")}: ${stderr}${stdout}`));
        else resolve(stdout);
      });
    });
  }

  it("apply -f creates one, get vs prints the CRD's columns", async () => {
    const ns = await freshNamespace(c);
    await createPvc(ns, "data", "3Gi");
    const file = join(sim.clusters[0]!.kubeconfigPath, "..", `vs-${ns}.yaml`);
    await writeFile(file, `apiVersion: ${API}\nkind: ${KIND}\nmetadata:\n  name: nightly\n  namespace: ${ns}\nspec:\n  volumeSnapshotClassName: csi-hostpath-snapclass\n  source:\n    persistentVolumeClaimName: data\n`);
    expect(await kubectl("apply", "-f", file)).toContain("volumesnapshot.snapshot.storage.k8s.io/nightly created");
    await waitFor("ready", async () => (await read(ns, "nightly")).status?.readyToUse);
    const out = await kubectl("get", "vs", "-n", ns);
    expect(out).toMatch(/^NAME\s+READYTOUSE\s+SOURCEPVC\s+SOURCESNAPSHOTCONTENT\s+RESTORESIZE\s+SNAPSHOTCLASS\s+SNAPSHOTCONTENT\s+CREATIONTIME\s+AGE/);
    expect(out).toMatch(/nightly\s+true\s+data\s+3Gi\s+csi-hostpath-snapclass\s+snapcontent-[0-9a-f-]+\s+\S+\s+\S+/);
    expect(await kubectl("delete", "volumesnapshot", "nightly", "-n", ns)).toContain('volumesnapshot.snapshot.storage.k8s.io "nightly" deleted');
  });
});
