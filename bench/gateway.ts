// Benchmark `gateway` (issue 7). Kubesim, workflow workers and the database in this process, the gateway in a
// child process (so its CPU time is its own).
// (a) cold start: a sleeping instance receives a request; kubesim starts pods after D ms; the control plane's
//     overhead is time to first byte − D (wake run, scheduling, readiness push, forwarding);
// (b) warm proxy: the same endpoint called directly and through the gateway, side by side: added latency (p50)
//     and requests per second per core of the gateway (requests ÷ its CPU seconds).
import { fork, type ChildProcess } from "node:child_process";
import http from "node:http";
import { performance } from "node:perf_hooks";
import { createBenchEnvironment } from "./lib/environment";
import { median, percentile, round } from "./lib/stats";
import type { BenchmarkResult, Metric } from "./lib/types";

const POD_START_DELAY_MS = Number(process.env.BENCH_GATEWAY_POD_DELAY_MS ?? 500);
const COLD_STARTS = Number(process.env.BENCH_GATEWAY_COLD_STARTS ?? 20);
const LATENCY_SAMPLES = 2000;
const LOAD_SECONDS = Number(process.env.BENCH_GATEWAY_LOAD_SECONDS ?? 5);
const LOAD_CONCURRENCY = 32;

type Answer = { status: number; ttfbMs: number; headers: http.IncomingHttpHeaders };

function get(agent: http.Agent, port: number, path: string, host?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.get({ host: "127.0.0.1", port, path, agent, headers: host ? { host } : {} }, (res) => {
      const ttfbMs = performance.now() - t0;
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, ttfbMs, headers: res.headers }));
    });
    req.on("error", reject);
  });
}

