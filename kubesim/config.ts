// kubesim.yaml: reading the CLI configuration file into startKubesim options (defaults: two dev clusters).
import { readFile } from "node:fs/promises";
import YAML from "yaml";
import type { KubesimOptions } from "./types";

export const DEFAULT_CONFIG: KubesimOptions = {
  kubeconfigDir: ".data/kubesim",
  stateFile: ".data/kubesim/state.json",
  adminPort: 16440,
  podStartDelayMs: 300,
  clusters: [
    { name: "dev-eu", region: "eu-west-1", port: 16441, nodeCount: 3, nodeShape: { cpu: "4", memory: "16Gi", pods: 110 } },
    { name: "dev-us", region: "us-east-1", port: 16442, nodeCount: 3, nodeShape: { cpu: "4", memory: "16Gi", pods: 110 } },
  ],
};

export async function loadConfig(path: string | undefined): Promise<KubesimOptions> {
  if (!path) return DEFAULT_CONFIG;
  const raw = YAML.parse(await readFile(path, "utf8")) as Partial<KubesimOptions> | null;
  if (!raw || !Array.isArray(raw.clusters) || raw.clusters.length === 0) throw new Error(`${path}: "clusters" must list at least one cluster`);
  for (const c of raw.clusters) {
    if (!c.name || !c.region) throw new Error(`${path}: every cluster needs a name and a region`);
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(c.name)) throw new Error(`${path}: cluster name "${c.name}" must be a DNS label`);
  }
  return { ...DEFAULT_CONFIG, ...raw, clusters: raw.clusters } as KubesimOptions;
}
