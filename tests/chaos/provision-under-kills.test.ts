// Chaos: 200 provisioning runs while the workers process is SIGKILLed 3–5 times at random moments and restarted.
// Every run must finish, every instance run exactly once, with no duplicate or leftover namespaces,
// deployments or reservations.
import { eq, inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db/client";
import { instances, plans, reservations, services, users, workflowRuns } from "@/db/schema";
import { seedDemo } from "@/db/seed";
import { startKubesim, type Kubesim } from "@/kubesim/index";
import { closeQueues } from "@/server/jobs/queues";
import { clientsFor, FAST_TIMERS } from "../integration/kubesim/helpers";
import { signUpWithOrg, userCaller, type Caller } from "../helpers/callers";
import { WorkersProcess } from "../helpers/workers-process";

const ORGS = 10;
const PER_ORG = 20;
const TOTAL = ORGS * PER_ORG;

let sim: Kubesim;
const workers = new WorkersProcess();

beforeAll(async () => {
  sim = await startKubesim({
    clusters: [{ name: "chaos", region: "eu-west-1", nodeCount: 10, nodeShape: { cpu: "16", memory: "64Gi", pods: 250 } }],
    podStartDelayMs: 0,
    timers: FAST_TIMERS,
  });
  const db = getDb();
  await seedDemo(db);
  const admin = await signUpWithOrg("Platform");
  await db.update(users).set({ platformRole: "platform_admin" }).where(eq(users.id, admin.owner.userId));
  await (await userCaller(admin.owner.userId)).clusters.register({ name: "chaos", region: "eu-west-1", kubeconfig: sim.clusters[0]!.kubeconfigYaml });
}, 60_000);

afterAll(async () => {
  await workers.kill();
  await closeQueues();
  await sim?.stop();
});

describe("provisioning survives workers being killed", () => {
  it(
    `${TOTAL} runs finish exactly once despite 3–5 SIGKILLs`,
    async () => {
      const db = getDb();
      const [free] = await db.select({ id: plans.id }).from(plans).innerJoin(services, eq(services.id, plans.serviceId)).where(sql`${services.slug} = 'hello-web' and ${plans.slug} = 'free'`);
      const owners: { caller: Caller; orgId: string }[] = [];
      for (let o = 0; o < ORGS; o++) {
        const { owner, orgId } = await signUpWithOrg(`Chaos ${o}`);
        owners.push({ caller: owner.caller, orgId });
      }
      workers.start();
      const created = await Promise.all(
        Array.from({ length: TOTAL }, (_, i) => {
          const { caller, orgId } = owners[i % ORGS]!;
          return caller.instances.create({ orgId, planId: free!.id, name: `app-${i}` });
        }),
      );
      const ids = created.map((c) => c.id);
      const t0 = Date.now();
      const progress = async (label: string) => {
        const byStatus = await db.select({ status: workflowRuns.status, n: sql<number>`count(*)::int` }).from(workflowRuns).groupBy(workflowRuns.status);
        console.log(`[chaos +${Math.round((Date.now() - t0) / 1000)} s] ${label}: ${byStatus.map((b) => `${b.status}=${b.n}`).join(" ")}`);
      };
      await progress("created");

      const kills = 3 + Math.floor(Math.random() * 3);
      for (let k = 0; k < kills; k++) {
        // Kill while steps are in flight: after the process is up and has had a moment to take jobs.
        await workers.waitReady();
        await new Promise((r) => setTimeout(r, 300 + Math.random() * 2000));
        await workers.kill();
        await progress(`killed workers (${k + 1}/${kills})`);
        await new Promise((r) => setTimeout(r, 200 + Math.random() * 800));
        workers.start();
      }

      const deadline = Date.now() + 150_000;
      for (;;) {
        const open = await db.select({ n: sql<number>`count(*)::int` }).from(workflowRuns).where(inArray(workflowRuns.status, ["queued", "running", "paused", "cancelling"]));
        if (open[0]!.n === 0) break;
        if (Date.now() > deadline) throw new Error(`runs still open: ${open[0]!.n}\n${workers.output.slice(-3000)}`);
        if (Math.random() < 0.1) await progress("waiting");
        await new Promise((r) => setTimeout(r, 500));
      }

      const runs = await db.select().from(workflowRuns).where(inArray(workflowRuns.subjectId, ids));
      expect(runs).toHaveLength(TOTAL);
      expect(runs.filter((r) => r.status !== "succeeded").map((r) => `${r.status}: ${r.error}`)).toEqual([]);
      const rows = await db.select().from(instances).where(inArray(instances.id, ids));
      expect(rows.filter((r) => r.observedState !== "running").map((r) => `${r.name}: ${r.observedState} ${r.statusMessage}`)).toEqual([]);

      const { core, apps } = clientsFor(sim, "chaos");
      const namespaces = (await core.listNamespace({ labelSelector: "fleetplane.dev/instance" })).items;
      const nsInstances = namespaces.map((n) => n.metadata!.labels!["fleetplane.dev/instance"]!);
      expect(new Set(nsInstances).size).toBe(namespaces.length);
      expect(new Set(nsInstances)).toEqual(new Set(ids));
      const deployments = (await apps.listDeploymentForAllNamespaces({ labelSelector: "app.kubernetes.io/managed-by=fleetplane" })).items;
      expect(deployments).toHaveLength(TOTAL);
      const held = await db.select().from(reservations).where(inArray(reservations.subjectId, ids));
      expect(held).toHaveLength(TOTAL);
      expect(new Set(held.map((r) => r.subjectId)).size).toBe(TOTAL);
      console.log(`chaos: ${kills} kills, all ${TOTAL} instances running once`);
    },
    240_000,
  );
});
