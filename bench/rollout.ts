// Benchmark `rollout` (issue 9): a new hello-web version rolled out to 1,000 instances in 5 waves (a 1 % canary, then
// 25/50/75/100 %) on kubesim with zero pod start delay. As in production, this process (the API side: it creates the
// instances, publishes the version and creates the rollout through the domain functions), the workers and the
// clusters (kubesim) are separate processes. Measured: the control-plane time of each instance upgrade (the run's
// creation to its end, queue waits included: rollout_targets.upgrade_ms) and the rollout's duration minus its soak
// times. Also prints where the time goes: each upgrade step's median, and each wave's start lag, span and soak tail.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { createBenchEnvironment } from "./lib/environment";
import { median, percentile, round } from "./lib/stats";
import type { BenchmarkResult, Metric } from "./lib/types";

const INSTANCES = Number(process.env.BENCH_ROLLOUT_INSTANCES ?? 1000);
const ORGS = 10;
const CREATE_IN_FLIGHT = 16;
// 1 % canary (10 instances), then cumulative percentages: 5 waves of 10, 240, 250, 250, 250.
const WAVES = { canary: { percent: 1 }, percents: [25, 50, 75, 100] };
// Small but not zero, so the subtraction of soak times in rollout_overhead_s is real.
const SOAK_SECONDS = 2;
const MAX_PARALLEL = Number(process.env.BENCH_ROLLOUT_MAX_PARALLEL ?? 100);
// How often a wave looks again (production default 2,000 ms; the integration tests use 100 ms).
const POLL_MS = Number(process.env.BENCH_ROLLOUT_POLL_MS ?? 200);
// Workers processes (one by default, as provision does); each has 32 workflow step slots.
const WORKER_PROCESSES = Number(process.env.BENCH_ROLLOUT_WORKERS ?? 1);
// BENCH_CPU_PROF_DIR=<dir> writes a CPU profile of the workers and kubesim processes there (node --cpu-prof).
const PROFILE_ARGS = process.env.BENCH_CPU_PROF_DIR ? ["--cpu-prof", "--cpu-prof-dir", process.env.BENCH_CPU_PROF_DIR] : [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU seconds a process has used so far (Linux /proc; NaN elsewhere): where the machine's two cores went. */
function cpuSecondsOf(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** The machine's busy and total CPU time so far in seconds (all cores; Linux /proc/stat), NaN elsewhere. */
function machineCpu(): { busy: number; total: number } {
  try {
    const [, ...ticks] = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/);
    const n = ticks.slice(0, 8).map(Number);
    const total = n.reduce((a, b) => a + b, 0);
    return { busy: (total - n[3]! - n[4]!) / 100, total: total / 100 };
  } catch {
    return { busy: Number.NaN, total: Number.NaN };
  }
}

export default async function run(): Promise<BenchmarkResult> {
  process.env.MAX_INSTANCES_PER_ORG = "100000";
  const env = await createBenchEnvironment("rollout");
  const dir = mkdtempSync(path.join(tmpdir(), "bench-rollout-"));
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
  const kubesim = child("kubesim/main.ts", ["--config", path.join(dir, "kubesim.yaml")]);
  const kubeconfigOf = async (name: string) => {
    const file = path.join(dir, `${name}.kubeconfig`);
    for (let i = 0; i < 300 && !existsSync(file); i++) await sleep(100);
    return readFileSync(file, "utf8");
  };
  const { getDb } = await import("@/db/client");
  const { seedDemo } = await import("@/db/seed");
  const { instances, plans, rollouts, rolloutTargets, serviceVersions, services, workflowRuns, workflowSteps } = await import("@/db/schema");
  const { systemContext } = await import("@/server/auth/actor");
  const { registerCluster } = await import("@/server/clusters/registry");
  const { createOrganization } = await import("@/server/orgs/organizations");
  const { createUserWithPassword } = await import("@/server/auth/users");
  const { createInstance } = await import("@/server/instances/instances");
  const { updateScalingSettings } = await import("@/server/scaling/sleep-wake");
  const { createServiceVersion } = await import("@/server/catalog/catalog");
  const { createRollout } = await import("@/server/rollouts/rollouts");
  const { closeQueues } = await import("@/server/jobs/queues");
  const { and, eq, inArray, sql } = await import("drizzle-orm");
  const db = getDb();
  try {
    await seedDemo(db);
    for (const name of clusterNames) await registerCluster(db, systemContext("bench"), { name, region: "eu-west-1", kubeconfig: await kubeconfigOf(name), labels: {} });
    const workers = Array.from({ length: WORKER_PROCESSES }, () => child("bench/lib/rollout-workers-child.ts", [String(POLL_MS)]));
    const [free] = await db
      .select({ id: plans.id, serviceId: services.id })
      .from(plans)
      .innerJoin(services, eq(services.id, plans.serviceId))
      .where(and(eq(services.slug, "hello-web"), eq(plans.slug, "free")));
    const user = await createUserWithPassword(db, { email: "bench@rollout.local", name: "Bench", password: "bench-password-123" });
    const ctx = { ...systemContext("bench"), actor: { kind: "user" as const, userId: user.id, email: user.email, name: "Bench", platformRole: null } };
    const orgIds: string[] = [];
    for (let t = 0; t < ORGS; t++) orgIds.push((await createOrganization(db, ctx, { name: `Rollout Bench ${t}` })).id);

    // Setup (not measured): 1,000 Running instances over 10 organizations. Each is pinned awake, as a customer may,
    // so the idle detector (free plan: 5 minutes) cannot put any to sleep before the rollout: every upgrade rolls a pod.
    const setupStart = Date.now();
    const ids: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: CREATE_IN_FLIGHT }, async () => {
        while (next < INSTANCES) {
          const n = next++;
          const orgId = orgIds[n % ORGS]!;
          const created = await createInstance(db, ctx, { orgId, planId: free!.id, name: `i${n.toString(36)}`, parameters: {} });
          await updateScalingSettings(db, ctx, { orgId, instanceId: created.id, pinnedAwake: true });
          ids.push(created.id);
        }
      }),
    );
    const createdIn = (Date.now() - setupStart) / 1000;
    for (const deadline = Date.now() + 20 * 60_000; ; ) {
      const [row] = await db
        .select({
          running: sql<number>`count(*) filter (where ${instances.observedState} = 'running')::int`,
          failed: sql<number>`count(*) filter (where ${instances.observedState} = 'failed')::int`,
          open: sql<number>`(select count(*)::int from ${workflowRuns} r where r.subject_id = any(${sql.param(ids)}::uuid[]) and r.status in ('queued', 'running', 'paused', 'cancelling'))`,
        })
        .from(instances)
        .where(sql`${instances.id} = any(${sql.param(ids)}::uuid[])`);
      if (row!.failed > 0) throw new Error(`${row!.failed} instances failed to provision`);
      if (row!.running === INSTANCES && row!.open === 0) break;
      if (Date.now() > deadline) throw new Error(`setup: ${row!.running} of ${INSTANCES} Running after 20 min`);
      await sleep(500);
    }
    console.log(`setup: ${INSTANCES} instances over ${ORGS} organizations created in ${round(createdIn, 1)} s, all Running after ${round((Date.now() - setupStart) / 1000, 1)} s`);

    // The new version: the same manifest template, a new image.
    const [current] = await db.select().from(serviceVersions).where(and(eq(serviceVersions.serviceId, free!.serviceId), eq(serviceVersions.isDefault, true)));
    const version = await createServiceVersion(db, systemContext("bench"), {
      serviceId: free!.serviceId,
      version: "1.1.0",
      image: "fleetplane/hello-web:1.1.0",
      manifestTemplate: current!.manifestTemplate,
      upgradeStrategy: "rolling",
      makeDefault: false,
      releaseNotes: "benchmark release",
      snapshotBeforeUpgrade: false,
      replicaGateSeconds: 0,
      mandatory: false,
    });
    const load = loadavg().map((l) => round(l, 2));
    const cpuAt = () => ({ workers: workers.reduce((sum, w) => sum + cpuSecondsOf(w.pid), 0), kubesim: cpuSecondsOf(kubesim.pid), api: cpuSecondsOf(process.pid), machine: machineCpu() });
    const cpuBefore = cpuAt();
    const created = await createRollout(db, systemContext("bench"), { versionId: version!.id, waves: WAVES, soakSeconds: SOAK_SECONDS, maxParallel: MAX_PARALLEL });
    console.log(`rollout: ${created.targetCount} targets in waves of ${created.waves.join(", ")}; maxParallel ${MAX_PARALLEL}, soak ${SOAK_SECONDS} s, look every ${POLL_MS} ms, ${WORKER_PROCESSES} workers process${WORKER_PROCESSES > 1 ? "es" : ""}; load average at start ${load.join(" ")}`);

    let rollout: typeof rollouts.$inferSelect;
    for (const deadline = Date.now() + 30 * 60_000; ; ) {
      [rollout] = (await db.select().from(rollouts).where(eq(rollouts.id, created.id))) as [typeof rollouts.$inferSelect];
      if (rollout.status === "completed") break;
      if (!["running", "scheduled"].includes(rollout.status)) throw new Error(`the rollout is ${rollout.status}: ${rollout.pauseReason ?? ""}`);
      if (Date.now() > deadline) throw new Error("the rollout did not complete in 30 min");
      await sleep(250);
    }
    const loadAfter = loadavg().map((l) => round(l, 2));
    const cpuAfter = cpuAt();

    // What it took.
    const targets = await db.select().from(rolloutTargets).where(eq(rolloutTargets.rolloutId, created.id));
    const notDone = targets.filter((t) => t.status !== "done");
    const upgradeMs = targets.filter((t) => t.upgradeMs !== null).map((t) => t.upgradeMs!);
    const totalS = (rollout.finishedAt!.getTime() - rollout.createdAt.getTime()) / 1000;
    const overheadS = totalS - rollout.waveCount * rollout.soakSeconds;
    const runIds = targets.map((t) => t.runId).filter((x): x is string => !!x);
    const runs = await db.select().from(workflowRuns).where(sql`${workflowRuns.id} = any(${sql.param(runIds)}::uuid[])`);
    const steps = await db.select().from(workflowSteps).where(sql`${workflowSteps.runId} = any(${sql.param(runIds)}::uuid[])`);

    // Where the time goes in an upgrade run: the wait before each step (queue wait for the first) and the step itself.
    const byName = new Map<string, { wait: number[]; run: number[] }>();
    const runById = new Map(runs.map((r) => [r.id, r]));
    const stepsByRun = new Map<string, typeof steps>();
    for (const s of steps) stepsByRun.set(s.runId, [...(stepsByRun.get(s.runId) ?? []), s]);
    const afterLast: number[] = [];
    for (const [runId, list] of stepsByRun) {
      list.sort((a, b) => a.index - b.index);
      const r = runById.get(runId)!;
      let prevEnd = r.createdAt.getTime();
      for (const s of list) {
        const entry = byName.get(s.name) ?? { wait: [], run: [] };
        if (s.startedAt) entry.wait.push(s.startedAt.getTime() - prevEnd);
        if (s.durationMs !== null) entry.run.push(s.durationMs);
        byName.set(s.name, entry);
        prevEnd = s.finishedAt?.getTime() ?? prevEnd;
      }
      if (r.finishedAt) afterLast.push(r.finishedAt.getTime() - prevEnd);
    }
    console.log("\nwhere an upgrade's time goes (medians in ms; p95 in brackets): step  wait-before  step-duration");
    const fmt = (v: number[]) => `${String(round(median(v), 1)).padStart(7)} [${String(round(percentile(v, 95), 1)).padStart(7)}]`;
    for (const [name, e] of byName) console.log(`  ${name.padEnd(10)} ${fmt(e.wait)} ${fmt(e.run)}`);
    console.log(`  run end after the last step: ${fmt(afterLast)};  upgrade_ms: ${fmt(upgradeMs)}`);
    console.log("  (roll-pods waits until the old pod is gone: kubesim's simulated pod termination is 500 ms by default)");

    // Where the rollout's time goes, wave by wave (seconds from the rollout's creation): the wave step's own end comes
    // after its last upgrade ends plus the soak; "lag" is from the previous wave's end to this wave's first upgrade.
    const rolloutSteps = await db.select().from(workflowSteps).where(eq(workflowSteps.runId, rollout.runId!));
    const at = (d: Date | null | undefined) => (d ? (d.getTime() - rollout.createdAt.getTime()) / 1000 : Number.NaN);
    const announce = rolloutSteps.find((s) => s.name === "announce");
    console.log(`\nrollout: ${round(totalS, 1)} s in all, ${rollout.waveCount} waves × ${rollout.soakSeconds} s soak, overhead ${round(overheadS, 1)} s; announce step ended at ${round(at(announce?.finishedAt), 2)} s`);
    console.log("  wave  size  first-start  last-start  last-end  wave-end   lag   span  soak+tail  starts/s  gap-p50-ms  looks  in-flight mean/peak");
    let prevWaveEnd = at(announce?.finishedAt);
    for (let w = 1; w <= rollout.waveCount; w++) {
      const inWave = targets.filter((t) => t.wave === w);
      const first = Math.min(...inWave.map((t) => at(t.startedAt)));
      const lastStart = Math.max(...inWave.map((t) => at(t.startedAt)));
      const last = Math.max(...inWave.map((t) => at(t.finishedAt)));
      const waveEnd = at(rolloutSteps.find((s) => s.name === `wave-${w}`)?.finishedAt);
      const busy = inWave.reduce((sum, t) => sum + (t.upgradeMs ?? 0), 0) / 1000;
      const events = inWave.flatMap((t) => [[at(t.startedAt), 1], [at(t.finishedAt), -1]] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      let inFlight = 0;
      let peak = 0;
      for (const [, d] of events) peak = Math.max(peak, (inFlight += d));
      // Consecutive starts of one look are one startTarget apart; a gap longer than a look's wait starts a new look.
      const startTimes = inWave.map((t) => at(t.startedAt) * 1000).sort((a, b) => a - b);
      const gaps = startTimes.slice(1).map((v, i) => v - startTimes[i]!);
      const looks = 1 + gaps.filter((g) => g >= POLL_MS).length;
      const startRate = inWave.length > 1 ? (inWave.length - 1) / Math.max(lastStart - first, 0.001) : Number.NaN;
      const cells = [w, inWave.length, round(first, 2), round(lastStart, 2), round(last, 2), round(waveEnd, 2), round(first - prevWaveEnd, 2), round(last - first, 2), round(waveEnd - last, 2), round(startRate, 1), round(median(gaps.filter((g) => g < POLL_MS)), 1), looks, `${round(busy / Math.max(last - first, 0.001), 1)}/${peak}`];
      console.log(`  ${cells.map((c, i) => String(c).padStart([4, 5, 12, 11, 9, 9, 5, 6, 10, 9, 11, 6, 19][i]!)).join(" ")}`);
      prevWaveEnd = waveEnd;
    }
    const cpu = (k: "workers" | "kubesim" | "api") => `${k} ${round(cpuAfter[k] - cpuBefore[k], 1)} s (${round(((cpuAfter[k] - cpuBefore[k]) / totalS) * 100, 0)} % of a core)`;
    const machineBusy = ((cpuAfter.machine.busy - cpuBefore.machine.busy) / (cpuAfter.machine.total - cpuBefore.machine.total)) * 100;
    console.log(`CPU during the rollout (${round(totalS, 1)} s): ${cpu("workers")}, ${cpu("kubesim")}, ${cpu("api")}; the machine (${cpus().length} cores, PostgreSQL, Redis and other jobs included) ${round(machineBusy, 0)} % busy`);
    const stillOnOld = await db.select({ n: sql<number>`count(*)::int` }).from(instances).where(and(inArray(instances.id, ids), sql`${instances.versionId} <> ${version!.id}`));
    console.log(`failed targets: ${notDone.length} (${[...new Set(notDone.map((t) => t.status))].join(", ") || "none"}); instances not on ${version!.version}: ${stillOnOld[0]!.n}; load average at start ${load.join(" ")}, at end ${loadAfter.join(" ")}\n`);
    if (notDone.length > 0) throw new Error(`${notDone.length} targets did not upgrade, e.g. ${notDone[0]!.status}: ${notDone[0]!.detail}`);

    // Targets, on this 2-core machine shared by this process, the workers, kubesim, PostgreSQL, Redis and other jobs:
    // - upgrade_p95_ms ≤ 2000: with zero pod start delay an upgrade is a few reads, one server-side apply, a wait until
    //   the new pod is ready and the old one gone (kubesim's default pod termination alone is 500 ms) and a health
    //   check, ≈ 0.75 s; provision's steady p95 target is 1000 ms for similar work, and an upgrade in a rollout may also
    //   wait for a worker slot (up to maxParallel runs share the workers' 32 step slots), hence twice that.
    // - rollout_overhead_s ≤ 60: the waves (10, 240, 250, 250, 250) at maxParallel 100 are 13 rounds of ≈ 0.75 s
    //   upgrades plus a few looks per wave transition, ≈ 15 s where CPU is plentiful; here the workers need 30–50 ms of
    //   CPU per upgrade with PostgreSQL and kubesim on the same two cores, so ≈ 35–45 s is the floor. 60 s allows for a
    //   loaded machine; more means the rollout leaves its parallelism unused (see the in-flight column).
    const metrics: Metric[] = [
      { key: "upgrade_p50_ms", value: round(percentile(upgradeMs, 50), 0), unit: "ms", better: "lower" },
      { key: "upgrade_p95_ms", value: round(percentile(upgradeMs, 95), 0), unit: "ms", better: "lower", target: 2000 },
      { key: "rollout_overhead_s", value: round(overheadS, 1), unit: "s", better: "lower", target: 60 },
    ];
    return { metrics };
  } finally {
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : (c.once("exit", r), c.kill("SIGTERM"))))));
    await closeQueues();
    await env.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}
