// Crash-loop faults keyed by container image: a rollout to a bad tag crash-loops only the new pods while
// the old ReplicaSet keeps serving, on every cluster the fault is added to; the image glob ANDs with the
// other filters, spares a pod's other containers, and follows in-place image changes.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import * as k8s from "@kubernetes/client-node";
import { KubesimAdminError } from "../../../kubesim/admin-client";
import type { Kubesim } from "../../../kubesim/index";
import { cleanupNamespaces, clientsFor, deployment, freshNamespace, startTestSim, waitFor, type Clients } from "./helpers";

const GOOD = "registry.example/app:1.0.0";
const BAD = "registry.example/app:2.0.0-bad";
const CLUSTERS = ["ck-eu", "ck-us"];

let sim: Kubesim;
let c: Clients;
let other: Clients;

beforeAll(async () => {
  sim = await startTestSim({ clusters: [{ name: CLUSTERS[0]!, region: "eu-west-1", nodeCount: 3 }, { name: CLUSTERS[1]!, region: "us-east-1", nodeCount: 1 }] });
  c = clientsFor(sim, CLUSTERS[0]);
  other = clientsFor(sim, CLUSTERS[1]);
});
afterEach(async () => {
  for (const cl of CLUSTERS) await sim.admin.clearFaults(cl);
  await cleanupNamespaces(c);
});
afterAll(async () => {
  await sim?.stop();
});

const isReady = (p: k8s.V1Pod) => p.status?.conditions?.find((x) => x.type === "Ready")?.status === "True";
const waitingReason = (p: k8s.V1Pod, container = "web") => p.status?.containerStatuses?.find((s) => s.name === container)?.state?.waiting?.reason;
const restarts = (p: k8s.V1Pod, container = "web") => p.status?.containerStatuses?.find((s) => s.name === container)?.restartCount ?? 0;
const imageOf = (p: { spec?: { containers: k8s.V1Container[] } }) => p.spec?.containers[0]?.image;

async function pods(cl: Clients, ns: string): Promise<k8s.V1Pod[]> {
  return (await cl.core.listNamespacedPod({ namespace: ns })).items.filter((p) => !p.metadata?.deletionTimestamp);
}

async function replicaSetByImage(ns: string, image: string): Promise<k8s.V1ReplicaSet | undefined> {
  return (await c.apps.listNamespacedReplicaSet({ namespace: ns })).items.find((rs) => imageOf(rs.spec!.template!) === image);
}

