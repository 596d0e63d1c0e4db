// An instance's workload against kubesim, through client-node only: the demo templates rendered and applied by
// server-side apply, readiness by watch, the endpoint answering HTTP, scaling to zero and back, rejections that
// a retry cannot fix, quota exhaustion in plain words, and the namespace's events.
import type { KubernetesObject } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { helloWebManifest, postgresManifest } from "@/db/seed/demo-manifests";
import { PORT_ANNOTATION, type Kubesim } from "@/kubesim/index";
import { renderTemplate, type TemplateValues } from "@/server/catalog/template";
import { DomainError } from "@/server/errors/domain-error";
import { applyManifests } from "@/server/instances/k8s/apply-workload";
import { KUBESIM_PORT_ANNOTATION, readServiceEndpoint } from "@/server/instances/k8s/endpoint";
import { listNamespaceEvents } from "@/server/instances/k8s/events";
import { ensureCredentialsSecret } from "@/server/instances/k8s/instance-credentials";
import { ensureInstanceNamespace, type InstanceQuota } from "@/server/instances/k8s/instance-namespace";
import { checkWorkloadReady, waitForWorkloadReady } from "@/server/instances/k8s/readiness";
import { scaleWorkload } from "@/server/instances/k8s/scale";
import type { KubeClients } from "@/server/k8s/kube-client";
import { httpGet, newInstance, startCluster, waitFor } from "./helpers";

let sim: Kubesim;
let clients: KubeClients;
let clusterName: string;

beforeAll(async () => {
  ({ sim, clients, cluster: clusterName } = await startCluster());
});

afterAll(async () => {
  await sim?.stop();
});

const plan = { cpuMillis: 100, memoryMb: 64, storageGb: 1 };

/** Namespace (quota sized like the provision workflow does) and credentials, then the rendered template. */
async function prepare(template: string, opts: { name?: string; replicas?: number; image?: string; quota?: Partial<InstanceQuota> } = {}) {
  const inst = newInstance(opts.name ?? "web");
  const replicas = opts.replicas ?? 2;
  const quota: InstanceQuota = {
    cpuMillis: plan.cpuMillis * (replicas + 1),
    memoryMb: plan.memoryMb * (replicas + 1),
    storageGb: Math.max(plan.storageGb * replicas, 1),
    pods: replicas * 2 + 2,
    ...opts.quota,
  };
  await ensureInstanceNamespace(clients, { ...inst, quota });
  const secretName = `${inst.name}-credentials`;
  const credentials = await ensureCredentialsSecret(clients, { namespace: inst.namespace, secretName });
  const values: TemplateValues = {
    name: inst.name,
    namespace: inst.namespace,
    instanceId: inst.instanceId,
    image: opts.image ?? "fleetplane/hello-web:1.0.0",
    replicas,
    cpu: plan.cpuMillis,
    memory: plan.memoryMb,
    storage: plan.storageGb,
    credentials: { ...credentials, secretName },
  };
  return { inst, objects: renderTemplate(template, values), values };
}

async function rejection(p: Promise<unknown>): Promise<DomainError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DomainError);
  return err as DomainError;
}

