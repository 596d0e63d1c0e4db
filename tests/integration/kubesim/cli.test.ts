// The kubesim CLI (`npm run kubesim -- --config …`): starts from a YAML config, prints the kubeconfig
// paths, serves the clusters, and on SIGTERM saves state and exits cleanly.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as k8s from "@kubernetes/client-node";
import { afterAll, describe, expect, it } from "vitest";
import { waitFor } from "./helpers";

let child: ChildProcess | undefined;
let dir = "";

afterAll(async () => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("kubesim CLI", () => {
  it("prints kubeconfig paths, serves the configured clusters and saves state on SIGTERM", async () => {
    dir = await mkdtemp(join(tmpdir(), "kubesim-cli-"));
    const config = join(dir, "kubesim.yaml");
    await writeFile(
      config,
      [
        `kubeconfigDir: ${dir}/kube`,
        `stateFile: ${dir}/state.json`,
        "adminPort: 0",
        "podStartDelayMs: 10",
        "clusters:",
        "  - { name: cli-eu, region: eu-west-1, port: 0, nodeCount: 2 }",
        "  - name: cli-us",
        "    region: us-east-1",
        "    port: 0",
        "    nodes: [{ name: big-1, cpu: '8', memory: 32Gi, pods: 50, zone: us-east-1b }]",
      ].join("\n"),
    );
    let out = "";
    child = spawn(process.execPath, ["--import", "tsx", "kubesim/main.ts", "--config", config], { cwd: process.cwd(), stdio: ["ignore", "pipe", "pipe"] });
    child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
    await waitFor("started", () => out.includes("try: kubectl"), 30_000, 50);
    expect(out).toContain(`kubeconfig: ${dir}/kube/cli-eu.kubeconfig`);
    expect(out).toContain(`kubeconfig: ${dir}/kube/cli-us.kubeconfig`);
    expect(out).toContain(`all contexts: ${dir}/kube/kubeconfig`);

    const kc = new k8s.KubeConfig();
    kc.loadFromFile(`${dir}/kube/kubeconfig`);
    kc.setCurrentContext("cli-us");
    const nodes = await kc.makeApiClient(k8s.CoreV1Api).listNode();
    expect(nodes.items.map((n) => n.metadata!.name)).toEqual(["big-1"]);
    expect(nodes.items[0]!.status!.capacity).toMatchObject({ cpu: "8", memory: "32Gi", pods: "50" });

    const exited = new Promise<number | null>((resolve) => child!.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(out).toContain("SIGTERM, saving and stopping");
    expect(existsSync(`${dir}/state.json`)).toBe(true);
    const state = JSON.parse(await readFile(`${dir}/state.json`, "utf8"));
    expect(Object.keys(state.clusters).sort()).toEqual(["cli-eu", "cli-us"]);
  });
});