describe("crashLoop fault with an image glob", () => {
  it("a rollout to the bad image crash-loops only the new pods; the old ReplicaSet stays Ready, on every cluster", async () => {
    // How a test of a bad release sets it up: one fault per cluster, keyed by the new tag only.
    for (const cl of CLUSTERS) {
      const f = await sim.admin.crashLoop(cl, { image: "*:2.0.0-bad" });
      expect(f).toMatchObject({ type: "crashLoop", image: "*:2.0.0-bad" });
      expect((await sim.admin.faults(cl)).map((x) => x.id)).toEqual([f.id]);
    }
    const ns = await freshNamespace(c);
    await c.apps.createNamespacedDeployment({ namespace: ns, body: deployment("app", 4, {}, GOOD) });
    await waitFor("4 ready on the old image", async () => (await c.apps.readNamespacedDeployment({ name: "app", namespace: ns })).status?.readyReplicas === 4);

    await c.apps.patchNamespacedDeployment(
      { name: "app", namespace: ns, body: { spec: { template: { spec: { containers: [{ name: "web", image: BAD }] } } } } },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.StrategicMergePatch),
    );
    // replicas 4, maxSurge 25% (1, rounded up), maxUnavailable 25% (1, rounded down): the new ReplicaSet
    // gets 2 pods, the old one is scaled to 3 and can go no lower while the new pods never become Ready.
    const crashing = await waitFor("2 new pods crash-looping with restarts", async () => {
      const bad = (await pods(c, ns)).filter((p) => imageOf(p) === BAD);
      return bad.length === 2 && bad.every((p) => waitingReason(p) === "CrashLoopBackOff" && restarts(p) >= 2) ? bad : undefined;
    });
    for (const p of crashing) {
      expect(isReady(p)).toBe(false);
      expect(p.status!.phase).toBe("Running");
      const cs = p.status!.containerStatuses![0]!;
      expect(cs.ready).toBe(false);
      expect(cs.image).toBe(BAD);
      expect(cs.lastState!.terminated).toMatchObject({ exitCode: 1, reason: "Error" });
      expect(p.status!.conditions!.find((x) => x.type === "Ready")!.message).toBe("containers with unready status: [web]");
    }
    // Restarts keep climbing while the fault holds.
    const before = Math.max(...crashing.map((p) => restarts(p)));
    await waitFor("restarts climb", async () => (await pods(c, ns)).some((p) => imageOf(p) === BAD && restarts(p) > before));

    const oldRs = (await replicaSetByImage(ns, GOOD))!;
    const newRs = (await replicaSetByImage(ns, BAD))!;
    expect(oldRs.spec!.replicas).toBe(3);
    expect(newRs.spec!.replicas).toBe(2);
    expect(oldRs.status!.readyReplicas).toBe(3);
    expect(newRs.status!.readyReplicas ?? 0).toBe(0);
    const good = (await pods(c, ns)).filter((p) => imageOf(p) === GOOD);
    expect(good).toHaveLength(3);
    for (const p of good) {
      expect(isReady(p)).toBe(true);
      expect(restarts(p)).toBe(0);
      expect(p.status!.containerStatuses![0]!.state!.running).toBeDefined();
    }
    const d = await c.apps.readNamespacedDeployment({ name: "app", namespace: ns });
    expect(d.status).toMatchObject({ replicas: 5, updatedReplicas: 2, readyReplicas: 3, availableReplicas: 3, unavailableReplicas: 2 });
    expect(d.status!.conditions!.find((x) => x.type === "Available")!.status).toBe("True");

    // The fault is on the other cluster too: a pod of the bad image crashes there, one of the old runs.
    const ns2 = `other-${process.pid}`;
    await other.core.createNamespace({ body: { metadata: { name: ns2 } } });
    await other.core.createNamespacedPod({ namespace: ns2, body: { metadata: { name: "bad" }, spec: { containers: [{ name: "web", image: BAD }] } } });
    await other.core.createNamespacedPod({ namespace: ns2, body: { metadata: { name: "good" }, spec: { containers: [{ name: "web", image: GOOD }] } } });
    await waitFor("bad crashes on the other cluster", async () => waitingReason(await other.core.readNamespacedPod({ name: "bad", namespace: ns2 })) === "CrashLoopBackOff");
    await waitFor("good runs on the other cluster", async () => isReady(await other.core.readNamespacedPod({ name: "good", namespace: ns2 })));
    await other.core.deleteNamespace({ name: ns2 });

    // Fixing the release (clearing the fault) lets the rollout finish.
    for (const cl of CLUSTERS) await sim.admin.clearFaults(cl);
    await waitFor("rollout complete", async () => {
      const x = await c.apps.readNamespacedDeployment({ name: "app", namespace: ns });
      return x.status?.updatedReplicas === 4 && x.status.availableReplicas === 4 && x.status.replicas === 4;
    });
    expect((await replicaSetByImage(ns, GOOD))!.spec!.replicas).toBe(0);
  });

  it("ANDs with labelSelector and namespace, and crashes only the matching containers of a pod", async () => {
    const ns = await freshNamespace(c);
    const elsewhere = await freshNamespace(c);
    await sim.admin.crashLoop(CLUSTERS[0]!, { image: "registry.example/app:*-bad", labelSelector: "tier=api", namespace: ns, exitCode: 2 });
    const pod = (name: string, labels: Record<string, string>, containers: k8s.V1Container[]): k8s.V1Pod => ({ metadata: { name, labels }, spec: { containers } });
    await c.core.createNamespacedPod({
      namespace: ns,
      body: pod("api", { tier: "api" }, [
        { name: "web", image: BAD },
        { name: "proxy", image: "envoyproxy/envoy:v1.30.1" },
      ]),
    });
    await c.core.createNamespacedPod({ namespace: ns, body: pod("worker", { tier: "worker" }, [{ name: "web", image: BAD }]) });
    await c.core.createNamespacedPod({ namespace: ns, body: pod("api-old", { tier: "api" }, [{ name: "web", image: GOOD }]) });
    await c.core.createNamespacedPod({ namespace: elsewhere, body: pod("api", { tier: "api" }, [{ name: "web", image: BAD }]) });

    const api = await waitFor("api crash-loops", async () => {
      const p = await c.core.readNamespacedPod({ name: "api", namespace: ns });
      return waitingReason(p) === "CrashLoopBackOff" && restarts(p) >= 2 ? p : undefined;
    });
    const proxy = api.status!.containerStatuses!.find((s) => s.name === "proxy")!;
    expect(proxy).toMatchObject({ ready: true, started: true, restartCount: 0, image: "envoyproxy/envoy:v1.30.1" });
    expect(proxy.state!.running).toBeDefined();
    expect(api.status!.containerStatuses!.find((s) => s.name === "web")!.lastState!.terminated!.exitCode).toBe(2);
    expect(isReady(api)).toBe(false);
    expect(api.status!.conditions!.find((x) => x.type === "ContainersReady")!.message).toBe("containers with unready status: [web]");
    // The sidecar kept running through the crashes: same container, same start.
    const later = await waitFor("more restarts", async () => {
      const p = await c.core.readNamespacedPod({ name: "api", namespace: ns });
      return restarts(p) > restarts(api) ? p : undefined;
    });
    const proxyLater = later.status!.containerStatuses!.find((s) => s.name === "proxy")!;
    expect(proxyLater.containerID).toBe(proxy.containerID);
    expect(proxyLater.state!.running!.startedAt).toEqual(proxy.state!.running!.startedAt);

    for (const [name, where] of [
      ["worker", ns],
      ["api-old", ns],
      ["api", elsewhere],
    ] as const) {
      const p = await waitFor(`${where}/${name} ready`, async () => {
        const x = await c.core.readNamespacedPod({ name, namespace: where });
        return isReady(x) ? x : undefined;
      });
      expect(restarts(p)).toBe(0);
    }
    const backoff = await c.core.listNamespacedEvent({ namespace: ns, fieldSelector: "involvedObject.name=api,reason=BackOff" });
    expect(backoff.items.map((e) => e.message)).toEqual([expect.stringMatching(/^Back-off restarting failed container web in pod api_/)]);

    await sim.admin.clearFaults(CLUSTERS[0]!);
    const healed = await waitFor("api ready", async () => {
      const p = await c.core.readNamespacedPod({ name: "api", namespace: ns });
      return isReady(p) ? p : undefined;
    });
    expect(restarts(healed)).toBeGreaterThan(restarts(later));
    expect(healed.status!.containerStatuses!.find((s) => s.name === "proxy")!.restartCount).toBe(0);
  });

  it("judges a pod by its current image: changing the image in place starts or ends the crash loop", async () => {
    const ns = await freshNamespace(c);
    await sim.admin.crashLoop(CLUSTERS[0]!, { image: BAD, namespace: ns });
    await c.core.createNamespacedPod({ namespace: ns, body: { metadata: { name: "p" }, spec: { containers: [{ name: "web", image: GOOD }] } } });
    const running = await waitFor("ready", async () => {
      const p = await c.core.readNamespacedPod({ name: "p", namespace: ns });
      return isReady(p) ? p : undefined;
    });
    const setImage = (image: string) =>
      c.core.patchNamespacedPod(
        { name: "p", namespace: ns, body: { spec: { containers: [{ name: "web", image }] } } },
        k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.StrategicMergePatch),
      );
    await setImage(BAD);
    const crashing = await waitFor("crash-loops on the new image", async () => {
      const p = await c.core.readNamespacedPod({ name: "p", namespace: ns });
      return waitingReason(p) === "CrashLoopBackOff" && restarts(p) >= 2 ? p : undefined;
    });
    expect(crashing.status!.containerStatuses![0]!.image).toBe(BAD);
    expect(crashing.status!.containerStatuses![0]!.containerID).not.toBe(running.status!.containerStatuses![0]!.containerID);
    const killing = await c.core.listNamespacedEvent({ namespace: ns, fieldSelector: "involvedObject.name=p,reason=Killing" });
    expect(killing.items.map((e) => e.message)).toContain("Container web definition changed, will be restarted");

    await setImage("registry.example/app:2.0.1");
    const fixed = await waitFor("ready on the fixed image", async () => {
      const p = await c.core.readNamespacedPod({ name: "p", namespace: ns });
      return isReady(p) ? p : undefined;
    });
    expect(fixed.status!.containerStatuses![0]).toMatchObject({ image: "registry.example/app:2.0.1", ready: true });
    expect(restarts(fixed)).toBeGreaterThan(restarts(crashing));
  });

  it("rejects an empty image pattern", async () => {
    const err = await sim.admin.crashLoop(CLUSTERS[0]!, { image: "" }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(KubesimAdminError);
    expect((err as KubesimAdminError).status).toBe(400);
    expect((err as Error).message).toContain("crashLoop image must be a non-empty glob pattern");
    expect(await sim.admin.faults(CLUSTERS[0]!)).toEqual([]);
  });
});
