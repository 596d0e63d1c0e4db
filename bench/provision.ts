// Benchmark `provision` (issue 5): instances created through the tRPC API over HTTP (API key) and provisioned by
// the workflow engine on kubesim (zero pod start delay). As in production, the API (this process), the workers
// process and the clusters (a kubesim process) are separate processes.
// (a) burst: 1,000 creates at once → instances/s until all are Running;
// (b) steady: 20 creates/s for 60 s → control-plane time from create to Running (p50/p95/p99).
// Also prints where the time goes: queue wait before each step and each step's own duration.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, existsSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { createBenchEnvironment } from "./lib/environment";
import { median, percentile, round } from "./lib/stats";
import { startTrpcServer } from "./lib/trpc-server";
import type { BenchmarkResult, Metric } from "./lib/types";

const BURST = Number(process.env.BENCH_PROVISION_BURST ?? 1000);
const STEADY_RATE = 20;
const STEADY_SECONDS = Number(process.env.BENCH_PROVISION_STEADY_SECONDS ?? 60);
const IN_FLIGHT = 64;
// BENCH_CPU_PROF_DIR=<dir> writes a CPU profile of the workers and kubesim processes there (node --cpu-prof).
const PROFILE_ARGS = process.env.BENCH_CPU_PROF_DIR ? ["--cpu-prof", "--cpu-prof-dir", process.env.BENCH_CPU_PROF_DIR] : [];

