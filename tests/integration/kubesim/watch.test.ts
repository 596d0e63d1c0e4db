// Watches and informers against kubesim with the real client-node: initial state, live events,
// resourceVersion replay, 410 Expired with informer re-list, selectors, bookmarks and timeoutSeconds.
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Kubesim } from "../../../kubesim/index";
import type { Loose } from "../../../kubesim/types";
import { clientsFor, freshNamespace, startTestSim, waitFor, type Clients } from "./helpers";

let sim: Kubesim;
let c: Clients;

beforeAll(async () => {
  sim = await startTestSim();
  c = clientsFor(sim);
});
afterAll(async () => {
  await sim?.stop();
});

interface Seen {
  type: string;
  name: string;
  rv: string;
  obj: Loose;
}

async function watch(path: string, params: Record<string, string | number | boolean | undefined>) {
  const events: Seen[] = [];
  let done: unknown = "open";
  const w = new k8s.Watch(c.kc);
  const ctl = await w.watch(
    path,
    params,
    (type, obj) => events.push({ type, name: obj?.metadata?.name, rv: obj?.metadata?.resourceVersion, obj }),
    (err) => (done = err ?? null),
  );
  return { events, ctl, isDone: () => done !== "open", doneErr: () => done };
}

describe("watch", () => {
  it("streams ADDED/MODIFIED/DELETED with headers flushed at once", async () => {
    const ns = await freshNamespace(c);
    const list = await c.core.listNamespacedConfigMap({ namespace: ns });
    const w = await watch(`/api/v1/namespaces/${ns}/configmaps`, { resourceVersion: list.metadata!.resourceVersion });
    await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "a" }, data: { v: "1" } } });
    await c.core.patchNamespacedConfigMap({ name: "a", namespace: ns, body: [{ op: "add", path: "/data/w", value: "2" }] });
    await c.core.deleteNamespacedConfigMap({ name: "a", namespace: ns });
    await waitFor("three events", () => w.events.length >= 3);
    expect(w.events.map((e) => `${e.type}:${e.name}`)).toEqual(["ADDED:a", "MODIFIED:a", "DELETED:a"]);
    const rvs = w.events.map((e) => Number(e.rv));
    expect(rvs[0]! < rvs[1]! && rvs[1]! < rvs[2]!).toBe(true);
    w.ctl.abort();
  });

  it("without a resourceVersion sends the current state first; with one replays history", async () => {
    const ns = await freshNamespace(c);
    const cm1 = await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "one" } } });
    await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "two" } } });
    const all = await watch(`/api/v1/namespaces/${ns}/configmaps`, {});
    await waitFor("initial", () => all.events.length >= 3);
    expect(all.events.map((e) => `${e.type}:${e.name}`).sort()).toEqual(["ADDED:kube-root-ca.crt", "ADDED:one", "ADDED:two"]);
    all.ctl.abort();
    const replay = await watch(`/api/v1/namespaces/${ns}/configmaps`, { resourceVersion: cm1.metadata!.resourceVersion });
    await waitFor("replayed", () => replay.events.length >= 1);
    expect(replay.events.map((e) => `${e.type}:${e.name}`)).toEqual(["ADDED:two"]);
    replay.ctl.abort();
  });

  it("label and field selectors apply to watches (leaving a selection reads as DELETED)", async () => {
    const ns = await freshNamespace(c);
    const w = await watch(`/api/v1/namespaces/${ns}/configmaps`, { labelSelector: "team=a" });
    const f = await watch(`/api/v1/namespaces/${ns}/configmaps`, { fieldSelector: "metadata.name=target" });
    await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "x", labels: { team: "b" } } } });
    await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "target", labels: { team: "a" } } } });
    await c.core.patchNamespacedConfigMap({ name: "target", namespace: ns, body: [{ op: "replace", path: "/metadata/labels/team", value: "b" }] });
    await waitFor("selector events", () => w.events.length >= 2 && f.events.length >= 2);
    expect(w.events.map((e) => `${e.type}:${e.name}`)).toEqual(["ADDED:target", "DELETED:target"]);
    expect(f.events.map((e) => `${e.type}:${e.name}`)).toEqual(["ADDED:target", "MODIFIED:target"]);
    w.ctl.abort();
    f.ctl.abort();
  });

  it("a too old resourceVersion gets an ERROR event with a 410 Expired Status, then the stream closes", async () => {
    const ns = await freshNamespace(c);
    const cm = await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "old" } } });
    await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "newer" } } });
    await sim.admin.compact(sim.clusters[0]!.name);
    const w = await watch(`/api/v1/namespaces/${ns}/configmaps`, { resourceVersion: cm.metadata!.resourceVersion });
    await waitFor("closed", () => w.isDone());
    expect(w.events).toHaveLength(1);
    expect(w.events[0]!.type).toBe("ERROR");
    expect(w.events[0]!.obj).toMatchObject({ kind: "Status", status: "Failure", reason: "Expired", code: 410 });
    expect(w.events[0]!.obj.message).toMatch(/^too old resource version: \d+ \(\d+\)$/);
  });

  it("bookmarks and timeoutSeconds", async () => {
    const ns = await freshNamespace(c);
    const w = await watch(`/api/v1/namespaces/${ns}/configmaps`, { allowWatchBookmarks: true, timeoutSeconds: 1 });
    await waitFor("bookmark", () => w.events.some((e) => e.type === "BOOKMARK"));
    const b = w.events.find((e) => e.type === "BOOKMARK")!;
    expect(b.obj).toMatchObject({ kind: "ConfigMap", apiVersion: "v1" });
    expect(Number(b.obj.metadata.resourceVersion)).toBeGreaterThan(0);
    await waitFor("closed by timeout", () => w.isDone(), 5000);
  });

  it("watch of pods across all namespaces with a field selector on spec.nodeName", async () => {
    const ns = await freshNamespace(c);
    const node = (await c.core.listNode()).items[0]!.metadata!.name!;
    const w = await watch(`/api/v1/pods`, { fieldSelector: `spec.nodeName=${node}` });
    await c.core.createNamespacedPod({ namespace: ns, body: { metadata: { name: "pinned" }, spec: { nodeName: node, containers: [{ name: "c", image: "nginx" }] } } });
    await waitFor("pinned pod events", () => w.events.some((e) => e.name === "pinned" && e.obj.status?.phase === "Running"));
    w.ctl.abort();
  });
});

