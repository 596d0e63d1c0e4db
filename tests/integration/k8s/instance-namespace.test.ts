// An instance's namespace against kubesim: labels, quota and network policy by server-side apply (idempotent),
// credentials created once and never rotated, deletion that waits until the namespace is gone.
import type { V1NetworkPolicy, V1ResourceQuota } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Kubesim } from "@/kubesim/index";
import { INSTANCE_LABEL, MANAGED_BY_LABEL } from "@/server/clusters/node-snapshot";
import { DomainError } from "@/server/errors/domain-error";
import { deleteInstanceNamespace, waitForNamespaceGone } from "@/server/instances/k8s/delete-namespace";
import { ensureCredentialsSecret, readCredentialsSecret } from "@/server/instances/k8s/instance-credentials";
import { ensureInstanceNamespace, NETWORK_POLICY_NAME, ORG_LABEL, QUOTA_NAME } from "@/server/instances/k8s/instance-namespace";
import type { KubeClients } from "@/server/k8s/kube-client";
import { isKubeNotFound } from "@/server/k8s/kube-status";
import { newInstance, startCluster } from "./helpers";

let sim: Kubesim;
let clients: KubeClients;

beforeAll(async () => {
  ({ sim, clients } = await startCluster());
});

afterAll(async () => {
  await sim?.stop();
});

const quota = { cpuMillis: 1500, memoryMb: 1536, storageGb: 10, pods: 4 };