export default async function run(): Promise<BenchmarkResult> {
  process.env.MAX_INSTANCES_PER_ORG = "100000";
  const env = await createBenchEnvironment("provision");
  const dir = mkdtempSync(path.join(tmpdir(), "bench-provision-"));
  const clusterNames = Array.from({ length: 4 }, (_, i) => `bench-${i}`);
  writeFileSync(
    path.join(dir, "kubesim.yaml"),
    JSON.stringify({
      kubeconfigDir: dir,
      stateFile: path.join(dir, "state.json"),
      adminPort: 0,
      podStartDelayMs: 0,
      clusters: clusterNames.map((name) => ({ name, region: "eu-west-1", port: 0, nodeCount: 25, nodeShape: { cpu: "32", memory: "128Gi", pods: 500 } })),
    }),
  );
  const children: ChildProcess[] = [];
  const child = (script: string, args: string[] = []) => {
    const c = spawn(process.execPath, [...PROFILE_ARGS, "--import", "tsx", script, ...args], { env: { ...process.env, LOG_LEVEL: "warn" }, stdio: ["ignore", "ignore", "inherit"] });
    children.push(c);
    return c;
  };
  child("kubesim/main.ts", ["--config", path.join(dir, "kubesim.yaml")]);
  const kubeconfigOf = async (name: string) => {
    const file = path.join(dir, `${name}.kubeconfig`);
    for (let i = 0; i < 300 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 100));
    return readFileSync(file, "utf8");
  };
  const { getDb } = await import("@/db/client");
  const { seedDemo } = await import("@/db/seed");
  const { plans, services, workflowRuns, workflowSteps } = await import("@/db/schema");
  const { systemContext } = await import("@/server/auth/actor");
  const { registerCluster } = await import("@/server/clusters/registry");
  const { createOrganization } = await import("@/server/orgs/organizations");
  const { createUserWithPassword } = await import("@/server/auth/users");
  const { createApiKey } = await import("@/server/apikeys/api-keys");
  const { closeQueues } = await import("@/server/jobs/queues");
  const { and, eq, inArray, sql } = await import("drizzle-orm");
  const db = getDb();
  const server = await startTrpcServer();
  try {
    await seedDemo(db);
    for (const name of clusterNames) await registerCluster(db, systemContext("bench"), { name, region: "eu-west-1", kubeconfig: await kubeconfigOf(name), labels: {} });
    for (let w = 0; w < Number(process.env.BENCH_PROVISION_WORKERS ?? 1); w++) child("workers/main.ts");
    const [free] = await db.select({ id: plans.id }).from(plans).innerJoin(services, eq(services.id, plans.serviceId)).where(and(eq(services.slug, "hello-web"), eq(plans.slug, "free")));
    const user = await createUserWithPassword(db, { email: "bench@provision.local", name: "Bench", password: "bench-password-123" });
    const ctx = { ...systemContext("bench"), actor: { kind: "user" as const, userId: user.id, email: user.email, name: "Bench", platformRole: null } };
    // A burst comes from many customers at once: creates are spread over 10 organizations (each with its own key).
    const tenants: { orgId: string; secret: string }[] = [];
    for (let t = 0; t < 10; t++) {
      const org = await createOrganization(db, ctx, { name: `Provision Bench ${t}` });
      tenants.push({ orgId: org.id, secret: (await createApiKey(db, ctx, { orgId: org.id, name: "bench", role: "member" })).secret });
    }

    let counter = 0;
    const create = async (): Promise<{ id: string; at: number }> => {
      const n = counter++;
      const tenant = tenants[n % tenants.length]!;
      const res = await fetch(`${server.url}/api/trpc/instances.create`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${tenant.secret}` },
        body: JSON.stringify({ json: { orgId: tenant.orgId, planId: free!.id, name: `i${n.toString(36)}` } }),
      });
      const body = (await res.json()) as { result?: { data: { json: { id: string } } }; error?: { json: { message: string } } };
      if (!body.result) throw new Error(`create failed: ${body.error?.json.message}`);
      return { id: body.result.data.json.id, at: performance.now() };
    };
    const waitAllDone = async (ids: string[], timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        // One array parameter rather than one per id: the poll itself should cost the system under test little.
        const [open] = await db
          .select({ n: sql<number>`count(*)::int` })
          .from(workflowRuns)
          .where(and(sql`${workflowRuns.subjectId} = any(${sql.param(ids)}::uuid[])`, inArray(workflowRuns.status, ["queued", "running"])));
        if (open!.n === 0) return;
        if (Date.now() > deadline) throw new Error(`${open!.n} of ${ids.length} runs still open`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };

    // (a) burst
    const burstStart = performance.now();
    const burstIds: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < BURST) {
          next++;
          burstIds.push((await create()).id);
        }
      }),
    );
    const createdIn = (performance.now() - burstStart) / 1000;
    await waitAllDone(burstIds, 600_000);
    const burstSeconds = (performance.now() - burstStart) / 1000;
    const failedBurst = await db.select({ n: sql<number>`count(*)::int` }).from(workflowRuns).where(and(inArray(workflowRuns.subjectId, burstIds), eq(workflowRuns.status, "failed")));

    // (b) steady rate
    const steadyIds: string[] = [];
    const steadyStart = performance.now();
    const pending: Promise<void>[] = [];
    for (let i = 0; i < STEADY_RATE * STEADY_SECONDS; i++) {
      const due = steadyStart + (i * 1000) / STEADY_RATE;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      pending.push(create().then((c) => void steadyIds.push(c.id)));
    }
    await Promise.all(pending);
    await waitAllDone(steadyIds, 300_000);
    const steadyRuns = await db.select().from(workflowRuns).where(inArray(workflowRuns.subjectId, steadyIds));
    const latencies = steadyRuns.filter((r) => r.status === "succeeded").map((r) => r.finishedAt!.getTime() - r.createdAt.getTime());

    // Where the time goes (steady phase): queue wait before each step, and each step's own duration.
    const steps = await db.select().from(workflowSteps).where(inArray(workflowSteps.runId, steadyRuns.map((r) => r.id)));
    const byName = new Map<string, { wait: number[]; run: number[] }>();
    const runById = new Map(steadyRuns.map((r) => [r.id, r]));
    const stepsByRun = new Map<string, typeof steps>();
    for (const s of steps) stepsByRun.set(s.runId, [...(stepsByRun.get(s.runId) ?? []), s]);
    for (const [runId, list] of stepsByRun) {
      list.sort((a, b) => a.index - b.index);
      let prevEnd = runById.get(runId)!.createdAt.getTime();
      for (const s of list) {
        const entry = byName.get(s.name) ?? { wait: [], run: [] };
        if (s.startedAt) entry.wait.push(s.startedAt.getTime() - prevEnd);
        if (s.durationMs !== null) entry.run.push(s.durationMs);
        byName.set(s.name, entry);
        prevEnd = s.finishedAt?.getTime() ?? prevEnd;
      }
    }
    console.log("\nwhere the time goes (steady phase, medians in ms): step  queue-wait  step-duration");
    for (const [name, e] of byName) console.log(`  ${name.padEnd(14)} ${String(round(median(e.wait), 1)).padStart(8)} ${String(round(median(e.run), 1)).padStart(10)}`);
    console.log(`burst: ${BURST} created over HTTP in ${round(createdIn, 1)} s, all Running after ${round(burstSeconds, 1)} s; ${failedBurst[0]!.n} failed\n`);

    const metrics: Metric[] = [
      { key: "burst_instances_per_s", value: round(BURST / burstSeconds, 1), unit: "instances/s", better: "higher", target: 50 },
      { key: "steady_p50_ms", value: round(percentile(latencies, 50), 0), unit: "ms", better: "lower" },
      { key: "steady_p95_ms", value: round(percentile(latencies, 95), 0), unit: "ms", better: "lower", target: 1000 },
      { key: "steady_p99_ms", value: round(percentile(latencies, 99), 0), unit: "ms", better: "lower" },
      { key: "failed_runs", value: failedBurst[0]!.n + steadyRuns.filter((r) => r.status !== "succeeded").length, unit: "runs", better: "lower", target: 0 },
    ];
    return { metrics };
  } finally {
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : (c.once("exit", r), c.kill("SIGTERM"))))));
    await closeQueues();
    await server.close();
    await env.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}