describe("the web demo template", () => {
  let web: Awaited<ReturnType<typeof prepare>>;
  const ref = () => ({ namespace: web.inst.namespace, name: web.inst.name, kind: "Deployment" as const });

  it("applies, becomes ready (by watch) and its endpoint answers HTTP 200", async () => {
    web = await prepare(helloWebManifest);
    const applied = await applyManifests(clients, web.objects);
    expect(applied).toEqual([
      { kind: "Deployment", name: "web", namespace: web.inst.namespace, action: "created" },
      { kind: "Service", name: "web", namespace: web.inst.namespace, action: "created" },
    ]);

    // A long poll interval: only the watch can make this resolve quickly.
    const started = Date.now();
    const status = await waitForWorkloadReady(clients, ref(), { timeoutMs: 15_000, pollMs: 60_000 });
    expect(status).toEqual({ ready: true, readyReplicas: 2, desiredReplicas: 2, reason: "2 of 2 pods ready" });
    expect(Date.now() - started).toBeLessThan(5_000);

    const deployment = await clients.apps.readNamespacedDeployment({ name: "web", namespace: web.inst.namespace });
    expect(deployment.metadata?.labels).toMatchObject({ "app.kubernetes.io/managed-by": "fleetplane", "fleetplane.dev/instance": web.inst.instanceId });
    expect(deployment.metadata?.managedFields?.find((f) => f.manager === "fleetplane")?.operation).toBe("Apply");

    const endpoint = await waitFor("endpoint", () => readServiceEndpoint(clients, { namespace: web.inst.namespace, name: "web" }));
    expect(endpoint.host).toBe("127.0.0.1");
    const answer = await httpGet(endpoint);
    expect(answer).toMatchObject({ status: 200, body: { namespace: web.inst.namespace, service: "web", cluster: clusterName } });
  });

  it("applying the same objects again changes nothing; a changed value is configured", async () => {
    const rv = (await clients.apps.readNamespacedDeployment({ name: "web", namespace: web.inst.namespace })).metadata?.resourceVersion;
    const again = await applyManifests(clients, web.objects);
    expect(again.map((a) => a.action)).toEqual(["unchanged", "unchanged"]);
    expect((await clients.apps.readNamespacedDeployment({ name: "web", namespace: web.inst.namespace })).metadata?.resourceVersion).toBe(rv);

    const relabelled = structuredClone(web.objects);
    relabelled[1]!.metadata!.annotations = { "example.com/note": "changed" };
    expect((await applyManifests(clients, relabelled)).map((a) => a.action)).toEqual(["unchanged", "configured"]);
  });

  it("reads the endpoint from the kubesim annotation and falls back to the Service's DNS name", async () => {
    expect(KUBESIM_PORT_ANNOTATION).toBe(PORT_ANNOTATION);
    const svc = await clients.core.readNamespacedService({ name: "web", namespace: web.inst.namespace });
    const endpoint = await readServiceEndpoint(clients, { namespace: web.inst.namespace, name: "web" });
    expect(endpoint).toEqual({ host: "127.0.0.1", port: Number(svc.metadata!.annotations![PORT_ANNOTATION]) });

    // A Service without a selector gets no load balancer in kubesim: what a real cluster without one looks like.
    await applyManifests(clients, [{ apiVersion: "v1", kind: "Service", metadata: { name: "plain", namespace: web.inst.namespace }, spec: { ports: [{ port: 5432 }] } } as KubernetesObject]);
    expect(await readServiceEndpoint(clients, { namespace: web.inst.namespace, name: "plain" })).toEqual({ host: `plain.${web.inst.namespace}.svc`, port: 5432 });
    expect(await readServiceEndpoint(clients, { namespace: web.inst.namespace, name: "missing" })).toBeNull();
  });

  it("scaled to zero it refuses connections; scaled back it is ready and answers again", async () => {
    expect(await scaleWorkload(clients, { ...ref(), replicas: 0 })).toEqual({ previous: 2, replicas: 0 });
    expect(await scaleWorkload(clients, { ...ref(), replicas: 0 })).toEqual({ previous: 0, replicas: 0 });
    const stopped = await waitForWorkloadReady(clients, ref(), { timeoutMs: 10_000 });
    expect(stopped).toMatchObject({ ready: true, desiredReplicas: 0, reason: "scaled to zero" });
    const endpoint = (await readServiceEndpoint(clients, { namespace: web.inst.namespace, name: "web" }))!;
    await waitFor("connection refused", async () => {
      const r = await httpGet(endpoint);
      return "error" in r && r.error === "ECONNREFUSED";
    });

    await scaleWorkload(clients, { ...ref(), replicas: 2 });
    expect(await waitForWorkloadReady(clients, ref(), { timeoutMs: 10_000 })).toMatchObject({ ready: true, readyReplicas: 2 });
    await waitFor("HTTP 200 again", async () => {
      const r = await httpGet(endpoint);
      return "status" in r && r.status === 200;
    });
  });

  it("scaling a workload that does not exist is NOT_FOUND", async () => {
    const err = await rejection(scaleWorkload(clients, { ...ref(), name: "nope", replicas: 1 }));
    expect(err.code).toBe("NOT_FOUND");
  });

  it("lists the namespace's events, newest first", async () => {
    const events = await listNamespaceEvents(clients, web.inst.namespace, 500);
    expect(events.length).toBeGreaterThan(5);
    const reasons = new Set(events.map((e) => e.reason));
    for (const r of ["ScalingReplicaSet", "SuccessfulCreate", "Scheduled", "Started"]) expect(reasons).toContain(r);
    const times = events.map((e) => Date.parse(e.lastTimestamp!));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(events[0]).toEqual({
      type: expect.stringMatching(/^(Normal|Warning)$/),
      reason: expect.any(String),
      message: expect.any(String),
      involvedObject: { kind: expect.any(String), name: expect.any(String) },
      count: expect.any(Number),
      lastTimestamp: expect.any(String),
    });
    expect(await listNamespaceEvents(clients, web.inst.namespace, 3)).toHaveLength(3);
    expect(await listNamespaceEvents(clients, "fp-no-such-namespace", 10)).toEqual([]);
  });
});

