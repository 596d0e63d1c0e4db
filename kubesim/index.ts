// Programmatic entry point: startKubesim(options) starts every simulated cluster on its own loopback
// port, writes kubeconfigs, serves the admin API and returns handles to stop it all.
import type http from "node:http";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createAdminHandler, startAdminServer } from "./admin";
import { KubesimAdminClient } from "./admin-client";
import { SimCluster } from "./cluster";
import { kubeconfigYaml } from "./kubeconfig";
import { loadState, saveState } from "./persistence";
import { DEFAULT_TIMERS, type KubesimOptions } from "./types";

export type { KubesimOptions, ClusterSpec, NodeSpec, Timers } from "./types";
export { KubesimAdminClient } from "./admin-client";
export { PORT_ANNOTATION } from "./endpoints";

export interface RunningCluster {
  name: string;
  region: string;
  port: number;
  url: string;
  token: string;
  kubeconfigPath: string;
  kubeconfigYaml: string;
}

export interface Kubesim {
  clusters: RunningCluster[];
  /** Kubeconfig with a context per cluster. */
  kubeconfigPath: string;
  kubeconfigYaml: string;
  adminUrl: string;
  admin: KubesimAdminClient;
  /** The simulated clusters themselves (in-process access for tests and benchmarks). */
  sims: SimCluster[];
  save(): Promise<void>;
  stop(): Promise<void>;
}

export async function startKubesim(options: KubesimOptions): Promise<Kubesim> {
  if (!options.clusters.length) throw new Error("kubesim: at least one cluster is needed");
  const names = new Set<string>();
  for (const c of options.clusters) {
    if (names.has(c.name)) throw new Error(`kubesim: duplicate cluster name ${c.name}`);
    names.add(c.name);
  }
  const timers = { ...DEFAULT_TIMERS, ...(options.timers ?? {}) };
  const stateFile = options.stateFile ? resolve(options.stateFile) : undefined;
  const saved = stateFile ? await loadState(stateFile) : undefined;

  const sims: SimCluster[] = [];
  const save = async () => {
    if (!stateFile) return;
    const out: Record<string, ReturnType<SimCluster["save"]>> = {};
    for (const c of sims) out[c.name] = c.save();
    await saveState(stateFile, out);
  };
  const host = { clusters: sims, save };
  const adminHandler = createAdminHandler(host);
  for (const spec of options.clusters) {
    const sim = new SimCluster(
      spec,
      {
        timers,
        podStartDelayMs: options.podStartDelayMs ?? 300,
        watchHistorySize: options.watchHistorySize ?? 10_000,
        maxEvents: options.maxEvents ?? 5_000,
        freezeObjects: options.freezeObjects ?? false,
        logRequests: options.logRequests ?? false,
      },
      adminHandler,
    );
    const prior = saved?.clusters[spec.name];
    if (prior) sim.restore(prior);
    else sim.seed();
    sims.push(sim);
  }

  const servers: http.Server[] = [];
  try {
    for (const sim of sims) {
      const prior = saved?.clusters[sim.name];
      // A restarted dev cluster keeps its port when it can, so saved kubeconfigs stay valid.
      const want = sim.spec.port ?? 0;
      try {
        await sim.listen(want || prior?.port || 0);
      } catch (e) {
        if (want) throw e;
        await sim.listen(0);
      }
      sim.startMachinery();
    }
    const admin = await startAdminServer(host, options.adminPort ?? 0);
    servers.push(admin.server);

    const dir = options.kubeconfigDir ? resolve(options.kubeconfigDir) : await mkdtemp(join(tmpdir(), "kubesim-"));
    await mkdir(dir, { recursive: true });
    const clusters: RunningCluster[] = [];
    for (const sim of sims) {
      const url = `http://127.0.0.1:${sim.port}`;
      const yaml = kubeconfigYaml([{ name: sim.name, url, token: sim.token }]);
      const path = join(dir, `${sim.name}.kubeconfig`);
      await writeFile(path, yaml, { mode: 0o600 });
      clusters.push({ name: sim.name, region: sim.region, port: sim.port, url, token: sim.token, kubeconfigPath: path, kubeconfigYaml: yaml });
    }
    const allYaml = kubeconfigYaml(clusters.map((c) => ({ name: c.name, url: c.url, token: c.token })));
    const allPath = join(dir, "kubeconfig");
    await writeFile(allPath, allYaml, { mode: 0o600 });

    const adminUrl = `http://127.0.0.1:${admin.port}`;
    let saveTimer: NodeJS.Timeout | undefined;
    if (stateFile) {
      saveTimer = setInterval(() => void save().catch((e) => console.error("[kubesim] save failed:", e)), options.saveIntervalMs ?? 30_000);
      saveTimer.unref?.();
    }
    let stopped = false;
    return {
      clusters,
      kubeconfigPath: allPath,
      kubeconfigYaml: allYaml,
      adminUrl,
      admin: new KubesimAdminClient(adminUrl),
      sims,
      save,
      async stop() {
        if (stopped) return;
        stopped = true;
        if (saveTimer) clearInterval(saveTimer);
        await save();
        await Promise.all(sims.map((s) => s.stop()));
        await Promise.all(
          servers.map(
            (s) =>
              new Promise<void>((r) => {
                s.close(() => r());
                s.closeAllConnections();
              }),
          ),
        );
      },
    };
  } catch (e) {
    await Promise.all(sims.map((s) => s.stop()));
    throw e;
  }
}

export { loadConfig, DEFAULT_CONFIG } from "./config";
