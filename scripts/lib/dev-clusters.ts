// Registers kubesim's dev clusters in Fleetplane once kubesim answers (npm start), so placement has a fleet.
import fs from "node:fs";
import path from "node:path";
import { DEFAULT_CONFIG } from "@/kubesim/config";
import { getDb } from "@/db/client";
import { ensureDevCluster } from "@/server/clusters/dev-clusters";
import { say, warn } from "./output";

/** Waits (up to `timeoutMs`) for each dev cluster's kubeconfig and API, then registers or refreshes it. */
export async function registerDevClusters(root: string, timeoutMs = 60_000): Promise<void> {
  const dir = path.resolve(root, DEFAULT_CONFIG.kubeconfigDir ?? ".data/kubesim");
  const deadline = Date.now() + timeoutMs;
  for (const c of DEFAULT_CONFIG.clusters) {
    const file = path.join(dir, `${c.name}.kubeconfig`);
    for (;;) {
      try {
        const kubeconfig = fs.readFileSync(file, "utf8");
        const outcome = await ensureDevCluster(getDb(), { name: c.name, region: c.region, kubeconfig });
        if (outcome !== "unchanged") say("start", `dev cluster ${c.name} (${c.region}) ${outcome}`);
        break;
      } catch (err) {
        if (Date.now() > deadline) {
          warn("start", `could not register dev cluster ${c.name}: ${err instanceof Error ? err.message : String(err)}`);
          break;
        }
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }
}