describe("rejections", () => {
  it("an invalid object (422) becomes BAD_REQUEST in plain words, and nothing after it is applied", async () => {
    const { inst, objects } = await prepare(helloWebManifest);
    const bad = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "bad_name", namespace: inst.namespace }, data: { a: "b" } } as KubernetesObject;
    const err = await rejection(applyManifests(clients, [...objects, bad]));
    expect(err.code).toBe("BAD_REQUEST");
    expect(err.message).toMatch(/^the cluster rejected ConfigMap "bad_name": metadata.name: .*RFC 1123/);
    // Config goes first: the failure stopped the workload from being applied.
    await expect(clients.apps.readNamespacedDeployment({ name: "web", namespace: inst.namespace })).rejects.toMatchObject({ code: 404 });
  });

  it("a kind the cluster does not serve becomes BAD_REQUEST", async () => {
    const { inst } = await prepare(helloWebManifest);
    const err = await rejection(applyManifests(clients, [{ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w", namespace: inst.namespace } }]));
    expect(err.code).toBe("BAD_REQUEST");
    expect(err.message).toBe("the cluster does not serve Widget in example.com/v1");
  });

  it("an object without a namespace is refused before it reaches the cluster", async () => {
    const err = await rejection(applyManifests(clients, [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" } }]));
    expect(err.message).toBe('ConfigMap "x" has no namespace');
  });

  it("a volume claim over the storage quota is BAD_REQUEST that says so", async () => {
    const { inst } = await prepare(helloWebManifest, { quota: { storageGb: 1 } });
    const pvc = {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: { name: "big", namespace: inst.namespace },
      spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "20Gi" } } },
    } as KubernetesObject;
    const err = await rejection(applyManifests(clients, [pvc]));
    expect(err.code).toBe("BAD_REQUEST");
    expect(err.message).toBe(
      `PersistentVolumeClaim "big" was refused: it does not fit the instance's resource quota: it asks for requests.storage=20Gi while requests.storage=0 is already in use, and the limit is requests.storage=1Gi`,
    );
  });

  it("pods over the quota surface in the readiness reason", async () => {
    // Room for one pod only: the second replica cannot be created.
    const { inst, objects } = await prepare(helloWebManifest, { replicas: 2, quota: { cpuMillis: plan.cpuMillis, memoryMb: plan.memoryMb } });
    await applyManifests(clients, objects);
    const ref = { namespace: inst.namespace, name: inst.name, kind: "Deployment" as const };
    const status = await waitForWorkloadReady(clients, ref, { timeoutMs: 1_500, pollMs: 200 });
    expect(status.ready).toBe(false);
    expect(status.readyReplicas).toBe(1);
    expect(status.reason).toBe(
      "1 of 2 pods ready; new pods are refused: it does not fit the instance's resource quota: it asks for requests.cpu=100m,limits.cpu=100m,requests.memory=64Mi,limits.memory=64Mi " +
        "while requests.cpu=100m,limits.cpu=100m,requests.memory=64Mi,limits.memory=64Mi is already in use, and the limit is requests.cpu=100m,limits.cpu=100m,requests.memory=64Mi,limits.memory=64Mi",
    );
  });
});

describe("readiness", () => {
  it("says which pod fails and why when an image cannot be pulled", async () => {
    const { inst, objects } = await prepare(helloWebManifest, { replicas: 1, image: "registry.invalid/broken:1" });
    await sim.admin.imagePullFailure(clusterName, "registry.invalid/*", inst.namespace);
    await applyManifests(clients, objects);
    const ref = { namespace: inst.namespace, name: inst.name, kind: "Deployment" as const };
    const status = await waitForWorkloadReady(clients, ref, { timeoutMs: 1_000, pollMs: 200 });
    expect(status).toMatchObject({ ready: false, readyReplicas: 0, desiredReplicas: 1 });
    expect(status.reason).toMatch(/^0 of 1 pods ready; pod web-[a-z0-9]+-[a-z0-9]+: (ErrImagePull|ImagePullBackOff)$/);
    expect(await checkWorkloadReady(clients, ref)).toMatchObject({ ready: false, reason: status.reason });
  });

  it("a missing workload is not ready, and an aborted wait rejects", async () => {
    const { inst } = await prepare(helloWebManifest);
    const ref = { namespace: inst.namespace, name: "ghost", kind: "StatefulSet" as const };
    expect(await checkWorkloadReady(clients, ref)).toEqual({ ready: false, readyReplicas: 0, desiredReplicas: 0, reason: "StatefulSet ghost does not exist" });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("cancelled by the run")), 100);
    await expect(waitForWorkloadReady(clients, ref, { timeoutMs: 10_000, signal: controller.signal })).rejects.toThrow("cancelled by the run");
  });
});