describe("informer", () => {
  it("lists, then follows live changes", async () => {
    const ns = await freshNamespace(c);
    await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "pre" } } });
    const informer = k8s.makeInformer(c.kc, `/api/v1/namespaces/${ns}/configmaps`, () => c.core.listNamespacedConfigMap({ namespace: ns }));
    const added: string[] = [];
    const updated: string[] = [];
    const deleted: string[] = [];
    informer.on("add", (o) => added.push(o.metadata!.name!));
    informer.on("update", (o) => updated.push(o.metadata!.name!));
    informer.on("delete", (o) => deleted.push(o.metadata!.name!));
    await informer.start();
    await waitFor("initial list", () => added.includes("pre"));
    await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "live" } } });
    await c.core.patchNamespacedConfigMap({ name: "live", namespace: ns, body: [{ op: "add", path: "/data", value: { a: "1" } }] });
    await c.core.deleteNamespacedConfigMap({ name: "pre", namespace: ns });
    await waitFor("live events", () => added.includes("live") && updated.includes("live") && deleted.includes("pre"));
    expect(informer.list(ns).map((o) => o.metadata!.name).sort()).toEqual(["kube-root-ca.crt", "live"]);
    await informer.stop();
  });

  it("re-lists after its watch resumes from an expired resourceVersion (410)", async () => {
    const ns = await freshNamespace(c);
    let lists = 0;
    const informer = k8s.makeInformer(c.kc, `/api/v1/namespaces/${ns}/configmaps`, () => {
      lists++;
      return c.core.listNamespacedConfigMap({ namespace: ns });
    });
    const added: string[] = [];
    const errors: unknown[] = [];
    informer.on("add", (o) => added.push(o.metadata!.name!));
    informer.on("error", (e) => errors.push(e));
    await informer.start();
    await waitFor("listed", () => lists === 1 && added.includes("kube-root-ca.crt"));
    const rvOf = () => (informer as unknown as { latestResourceVersion(): string }).latestResourceVersion();
    const staleRv = rvOf();
    // Writes elsewhere move the cluster past the informer's resourceVersion; compaction then expires it.
    await c.core.createNamespace({ body: { metadata: { name: `${ns}-other` } } });
    await sim.admin.compact(sim.clusters[0]!.name);
    const { closed } = await sim.admin.closeWatches(sim.clusters[0]!.name);
    expect(closed).toBeGreaterThan(0);
    await waitFor("re-listed after 410", () => lists === 2, 10_000);
    expect(errors).toEqual([]);
    expect(rvOf()).not.toBe(staleRv);
    await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "after" } } });
    await waitFor("watching again", () => added.includes("after"));
    await informer.stop();
  });
});
