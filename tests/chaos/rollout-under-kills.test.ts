// Chaos: a rollout of 60 instances in 3 waves while the workers process is SIGKILLed 3–4 times at random moments
// and restarted. The rollout must complete with every instance upgraded exactly once (one succeeded upgrade run
// each, no failed or duplicate run) and every pod on the new version.
import { eq, inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db/client";
import { instances, plans, rollouts, rolloutTargets, serviceVersions, services, users, workflowRuns } from "@/db/schema";
import { seedDemo } from "@/db/seed";
import { startKubesim, type Kubesim } from "@/kubesim/index";
import { closeQueues } from "@/server/jobs/queues";
import { clientsFor, FAST_TIMERS } from "../integration/kubesim/helpers";
import { signUpWithOrg, userCaller, type Caller } from "../helpers/callers";
import { WorkersProcess } from "../helpers/workers-process";

const ORGS = 3;
const PER_ORG = 20;
const TOTAL = ORGS * PER_ORG;

let sim: Kubesim;
const workers = new WorkersProcess();
let platform: Caller;

async function until(what: string, fn: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${workers.output.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  sim = await startKubesim({ clusters: [{ name: "chaos-ro", region: "eu-west-1", nodeCount: 6, nodeShape: { cpu: "16", memory: "64Gi", pods: 250 } }], podStartDelayMs: 0, timers: FAST_TIMERS });
  const db = getDb();
  await seedDemo(db);
  const admin = await signUpWithOrg("Platform");
  await db.update(users).set({ platformRole: "platform_admin" }).where(eq(users.id, admin.owner.userId));
  platform = await userCaller(admin.owner.userId);
  await platform.clusters.register({ name: "chaos-ro", region: "eu-west-1", kubeconfig: sim.clusters[0]!.kubeconfigYaml });
}, 60_000);

afterAll(async () => {
  await workers.kill();
  await closeQueues();
  await sim?.stop();
});

describe("a rollout survives workers being killed", () => {
  it(
    `${TOTAL} instances upgraded exactly once despite 3–4 SIGKILLs`,
    async () => {
      const db = getDb();
      const [free] = await db.select({ id: plans.id, serviceId: plans.serviceId }).from(plans).innerJoin(services, eq(services.id, plans.serviceId)).where(sql`${services.slug} = 'hello-web' and ${plans.slug} = 'free'`);
      workers.start();
      const ids: string[] = [];
      for (let o = 0; o < ORGS; o++) {
        const { owner, orgId } = await signUpWithOrg(`Chaos rollout ${o}`);
        const made = await Promise.all(Array.from({ length: PER_ORG }, (_, i) => owner.caller.instances.create({ orgId, planId: free!.id, name: `app-${i}` })));
        ids.push(...made.map((m) => m.id));
      }
      await until("every instance running", async () => (await db.select({ s: instances.observedState }).from(instances).where(inArray(instances.id, ids))).every((r) => r.s === "running"), 120_000);

      const [current] = await db.select().from(serviceVersions).where(eq(serviceVersions.serviceId, free!.serviceId));
      const next = await platform.catalog.createVersion({ serviceId: free!.serviceId, version: "3.0.0", image: "registry.example/hello-web:3.0.0", manifestTemplate: current!.manifestTemplate });
      const rollout = await platform.rollouts.create({ versionId: next.id, waves: { canary: { count: 5 }, percents: [50, 100] }, soakSeconds: 1, maxParallel: 15 });

      const kills = 3 + Math.floor(Math.random() * 2);
      for (let k = 0; k < kills; k++) {
        await workers.waitReady();
        await new Promise((r) => setTimeout(r, 300 + Math.random() * 2500));
        await workers.kill();
        const done = await db.select({ status: rolloutTargets.status, n: sql<number>`count(*)::int` }).from(rolloutTargets).where(eq(rolloutTargets.rolloutId, rollout.id)).groupBy(rolloutTargets.status);
        console.log(`[chaos rollout] killed workers (${k + 1}/${kills}): ${done.map((d) => `${d.status}=${d.n}`).join(" ")}`);
        await new Promise((r) => setTimeout(r, 200 + Math.random() * 800));
        workers.start();
      }

      await until("the rollout to complete", async () => (await db.select({ s: rollouts.status }).from(rollouts).where(eq(rollouts.id, rollout.id)))[0]!.s === "completed", 180_000);
      await until("runs to end", async () => (await db.select({ id: workflowRuns.id }).from(workflowRuns).where(inArray(workflowRuns.status, ["queued", "running", "paused", "cancelling"]))).length === 0, 60_000);

      const targets = await db.select().from(rolloutTargets).where(eq(rolloutTargets.rolloutId, rollout.id));
      expect(targets.filter((t) => t.status !== "done").map((t) => `${t.status}: ${t.detail}`)).toEqual([]);
      const upgrades = await db.select().from(workflowRuns).where(sql`${workflowRuns.type} = 'instance-upgrade' and ${workflowRuns.subjectId} in ${ids}`);
      expect(upgrades.filter((r) => r.status !== "succeeded").map((r) => `${r.status}: ${r.error}`)).toEqual([]);
      expect(upgrades).toHaveLength(TOTAL);
      expect(new Set(upgrades.map((r) => r.subjectId)).size).toBe(TOTAL);
      const rows = await db.select({ versionId: instances.versionId, namespace: instances.namespace, state: instances.observedState }).from(instances).where(inArray(instances.id, ids));
      expect(rows.every((r) => r.versionId === next.id && r.state === "running")).toBe(true);
      const pods = (await clientsFor(sim, "chaos-ro").core.listPodForAllNamespaces()).items.filter((p) => !p.metadata?.deletionTimestamp && p.metadata?.namespace?.startsWith("fp-"));
      expect(pods).toHaveLength(TOTAL);
      expect(pods.every((p) => p.spec?.containers[0]?.image === "registry.example/hello-web:3.0.0")).toBe(true);
      console.log(`chaos rollout: ${kills} kills, all ${TOTAL} instances upgraded once`);
    },
    300_000,
  );
});