describe("the stateful demo template", () => {
  it("applies a StatefulSet with its volume claim and Service, and becomes ready", async () => {
    const { inst, objects } = await prepare(postgresManifest, { name: "db", replicas: 1, image: "postgres:16.4" });
    expect(objects.map((o) => o.kind)).toEqual(["StatefulSet", "Service"]);
    await applyManifests(clients, objects);
    const ref = { namespace: inst.namespace, name: "db", kind: "StatefulSet" as const };
    expect(await waitForWorkloadReady(clients, ref, { timeoutMs: 15_000 })).toEqual({ ready: true, readyReplicas: 1, desiredReplicas: 1, reason: "1 of 1 pods ready" });

    const pvcs = await clients.core.listNamespacedPersistentVolumeClaim({ namespace: inst.namespace });
    expect(pvcs.items.map((p) => [p.metadata?.name, p.spec?.resources?.requests?.storage])).toEqual([["data-db-0", "1Gi"]]);
    const pod = await clients.core.readNamespacedPod({ name: "db-0", namespace: inst.namespace });
    expect(pod.spec?.containers[0]?.env?.find((e) => e.name === "POSTGRES_PASSWORD")?.valueFrom?.secretKeyRef).toEqual({ name: "db-credentials", key: "password" });

    const endpoint = await waitFor("endpoint", () => readServiceEndpoint(clients, { namespace: inst.namespace, name: "db" }));
    expect(await httpGet(endpoint)).toMatchObject({ status: 200, body: { pod: "db-0" } });

    // Scaling a StatefulSet to zero keeps its volume claim (data is kept).
    await scaleWorkload(clients, { ...ref, replicas: 0 });
    expect(await waitForWorkloadReady(clients, ref, { timeoutMs: 10_000 })).toMatchObject({ ready: true, reason: "scaled to zero" });
    expect((await clients.core.listNamespacedPersistentVolumeClaim({ namespace: inst.namespace })).items).toHaveLength(1);
  });
});