describe("ensureInstanceNamespace", () => {
  it("creates the labelled namespace, its quota and its network policy", async () => {
    const inst = newInstance();
    const applied = await ensureInstanceNamespace(clients, { ...inst, quota });
    expect(applied.map((a) => `${a.kind}/${a.name}:${a.action}`)).toEqual([
      `Namespace/${inst.namespace}:created`,
      `ResourceQuota/${QUOTA_NAME}:created`,
      `NetworkPolicy/${NETWORK_POLICY_NAME}:created`,
    ]);

    const ns = await clients.core.readNamespace({ name: inst.namespace });
    expect(ns.metadata?.labels).toMatchObject({ [MANAGED_BY_LABEL]: "fleetplane", [INSTANCE_LABEL]: inst.instanceId, [ORG_LABEL]: inst.orgId });
    expect(ns.metadata?.managedFields?.map((f) => `${f.manager}/${f.operation}`)).toContain("fleetplane/Apply");

    const rq = await clients.core.readNamespacedResourceQuota({ name: QUOTA_NAME, namespace: inst.namespace });
    expect(rq.spec?.hard).toEqual({
      "requests.cpu": "1500m",
      "limits.cpu": "1500m",
      "requests.memory": "1536Mi",
      "limits.memory": "1536Mi",
      "requests.storage": "10Gi",
      pods: "4",
    });

    const np = (await clients.kc.makeApiClient((await import("@kubernetes/client-node")).NetworkingV1Api).readNamespacedNetworkPolicy({ name: NETWORK_POLICY_NAME, namespace: inst.namespace })) as V1NetworkPolicy;
    expect(np.spec?.podSelector).toEqual({});
    expect(np.spec?.policyTypes).toEqual(["Ingress"]);
    // client-node's typed model names the field `_from` (from is a reserved word in its generator).
    expect(np.spec?.ingress).toEqual([{ _from: [{ podSelector: {} }, { namespaceSelector: { matchLabels: { "fleetplane.dev/gateway": "true" } } }] }]);
  });

  it("is idempotent: a second run changes nothing, a changed quota is updated in place", async () => {
    const inst = newInstance();
    await ensureInstanceNamespace(clients, { ...inst, quota });
    const versions = async () => [
      (await clients.core.readNamespace({ name: inst.namespace })).metadata?.resourceVersion,
      (await clients.core.readNamespacedResourceQuota({ name: QUOTA_NAME, namespace: inst.namespace })).metadata?.resourceVersion,
    ];
    const before = await versions();

    const again = await ensureInstanceNamespace(clients, { ...inst, quota });
    expect(again.map((a) => a.action)).toEqual(["unchanged", "unchanged", "unchanged"]);
    expect(await versions()).toEqual(before);

    const bigger = await ensureInstanceNamespace(clients, { ...inst, quota: { ...quota, pods: 6 } });
    expect(bigger.map((a) => a.action)).toEqual(["unchanged", "configured", "unchanged"]);
    const rq: V1ResourceQuota = await clients.core.readNamespacedResourceQuota({ name: QUOTA_NAME, namespace: inst.namespace });
    expect(rq.spec?.hard?.pods).toBe("6");
  });

  it("refuses a namespace of that name that Fleetplane did not create, or that belongs to another instance", async () => {
    const inst = newInstance();
    await clients.core.createNamespace({ body: { metadata: { name: inst.namespace } } });
    await expect(ensureInstanceNamespace(clients, { ...inst, quota })).rejects.toMatchObject({ code: "PRECONDITION_FAILED", message: `namespace ${inst.namespace} exists and is not managed by Fleetplane` });

    const mine = newInstance();
    await ensureInstanceNamespace(clients, { ...mine, quota });
    const other = { ...mine, instanceId: newInstance().instanceId };
    await expect(ensureInstanceNamespace(clients, { ...other, quota })).rejects.toMatchObject({ code: "PRECONDITION_FAILED", message: `namespace ${mine.namespace} belongs to another instance` });
    expect((await clients.core.readNamespace({ name: mine.namespace })).metadata?.labels?.[INSTANCE_LABEL]).toBe(mine.instanceId);
  });

  it("refuses a namespace name that is not an RFC 1123 label, before calling the cluster", async () => {
    const inst = newInstance();
    await expect(ensureInstanceNamespace(clients, { ...inst, namespace: "Not_Valid", quota })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });
});

describe("ensureCredentialsSecret", () => {
  it("creates the Secret once and returns the same credentials on every later call", async () => {
    const inst = newInstance("db");
    await ensureInstanceNamespace(clients, { ...inst, quota });
    const ref = { namespace: inst.namespace, secretName: "db-credentials" };
    expect(await readCredentialsSecret(clients, ref)).toBeUndefined();

    const first = await ensureCredentialsSecret(clients, ref);
    expect(first.username).toMatch(/^fp[a-z0-9]{10}$/);
    expect(first.password).toMatch(/^[A-Za-z0-9]{32}$/);
    const rv = (await clients.core.readNamespacedSecret({ name: ref.secretName, namespace: ref.namespace })).metadata?.resourceVersion;

    const second = await ensureCredentialsSecret(clients, ref);
    expect(second).toEqual(first);
    const stored = await clients.core.readNamespacedSecret({ name: ref.secretName, namespace: ref.namespace });
    expect(stored.metadata?.resourceVersion).toBe(rv);
    expect(Buffer.from(stored.data!.password!, "base64").toString()).toBe(first.password);
    expect(stored.metadata?.labels?.[MANAGED_BY_LABEL]).toBe("fleetplane");
  });

  it("concurrent first calls agree on one set of credentials", async () => {
    const inst = newInstance("db");
    await ensureInstanceNamespace(clients, { ...inst, quota });
    const ref = { namespace: inst.namespace, secretName: "db-credentials" };
    const all = await Promise.all([1, 2, 3, 4].map(() => ensureCredentialsSecret(clients, ref)));
    for (const c of all) expect(c).toEqual(all[0]);
  });

  it("fails (retryable) while the namespace does not exist", async () => {
    const err = await ensureCredentialsSecret(clients, { namespace: "fp-missing-namespace", secretName: "x-credentials" }).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(DomainError);
    expect(isKubeNotFound(err)).toBe(true);
  });
});

describe("deleteInstanceNamespace", () => {
  it("deletes the namespace with its contents, repeats harmlessly, and waits until it is gone", async () => {
    const inst = newInstance();
    await ensureInstanceNamespace(clients, { ...inst, quota });
    await ensureCredentialsSecret(clients, { namespace: inst.namespace, secretName: "web-credentials" });

    expect(await deleteInstanceNamespace(clients, inst.namespace)).toEqual({ state: "terminating" });
    // A retried step: deleting again while it terminates is fine, and so is re-creating (it says why it cannot).
    expect((await deleteInstanceNamespace(clients, inst.namespace)).state).toMatch(/terminating|gone/);

    const started = Date.now();
    await waitForNamespaceGone(clients, inst.namespace, 10_000);
    expect(Date.now() - started).toBeLessThan(10_000);
    await expect(clients.core.readNamespace({ name: inst.namespace })).rejects.toSatisfy(isKubeNotFound);
    expect(await deleteInstanceNamespace(clients, inst.namespace)).toEqual({ state: "gone" });
    await waitForNamespaceGone(clients, inst.namespace, 1_000);
  });

  it("says plainly when a namespace of that name is still being deleted", async () => {
    const inst = newInstance();
    await ensureInstanceNamespace(clients, { ...inst, quota });
    // A finalizer keeps the namespace terminating until it is removed.
    await clients.core.createNamespacedConfigMap({ namespace: inst.namespace, body: { metadata: { name: "held", finalizers: ["example.com/hold"] } } });
    await deleteInstanceNamespace(clients, inst.namespace);
    await expect(ensureInstanceNamespace(clients, { ...inst, quota })).rejects.toThrow(`namespace ${inst.namespace} is still being deleted`);
    await expect(waitForNamespaceGone(clients, inst.namespace, 300)).rejects.toThrow(`namespace ${inst.namespace} is still terminating after 0 s`);
    await clients.core.patchNamespacedConfigMap(
      { name: "held", namespace: inst.namespace, body: [{ op: "remove", path: "/metadata/finalizers" }] },
    );
    await waitForNamespaceGone(clients, inst.namespace, 10_000);
  });

  it("never deletes a namespace Fleetplane did not create", async () => {
    const err = await deleteInstanceNamespace(clients, "default").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe("PRECONDITION_FAILED");
    expect((await clients.core.readNamespace({ name: "default" })).metadata?.deletionTimestamp).toBeUndefined();
  });
});
