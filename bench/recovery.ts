// Benchmark `recovery` (issue 8): 200 instances across 4 kubesim clusters, watched as in production (informers →
// health monitor → recovery workflows on in-process workers). For each fault type, the time from injecting the
// fault to every affected instance being healthy again (p50/p95), next to the detection and failover settings.
// Compare with Kubernetes alone: node-monitor-grace-period 50 s + the default 300 s toleration ≈ 5m50s before
// pods on a lost node are evicted, and no failover between clusters at all.
import { performance } from "node:perf_hooks";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { createBenchEnvironment } from "./lib/environment";
import { median, percentile, round } from "./lib/stats";
import type { BenchmarkResult, Metric } from "./lib/types";

const INSTANCES = Number(process.env.BENCH_RECOVERY_INSTANCES ?? 200);
// Two regions of two clusters: an instance can fail over only within its region.
const CLUSTERS = [
  { name: "rec-a", region: "r1" },
  { name: "rec-b", region: "r1" },
  { name: "rec-c", region: "r2" },
  { name: "rec-d", region: "r2" },
];

export default async function run(): Promise<BenchmarkResult> {
  process.env.MAX_INSTANCES_PER_ORG = "100000";
  const env = await createBenchEnvironment("recovery");
  const { getDb } = await import("@/db/client");
  const { seedDemo } = await import("@/db/seed");
  const { clusters, incidents, instanceHealth, instances, plans, services, users, workflowRuns } = await import("@/db/schema");
  const { and, eq, inArray, sql } = await import("drizzle-orm");
  const { startKubesim } = await import("@/kubesim/index");
  const { startWorkers } = await import("@/workers/start-workers");
  const { workflowStepsProcessor } = await import("@/workers/processors/workflows");
  const { closeQueues } = await import("@/server/jobs/queues");
  const { invalidatePlacementView } = await import("@/server/placement/reserve-placement");
  const { FleetWatcher } = await import("@/server/clusters/cluster-watcher");
  const { syncAllClusters } = await import("@/server/clusters/capacity-sync");
  const { healthSettings } = await import("@/server/health/settings");
  const { signUpWithOrg, userCaller, markSubscribed } = await import("@/tests/helpers/callers");
  // Kubernetes' own timers as configured by default, except a faster kubelet heartbeat so NotReady shows in seconds.
  const timers = { heartbeatMs: 1_000, nodeGraceMs: 5_000, evictionTimeoutMs: 300_000, backoffBaseMs: 10_000 };
  const sim = await startKubesim({ clusters: CLUSTERS.map((c) => ({ ...c, nodeCount: 4, nodeShape: { cpu: "16", memory: "64Gi", pods: 250 } })), podStartDelayMs: 200, timers });
  const workers = await startWorkers([workflowStepsProcessor], { schedules: false });
  const db = getDb();
  const watcher = new FleetWatcher(db);
  // The workers' periodic resync (every 30 s in production) also re-judges clusters that stopped sending events.
  const resync = setInterval(() => void syncAllClusters(db).catch(() => {}), 5_000);
  try {
    await seedDemo(db);
    const admin = await signUpWithOrg("Bench platform");
    await db.update(users).set({ platformRole: "platform_admin" }).where(eq(users.id, admin.owner.userId));
    const platform = await userCaller(admin.owner.userId);
    for (const c of sim.clusters) await platform.clusters.register({ name: c.name, region: c.region, kubeconfig: c.kubeconfigYaml });
    invalidatePlacementView();
    const tenant = await signUpWithOrg("Bench tenant");
    await markSubscribed(tenant.orgId);
    // Hello Web Free (stateless, one replica): half the instances per region; best fit packs each half on one cluster.
    const [plan] = await db.select({ id: plans.id }).from(plans).innerJoin(services, eq(services.id, plans.serviceId)).where(and(eq(services.slug, "hello-web"), eq(plans.slug, "free")));
    for (let n = 0; n < INSTANCES; n++) await tenant.owner.caller.instances.create({ orgId: tenant.orgId, planId: plan!.id, name: `r${n}`, region: n % 2 ? "r2" : "r1" });
    const allRunning = async () => (await db.select({ n: sql<number>`count(*)::int` }).from(instances).where(eq(instances.observedState, "running")))[0]!.n === INSTANCES;
    while (!(await allRunning())) await new Promise((r) => setTimeout(r, 200));
    await watcher.reconcile();
    const healthyAll = async (ids: string[]) => {
      const rows = await db.select({ id: instanceHealth.instanceId, status: instanceHealth.status }).from(instanceHealth).where(inArray(instanceHealth.instanceId, ids));
      return new Map(rows.map((r) => [r.id, r.status]));
    };
    const ids = (await db.select({ id: instances.id }).from(instances)).map((r) => r.id);
    for (let t = 0; t < 300; t++) {
      const h = await healthyAll(ids);
      if (ids.every((id) => h.get(id) === "healthy")) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const clusterOf = async (name: string) => (await db.select({ id: clusters.id }).from(clusters).where(eq(clusters.name, name)))[0]!.id;

    /** Injects a fault, then records per affected instance when it was healthy again (watched every 100 ms). */
    const measure = async (affected: string[], inject: () => Promise<void>, timeoutMs: number) => {
      const t0 = performance.now();
      await inject();
      const seenUnhealthy = new Set<string>();
      const done = new Map<string, number>();
      while (done.size < affected.length && performance.now() - t0 < timeoutMs) {
        const h = await healthyAll(affected);
        for (const id of affected) {
          const s = h.get(id);
          if (s !== "healthy") seenUnhealthy.add(id);
          else if (seenUnhealthy.has(id) && !done.has(id)) done.set(id, (performance.now() - t0) / 1000);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      const times = [...done.values()];
      return { times, recovered: done.size, affected: affected.length };
    };
    const onCluster = async (name: string) => (await db.select({ id: instances.id, ns: instances.namespace }).from(instances).where(eq(instances.clusterId, await clusterOf(name))));

    const busiest = async (names: string[]) => {
      const counts = await Promise.all(names.map(async (n) => ({ n, count: (await onCluster(n)).length })));
      return counts.sort((a, b) => b.count - a.count)[0]!.n;
    };
    const r2 = await busiest(["rec-c", "rec-d"]);
    const r1 = await busiest(["rec-a", "rec-b"]);
    // (1) pod crash: the pods of 20 instances crash for 3 s (a bad config push, an OOM), then would run again.
    const crashVictims = (await onCluster(r2)).slice(0, 20);
    const crash = await measure(crashVictims.map((v) => v.id), async () => {
      const faults: { id: string }[] = [];
      for (const v of crashVictims) faults.push(await sim.admin.crashLoop(r2, { namespace: v.ns }));
      setTimeout(() => void Promise.all(faults.map((f) => sim.admin.clearFault(r2, f.id))), 3_000);
    }, 120_000);

    // (2) node loss: the busiest node of that cluster stops; the instances with pods there must be whole again.
    const kc = new KubeConfig();
    kc.loadFromString(sim.clusters.find((c) => c.name === r2)!.kubeconfigYaml);
    const pods = (await kc.makeApiClient(CoreV1Api).listPodForAllNamespaces()).items;
    const perNode = new Map<string, Set<string>>();
    for (const p of pods) if (p.spec?.nodeName && p.metadata?.namespace?.startsWith("fp-")) perNode.set(p.spec.nodeName, (perNode.get(p.spec.nodeName) ?? new Set()).add(p.metadata.namespace));
    const [nodeName, namespaces] = [...perNode.entries()].sort((a, b) => b[1].size - a[1].size)[0]!;
    const onNode = (await onCluster(r2)).filter((v) => namespaces.has(v.ns)).map((v) => v.id);
    const node = await measure(onNode, () => sim.admin.nodeDown(r2, nodeName), 180_000);

    // (3) cluster loss: the busiest cluster of the other region stops answering; its instances fail over.
    const cIds = (await onCluster(r1)).map((v) => v.id);
    const cluster = await measure(cIds, () => sim.admin.partition(r1), 240_000);
    const moves = await db.select({ n: sql<number>`count(*)::int` }).from(workflowRuns).where(eq(workflowRuns.type, "instance-move"));
    const falseFailovers = Math.max(0, moves[0]!.n - cIds.length);
    const openIncidents = await db.select({ n: sql<number>`count(*)::int` }).from(incidents).where(sql`${incidents.status} <> 'resolved'`);

    const s = healthSettings();
    console.log(`  settings: not-ready grace ${s.notReadyGraceMs / 1000} s, confirm ${s.confirmMs / 1000} s, failover delay ${s.failoverDelayMs / 1000} s, max unreachable share ${s.maxUnreachableShare}; kubesim heartbeat ${timers.heartbeatMs / 1000} s, node grace ${timers.nodeGraceMs / 1000} s, eviction ${timers.evictionTimeoutMs / 1000} s`);
    console.log(`  pod crash: ${crash.recovered}/${crash.affected} recovered; node loss: ${node.recovered}/${node.affected} healthy; cluster loss: ${cluster.recovered}/${cluster.affected} failed over; open incidents ${openIncidents[0]!.n}`);
    console.log("  Kubernetes alone: a lost node's pods are evicted after ≈ 350 s (50 s grace + 300 s toleration); a lost cluster's tenants stay down");
    const p95 = (v: number[]) => (v.length ? round(percentile(v, 95), 1) : -1);
    const metrics: Metric[] = [
      { key: "pod_crash_mttr_p50_s", value: crash.times.length ? round(median(crash.times), 1) : -1, unit: "s", better: "lower" },
      { key: "pod_crash_mttr_p95_s", value: p95(crash.times), unit: "s", better: "lower", target: 10 },
      { key: "node_loss_mttr_p50_s", value: node.times.length ? round(median(node.times), 1) : -1, unit: "s", better: "lower" },
      { key: "node_loss_mttr_p95_s", value: p95(node.times), unit: "s", better: "lower", target: 30 },
      { key: "cluster_loss_mttr_p50_s", value: cluster.times.length ? round(median(cluster.times), 1) : -1, unit: "s", better: "lower" },
      { key: "cluster_loss_mttr_p95_s", value: p95(cluster.times), unit: "s", better: "lower", target: 60 },
      { key: "false_failovers", value: falseFailovers, unit: "moves", better: "lower", target: 0 },
    ];
    return { metrics };
  } finally {
    clearInterval(resync);
    await watcher.stop();
    await Promise.all(workers.map((w) => w.close()));
    await closeQueues();
    await sim.stop();
    await env.cleanup();
  }
}
