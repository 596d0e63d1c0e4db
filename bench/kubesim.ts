// Benchmark of kubesim at fleet scale: 10 clusters × 100 nodes in one process, 10,000 pods created
// through client-node, then list latency, watch fan-out latency and memory. The client load runs in a
// worker thread so client-node's own CPU does not compete with the simulator's event loop.
// Run with `npm run bench -- kubesim`, or standalone: `npx tsx bench/kubesim.ts`.
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import * as k8s from "@kubernetes/client-node";
import { startKubesim, type Kubesim } from "../kubesim/index";
import type { BenchmarkResult } from "./lib/types";

const CLUSTERS = Number(process.env.KUBESIM_BENCH_CLUSTERS ?? 10);
const NODES = Number(process.env.KUBESIM_BENCH_NODES ?? 100);
const PODS = Number(process.env.KUBESIM_BENCH_PODS ?? 10_000);
const CONCURRENCY = Number(process.env.KUBESIM_BENCH_CONCURRENCY ?? 64);
const WATCHERS = Number(process.env.KUBESIM_BENCH_WATCHERS ?? 50);

function quantile(values: number[], q: number): number {
  const s = values.slice().sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const idx = Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1));
  return s[idx]!;
}

function clientFor(sim: Kubesim, i: number): { kc: k8s.KubeConfig; core: k8s.CoreV1Api } {
  const kc = new k8s.KubeConfig();
  kc.loadFromString(sim.clusters[i]!.kubeconfigYaml);
  return { kc, core: kc.makeApiClient(k8s.CoreV1Api) };
}

interface LoadJob {
  kubesimBenchWorker: true;
  kubeconfigYaml: string;
  namespace: string;
  count: number;
  concurrency: number;
}