export default async function run(): Promise<BenchmarkResult> {
  const env = await createBenchEnvironment("gateway");
  const children: ChildProcess[] = [];
  const { getDb } = await import("@/db/client");
  const { seedDemo } = await import("@/db/seed");
  const { plans, services, users } = await import("@/db/schema");
  const { eq, and } = await import("drizzle-orm");
  const { startKubesim } = await import("@/kubesim/index");
  const { startWorkers } = await import("@/workers/start-workers");
  const { workflowStepsProcessor } = await import("@/workers/processors/workflows");
  const { closeQueues } = await import("@/server/jobs/queues");
  const { invalidatePlacementView } = await import("@/server/placement/reserve-placement");
  const { signUpWithOrg, userCaller } = await import("@/tests/helpers/callers");
  const sim = await startKubesim({
    clusters: [{ name: "gw-bench", region: "eu-west-1", nodeCount: 4, nodeShape: { cpu: "16", memory: "64Gi", pods: 200 } }],
    podStartDelayMs: POD_START_DELAY_MS,
  });
  const workers = await startWorkers([workflowStepsProcessor], { schedules: false });
  try {
    const db = getDb();
    await seedDemo(db);
    const admin = await signUpWithOrg("Bench platform");
    await db.update(users).set({ platformRole: "platform_admin" }).where(eq(users.id, admin.owner.userId));
    const platform = await userCaller(admin.owner.userId);
    for (const c of sim.clusters) await platform.clusters.register({ name: c.name, region: c.region, kubeconfig: c.kubeconfigYaml });
    invalidatePlacementView();
    const tenant = await signUpWithOrg("Bench tenant");
    const owner = tenant.owner.caller;
    const [free] = await db.select({ id: plans.id }).from(plans).innerJoin(services, eq(services.id, plans.serviceId)).where(and(eq(services.slug, "hello-web"), eq(plans.slug, "free")));
    const waitFor = async (id: string, state: string) => {
      for (;;) {
        const i = await owner.instances.get({ orgId: tenant.orgId, instanceId: id });
        if (i.observedState === state && !i.runs.some((r) => ["queued", "running"].includes(r.status))) return i;
        if (i.observedState === "failed") throw new Error(`instance failed: ${i.statusMessage}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const created = [];
    for (let n = 0; n < COLD_STARTS; n++) created.push(await owner.instances.create({ orgId: tenant.orgId, planId: free!.id, name: `gw-${n}` }));
    const running = await Promise.all(created.map((c) => waitFor(c.id, "running")));

    const gw = fork("bench/lib/gateway-child.ts", [], { execArgv: ["--import", "tsx"], env: { ...process.env, LOG_LEVEL: "warn" }, stdio: ["ignore", "ignore", "inherit", "ipc"] });
    children.push(gw);
    const gwPort = await new Promise<number>((resolve) => gw.on("message", (m: { port?: number }) => m.port && resolve(m.port)));
    const cpuOfGateway = () => new Promise<NodeJS.CpuUsage>((resolve) => {
      const on = (m: { cpu?: NodeJS.CpuUsage }) => {
        if (m.cpu) {
          gw.off("message", on);
          resolve(m.cpu);
        }
      };
      gw.on("message", on);
      gw.send({ cpu: true });
    });

    // (b) warm proxy, first (every instance is awake)
    const target = running[0]!;
    const agent = new http.Agent({ keepAlive: true, maxSockets: LOAD_CONCURRENCY });
    const viaGateway = (path = "/") => get(agent, gwPort, `/i/${target.namespace}${path}`);
    const direct = () => get(agent, target.endpointPort!, "/");
    for (let i = 0; i < 200; i++) {
      await direct();
      await viaGateway();
    }
    const d: number[] = [];
    const g: number[] = [];
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      d.push((await direct()).ttfbMs);
      g.push((await viaGateway()).ttfbMs);
    }
    const cpu0 = await cpuOfGateway();
    const loadStart = performance.now();
    let served = 0;
    let failed = 0;
    await Promise.all(
      Array.from({ length: LOAD_CONCURRENCY }, async () => {
        while (performance.now() - loadStart < LOAD_SECONDS * 1000) {
          const a = await viaGateway().catch(() => ({ status: 0 }));
          if (a.status === 200) served++;
          else failed++;
        }
      }),
    );
    const wallS = (performance.now() - loadStart) / 1000;
    const cpu1 = await cpuOfGateway();
    const gwCpuS = (cpu1.user - cpu0.user + cpu1.system - cpu0.system) / 1e6;

    // (a) cold starts: put every instance to sleep, then wake each with one request through the gateway
    for (const i of running) await owner.instances.sleep({ orgId: tenant.orgId, instanceId: i.id });
    await Promise.all(running.map((i) => waitFor(i.id, "sleeping")));
    await new Promise((r) => setTimeout(r, 1500)); // the gateway's route table has seen every sleep
    const overheads: number[] = [];
    const wakeHeaders: number[] = [];
    for (const i of running) {
      const a = await get(agent, gwPort, `/i/${i.namespace}/`);
      if (a.status !== 200) throw new Error(`cold start answered ${a.status}`);
      overheads.push(a.ttfbMs - POD_START_DELAY_MS);
      wakeHeaders.push(Number(a.headers["x-fleetplane-wake-ms"] ?? NaN));
    }
    gw.send({ stop: true });

    console.log(`  cold start: ${COLD_STARTS} wakes, pod start delay ${POD_START_DELAY_MS} ms; overhead max ${round(Math.max(...overheads), 1)} ms; X-Fleetplane-Wake-Ms median ${round(median(wakeHeaders), 0)} ms`);
    console.log(`  warm: direct p50 ${round(median(d), 3)} ms / p95 ${round(percentile(d, 95), 2)} ms; via gateway p50 ${round(median(g), 3)} ms / p95 ${round(percentile(g, 95), 2)} ms (${LATENCY_SAMPLES} sequential keep-alive requests each)`);
    console.log(`  load: ${served} requests in ${round(wallS, 1)} s (${Math.round(served / wallS)}/s, ${failed} failed) over ${LOAD_CONCURRENCY} connections; gateway CPU ${round(gwCpuS, 2)} s`);
    const metrics: Metric[] = [
      { key: "cold_start_overhead_p50_ms", value: round(median(overheads), 1), unit: "ms", better: "lower" },
      { key: "cold_start_overhead_p95_ms", value: round(percentile(overheads, 95), 1), unit: "ms", better: "lower", target: 150 },
      { key: "proxy_added_p50_ms", value: round(median(g) - median(d), 3), unit: "ms", better: "lower", target: 1 },
      { key: "proxy_rps_per_core", value: Math.round(served / gwCpuS), unit: "req/s/core", better: "higher", target: 5000 },
    ];
    return { metrics };
  } finally {
    for (const c of children) c.kill("SIGKILL");
    await Promise.all(workers.map((w) => w.close()));
    await closeQueues();
    await sim.stop();
    await env.cleanup();
  }
}
