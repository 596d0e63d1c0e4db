// Saving simulated clusters to a state file and loading them on the next start (dev clusters survive
// restarts of `npm start`), plus the kubeconfig files startKubesim writes.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as k8s from "@kubernetes/client-node";
import YAML from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import type { Kubesim } from "../../../kubesim/index";
import { clientsFor, deployment, startTestSim, waitFor } from "./helpers";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("persistence and kubeconfigs", () => {
  it("writes one kubeconfig per cluster and one with every context", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kubesim-kc-"));
    dirs.push(dir);
    const sim = await startTestSim({ kubeconfigDir: dir, clusters: [{ name: "eu", region: "eu-west-1", nodeCount: 1 }, { name: "us", region: "us-east-1", nodeCount: 2 }] });
    try {
      const all = YAML.parse(await readFile(join(dir, "kubeconfig"), "utf8"));
      expect(all.contexts.map((x: { name: string }) => x.name)).toEqual(["eu", "us"]);
      expect(all.clusters[1].cluster).toEqual({ server: sim.clusters[1]!.url, "insecure-skip-tls-verify": true });
      expect(all.users[0].user.token).toBe(sim.clusters[0]!.token);
      const kc = new k8s.KubeConfig();
      kc.loadFromFile(join(dir, "kubeconfig"));
      kc.setCurrentContext("us");
      const nodes = await kc.makeApiClient(k8s.CoreV1Api).listNode();
      expect(nodes.items).toHaveLength(2);
      expect(nodes.items[0]!.metadata!.labels!["topology.kubernetes.io/region"]).toBe("us-east-1");
      const single = YAML.parse(await readFile(sim.clusters[0]!.kubeconfigPath, "utf8"));
      expect(single["current-context"]).toBe("eu");
    } finally {
      await sim.stop();
    }
  });

  it("saves state on stop and restores it on start, keeping ports, tokens and resourceVersions moving forward", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kubesim-state-"));
    dirs.push(dir);
    const stateFile = join(dir, "state.json");
    let sim: Kubesim = await startTestSim({ stateFile, kubeconfigDir: dir, clusters: [{ name: "keep", region: "eu-west-1", nodeCount: 2 }] });
    let c = clientsFor(sim);
    await c.apps.createNamespacedDeployment({ namespace: "default", body: deployment("survivor", 2) });
    await waitFor("ready", async () => (await c.apps.readNamespacedDeployment({ name: "survivor", namespace: "default" })).status?.readyReplicas === 2);
    await c.core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "cfg" }, data: { k: "v" } } });
    const podsBefore = (await c.core.listNamespacedPod({ namespace: "default" })).items.map((p) => p.metadata!.name).sort();
    const rvBefore = Number((await c.core.listNamespacedConfigMap({ namespace: "default" })).metadata!.resourceVersion);
    const port = sim.clusters[0]!.port;
    const token = sim.clusters[0]!.token;
    await sim.stop();
    const saved = JSON.parse(await readFile(stateFile, "utf8"));
    expect(saved.version).toBe(1);
    expect(Object.keys(saved.clusters)).toEqual(["keep"]);

    sim = await startTestSim({ stateFile, kubeconfigDir: dir, clusters: [{ name: "keep", region: "eu-west-1", nodeCount: 2 }] });
    try {
      expect(sim.clusters[0]!.port).toBe(port);
      expect(sim.clusters[0]!.token).toBe(token);
      c = clientsFor(sim);
      expect((await c.core.readNamespacedConfigMap({ name: "cfg", namespace: "default" })).data).toEqual({ k: "v" });
      const pods = (await c.core.listNamespacedPod({ namespace: "default" })).items;
      expect(pods.map((p) => p.metadata!.name).sort()).toEqual(podsBefore);
      expect(pods.every((p) => p.status?.phase === "Running")).toBe(true);
      expect((await c.core.listNode()).items).toHaveLength(2);
      const cm = await c.core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "after" } } });
      expect(Number(cm.metadata!.resourceVersion)).toBeGreaterThan(rvBefore);
      // Controllers still run on restored objects.
      await c.apps.patchNamespacedDeploymentScale({ name: "survivor", namespace: "default", body: { spec: { replicas: 3 } } }, k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch));
      await waitFor("scaled after restore", async () => (await c.apps.readNamespacedDeployment({ name: "survivor", namespace: "default" })).status?.readyReplicas === 3);
      await sim.admin.save();
      const again = JSON.parse(await readFile(stateFile, "utf8"));
      expect(again.clusters.keep.objects["deployments.apps"][0].spec.replicas).toBe(3);
    } finally {
      await sim.stop();
    }
  });
});