/** Creates the pods from a worker thread; resolves to writes per second. */
function createPodsInWorker(kubeconfigYaml: string, namespace: string, count: number): Promise<number> {
  const job: LoadJob = { kubesimBenchWorker: true, kubeconfigYaml, namespace, count, concurrency: CONCURRENCY };
  return new Promise((resolve, reject) => {
    // Workers do not inherit tsx's loader hooks (Node 20): register them in the worker, then load this file.
    const tsxApi = import.meta.resolve("tsx/esm/api");
    const code = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); }).catch((e) => require("node:worker_threads").parentPort.postMessage({ error: String((e && e.stack) || e) }));`;
    const w = new Worker(code, { eval: true, workerData: job });
    w.once("message", (m: { writesPerS?: number; error?: string }) => (m.error ? reject(new Error(m.error)) : resolve(m.writesPerS!)));
    w.once("error", reject);
  });
}

async function createPods(core: k8s.CoreV1Api, namespace: string, count: number, concurrency = CONCURRENCY): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= count) return;
      await core.createNamespacedPod({
        namespace,
        body: {
          metadata: { name: `pod-${i}`, labels: { app: `app-${i % 50}`, bench: "yes" } },
          spec: { containers: [{ name: "app", image: "nginx:1.27", resources: { requests: { cpu: "10m", memory: "16Mi" } } }] },
        },
      });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return (count / (performance.now() - t0)) * 1000;
}

async function waitRunning(core: k8s.CoreV1Api, namespace: string, count: number, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const list = await core.listNamespacedPod({ namespace, fieldSelector: "status.phase=Running" });
    if (list.items.length >= count) return;
    if (Date.now() > deadline) throw new Error(`only ${list.items.length}/${count} pods running`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Raw GET of every pod (server work, transfer and JSON.parse), as any HTTP client would see it. */
async function measureRawList(url: string, runs: number): Promise<{ p50: number; p95: number; items: number }> {
  const times: number[] = [];
  let items = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const res = await fetch(`${url}/api/v1/pods`);
    const body = (await res.json()) as { items: unknown[] };
    times.push(performance.now() - t0);
    items = body.items.length;
  }
  return { p50: quantile(times, 0.5), p95: quantile(times, 0.95), items };
}

async function measureList(core: k8s.CoreV1Api, runs: number): Promise<{ p50: number; p95: number; items: number }> {
  const times: number[] = [];
  let items = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const list = await core.listPodForAllNamespaces();
    times.push(performance.now() - t0);
    items = list.items.length;
  }
  return { p50: quantile(times, 0.5), p95: quantile(times, 0.95), items };
}

async function measureWatchFanout(sim: Kubesim, clusterIndex: number, watchers: number, writes: number): Promise<{ p50: number; p95: number }> {
  const { kc, core } = clientFor(sim, clusterIndex);
  const namespace = "fanout";
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const controllers: AbortController[] = [];
  let received = 0;
  const rv = (await core.listNamespacedConfigMap({ namespace })).metadata!.resourceVersion;
  for (let i = 0; i < watchers; i++) {
    const w = new k8s.Watch(kc);
    controllers.push(
      await w.watch(
        `/api/v1/namespaces/${namespace}/configmaps`,
        { resourceVersion: rv },
        (type, obj) => {
          const t = sentAt.get(obj?.metadata?.name);
          if (type === "ADDED" && t !== undefined) {
            latencies.push(performance.now() - t);
            received++;
          }
        },
        () => undefined,
      ),
    );
  }
  for (let i = 0; i < writes; i++) {
    const name = `cm-${i}`;
    const before = received;
    sentAt.set(name, performance.now());
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name }, data: { i: String(i) } } });
    const deadline = Date.now() + 5000;
    while (received < before + watchers && Date.now() < deadline) await new Promise((r) => setImmediate(r));
  }
  for (const c of controllers) c.abort();
  return { p50: quantile(latencies, 0.5), p95: quantile(latencies, 0.95) };
}

export default async function run(): Promise<BenchmarkResult> {
  const t0 = performance.now();
  const sim = await startKubesim({
    clusters: Array.from({ length: CLUSTERS }, (_, i) => ({
      name: `bench-${i}`,
      region: i % 2 ? "us-east-1" : "eu-west-1",
      nodeCount: NODES,
      nodeShape: { cpu: "4", memory: "16Gi", pods: 110 },
    })),
    podStartDelayMs: 50,
    maxEvents: 2000,
  });
  try {
    const startupMs = performance.now() - t0;
    const { core } = clientFor(sim, 0);
    await core.createNamespace({ body: { metadata: { name: "bench" } } });
    const store = sim.sims[0]!.store;
    const rv0 = store.rv;
    const tw = performance.now();
    const writes = await createPodsInWorker(sim.clusters[0]!.kubeconfigYaml, "bench", PODS);
    await waitRunning(core, "bench", PODS);
    // Every API write fans out into scheduler, kubelet and event writes: the store's own write rate.
    const storeWrites = ((store.rv - rv0) / (performance.now() - tw)) * 1000;
    const raw = await measureRawList(sim.clusters[0]!.url, 10);
    if (raw.items < PODS) throw new Error(`list returned ${raw.items} pods, expected ≥ ${PODS}`);
    const list = await measureList(core, 5);
    const fanout = await measureWatchFanout(sim, Math.min(1, CLUSTERS - 1), WATCHERS, 40);
    const rss = process.memoryUsage().rss / 2 ** 20;
    return {
      metrics: [
        { key: "writes_per_s", value: Math.round(writes), unit: "writes/s", better: "higher", target: 1000 },
        { key: "store_writes_per_s", value: Math.round(storeWrites), unit: "writes/s", better: "higher" },
        { key: "list_10k_pods_p95_ms", value: Math.round(raw.p95), unit: "ms", better: "lower", target: 1000 },
        { key: "list_10k_pods_p50_ms", value: Math.round(raw.p50), unit: "ms", better: "lower" },
        { key: "list_10k_pods_client_node_p95_ms", value: Math.round(list.p95), unit: "ms", better: "lower" },
        { key: "watch_fanout_p95_ms", value: Number(fanout.p95.toFixed(1)), unit: "ms", better: "lower", target: 100 },
        { key: "watch_fanout_p50_ms", value: Number(fanout.p50.toFixed(1)), unit: "ms", better: "lower" },
        { key: "rss_mb", value: Math.round(rss), unit: "MB", better: "lower" },
        { key: "startup_ms", value: Math.round(startupMs), unit: "ms", better: "lower" },
      ],
    };
  } finally {
    await sim.stop();
  }
}

if (!isMainThread && (workerData as LoadJob | undefined)?.kubesimBenchWorker) {
  const job = workerData as LoadJob;
  const kc = new k8s.KubeConfig();
  kc.loadFromString(job.kubeconfigYaml);
  createPods(kc.makeApiClient(k8s.CoreV1Api), job.namespace, job.count, job.concurrency)
    .then((writesPerS) => parentPort!.postMessage({ writesPerS }))
    .catch((e: unknown) => parentPort!.postMessage({ error: e instanceof Error ? e.message : String(e) }));
} else if (isMainThread && process.argv[1]?.endsWith("kubesim.ts")) {
  run()
    .then(({ metrics }) => {
      for (const m of metrics) console.log(`${m.key.padEnd(24)} ${String(m.value).padStart(10)} ${m.unit}${m.target !== undefined ? `  (target ${m.target})` : ""}`);
      process.exit(0);
    })
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}
