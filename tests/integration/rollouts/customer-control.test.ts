// Customers' side of a release on kubesim: maintenance windows hold an organization's upgrades until a window
// opens, notices (portal + email) go out before the rollout starts, an instance can be upgraded now or deferred,
// a mandatory patch reaches deferred and out-of-window instances at its deadline; and a 3-replica stateful
// instance is upgraded one pod at a time behind a volume snapshot, never with fewer than 2 pods ready.
import { and, eq, inArray, like } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db/client";
import { instances, outboxEmails, rolloutTargets, serviceVersions, services, workflowRuns, workflowSteps } from "@/db/schema";
import type { Kubesim } from "@/kubesim/index";
import { configureRollouts } from "@/server/rollouts/advance-rollout";
import { clientsFor, FAST_TIMERS } from "../kubesim/helpers";
import { expectTRPCError, markSubscribed, signUpWithOrg, type Caller } from "../../helpers/callers";
import { startFleetTestbed, type FleetTestbed } from "../../helpers/fleet-testbed";

let bed: FleetTestbed;
let sim: Kubesim;
let platform: Caller;
let orgA = "";
let orgB = "";
let ownerB: Caller;
const inst: Record<string, string> = {};

const db = () => getDb();

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function publish(slug: string, version: string, image: string, extra: Record<string, unknown> = {}) {
  const [svc] = await db().select().from(services).where(eq(services.slug, slug));
  const [v] = await db().select().from(serviceVersions).where(eq(serviceVersions.serviceId, svc!.id));
  return platform.catalog.createVersion({ serviceId: svc!.id, version, image, manifestTemplate: v!.manifestTemplate, releaseNotes: `What is new in ${version}`, ...extra });
}

async function targets(rolloutId: string) {
  const rows = await db().select().from(rolloutTargets).where(eq(rolloutTargets.rolloutId, rolloutId));
  return Object.fromEntries(rows.map((r) => [Object.entries(inst).find(([, id]) => id === r.instanceId)![0], r]));
}

async function versionOf(name: string): Promise<string> {
  const [row] = await db().select({ v: serviceVersions.version }).from(instances).innerJoin(serviceVersions, eq(serviceVersions.id, instances.versionId)).where(eq(instances.id, inst[name]!));
  return row!.v;
}

const today = new Date().getUTCDay();
/** A window on another weekday than today (UTC): the rollout cannot enter it during the test. */
const elsewhere = { timezone: "UTC", windows: [{ days: [(today + 3) % 7], start: "03:00", durationMinutes: 60 }] };
const always = { timezone: "UTC", windows: [{ days: [0, 1, 2, 3, 4, 5, 6], start: "00:00", durationMinutes: 1440 }] };

beforeAll(async () => {
  configureRollouts({ pollMs: 100 });
  bed = await startFleetTestbed({
    kubesim: { clusters: [{ name: "cc-a", region: "eu-west-1", nodeCount: 4, nodeShape: { cpu: "16", memory: "64Gi", pods: 110 } }], podStartDelayMs: 0, timers: FAST_TIMERS },
    customer: "Window Co A",
    subscribed: true,
  });
  ({ sim, platform } = bed);
  orgA = bed.orgId;
  const b = await signUpWithOrg("Window Co B");
  orgB = b.orgId;
  ownerB = b.owner.caller;
  await markSubscribed(orgB);
  const free = bed.planIds["hello-web/free"]!;
  inst.a1 = (await bed.owner.instances.create({ orgId: orgA, planId: free, name: "a1" })).id;
  inst.a2 = (await bed.owner.instances.create({ orgId: orgA, planId: free, name: "a2" })).id;
  inst.b1 = (await ownerB.instances.create({ orgId: orgB, planId: free, name: "b1" })).id;
  for (const name of ["a1", "a2"]) await bed.settle(inst[name]!);
  await waitFor("b1 running", async () => (await ownerB.instances.get({ orgId: orgB, instanceId: inst.b1! })).observedState === "running");
}, 90_000);

afterAll(async () => {
  configureRollouts({ pollMs: 2_000 });
  await bed?.stop();
});

describe("maintenance windows", () => {
  it("validates windows and lets only admins set them", async () => {
    await expectTRPCError(ownerB.upgrades.setWindows({ orgId: orgB, timezone: "Mars/Olympus", windows: [] }), "BAD_REQUEST", /time zone/);
    await expectTRPCError(ownerB.upgrades.setWindows({ orgId: orgB, timezone: "UTC", windows: [{ days: [1], start: "25:00", durationMinutes: 60 }] }), "BAD_REQUEST", /HH:MM/);
    // Another organization's windows are not the caller's business.
    await expectTRPCError(bed.owner.upgrades.setWindows({ orgId: orgB, ...always }), "NOT_FOUND");
    const saved = await ownerB.upgrades.setWindows({ orgId: orgB, ...elsewhere });
    expect(saved.windows).toEqual(elsewhere.windows);
    expect(await ownerB.upgrades.windows({ orgId: orgB })).toEqual(elsewhere);
  });

  it("holds an organization's upgrades until its window opens; notices go out first", async () => {
    const v = await publish("hello-web", "1.1.0", "registry.example/hello-web:1.1.0");
    const rollout = await platform.rollouts.create({ versionId: v.id, waves: { canary: { count: 1 }, percents: [100] }, soakSeconds: 0 });
    await waitFor("org A upgraded and b1 scheduled", async () => {
      const t = await targets(rollout.id);
      return t.a1?.status === "done" && t.a2?.status === "done" && t.b1?.status === "scheduled" && t;
    });
    const t = await targets(rollout.id);
    // The next window: that weekday at 03:00 UTC, within the coming week.
    const next = t.b1!.scheduledFor!;
    expect(next.getUTCDay()).toBe((today + 3) % 7);
    expect(next.getUTCHours()).toBe(3);
    expect(next.getTime() - Date.now()).toBeLessThan(7 * 24 * 3600_000);
    expect(await versionOf("b1")).toBe("1.0.0");
    expect((await platform.rollouts.get({ rolloutId: rollout.id })).rollout.status).toBe("running");
    // Told ahead: a notice in each portal and an email to each owner.
    const [noticeA] = await bed.owner.upgrades.notices({ orgId: orgA });
    expect(noticeA?.title).toMatch(/Hello Web 1.1.0 is coming to 2 instances/);
    expect(noticeA?.body).toMatch(/What is new in 1.1.0/);
    const [noticeB] = await ownerB.upgrades.notices({ orgId: orgB });
    expect(noticeB?.body).toMatch(/03:00–04:00 \(UTC\)/);
    const mails = await db().select().from(outboxEmails).where(like(outboxEmails.subject, "%Hello Web 1.1.0%"));
    expect(mails.length).toBe(2);
    await ownerB.upgrades.dismissNotice({ orgId: orgB, noticeId: noticeB!.id });
    expect(await ownerB.upgrades.notices({ orgId: orgB })).toEqual([]);
    // The window opens (here: the organization widens it to all day): b1 goes, the rollout completes.
    await ownerB.upgrades.setWindows({ orgId: orgB, ...always });
    await waitFor("the rollout to complete", async () => (await platform.rollouts.get({ rolloutId: rollout.id })).rollout.status === "completed");
    expect(await versionOf("b1")).toBe("1.1.0");
  }, 60_000);
});

describe("customer control and mandatory patches", () => {
  it("upgrades now on request, defers until the deadline, and applies the patch to everyone at the deadline", async () => {
    await ownerB.upgrades.setWindows({ orgId: orgB, ...elsewhere });
    const deadline = new Date(Date.now() + 6_000);
    await expectTRPCError(publish("hello-web", "1.1.1", "registry.example/hello-web:1.1.1", { mandatory: true }), "BAD_REQUEST", /needs a deadline/);
    const v = await publish("hello-web", "1.1.1", "registry.example/hello-web:1.1.1", { mandatory: true, deadlineAt: deadline });
    // Announced ahead of its start.
    const rollout = await platform.rollouts.create({ versionId: v.id, waves: { canary: { count: 1 }, percents: [100] }, soakSeconds: 0, startsAt: new Date(Date.now() + 1_500) });
    await waitFor("notices", async () => (await bed.owner.upgrades.notices({ orgId: orgA })).some((n) => /Security update Hello Web 1.1.1/.test(n.title)));
    const pending = await bed.owner.upgrades.pending({ orgId: orgA, instanceId: inst.a1! });
    expect(pending).toMatchObject({ version: "1.1.1", mandatory: true, status: "pending" });
    expect(pending!.deadlineAt!.getTime()).toBe(deadline.getTime());
    const deferred = await bed.owner.upgrades.defer({ orgId: orgA, instanceId: inst.a1! });
    expect(deferred.deferredUntil?.getTime()).toBe(deadline.getTime());
    await expectTRPCError(bed.owner.upgrades.defer({ orgId: orgA, instanceId: inst.a1! }), "PRECONDITION_FAILED", /already deferred/);
    // a2 now, before the rollout even starts.
    const now = await bed.owner.upgrades.upgradeNow({ orgId: orgA, instanceId: inst.a2! });
    expect(now.version).toBe("1.1.1");
    await waitFor("a2 upgraded", async () => (await versionOf("a2")) === "1.1.1");
    // Started, but a1 is deferred and b1 outside its window: both wait for the deadline.
    await new Promise((r) => setTimeout(r, 2_000));
    let t = await targets(rollout.id);
    expect([t.a1!.status, t.b1!.status]).toEqual(["deferred", "scheduled"]);
    expect(await versionOf("a1")).toBe("1.1.0");
    expect(Date.now()).toBeLessThan(deadline.getTime());
    await waitFor("the deadline to bring the patch to everyone", async () => (await platform.rollouts.get({ rolloutId: rollout.id })).rollout.status === "completed", 30_000);
    t = await targets(rollout.id);
    expect(Object.values(t).every((x) => x.status === "done")).toBe(true);
    expect(t.a1!.startedAt!.getTime()).toBeGreaterThanOrEqual(deadline.getTime());
    for (const name of ["a1", "a2", "b1"]) expect(await versionOf(name)).toBe("1.1.1");
    await expectTRPCError(bed.owner.upgrades.defer({ orgId: orgA, instanceId: inst.a1! }), "PRECONDITION_FAILED", /no pending upgrade/);
  }, 60_000);
});

describe("stateful upgrade", () => {
  it("replaces a 3-replica StatefulSet one pod at a time after a volume snapshot, keeping 2 ready", async () => {
    const [svc] = await db().select().from(services).where(eq(services.slug, "postgres"));
    const plan = await platform.catalog.createPlan({ serviceId: svc!.id, slug: "trio", name: "Trio", cpuMillis: 250, memoryMb: 256, storageGb: 1, replicas: 3, free: true });
    const created = await bed.owner.instances.create({ orgId: orgA, planId: plan.id, name: "db3" });
    inst.db3 = created.id;
    await bed.settle(created.id);
    const v = await publish("postgres", "16.6.0", "postgres:16.6", { snapshotBeforeUpgrade: true, replicaGateSeconds: 1 });
    const { core } = clientsFor(sim);
    let minReady = 3;
    const order: string[] = [];
    const firstSeen: number[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const pods = (await core.listNamespacedPod({ namespace: created.namespace })).items.filter((p) => !p.metadata?.deletionTimestamp);
        const ready = pods.filter((p) => p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
        minReady = Math.min(minReady, ready.length);
        for (const p of pods) {
          if (p.spec?.containers[0]?.image !== "postgres:16.6" || order.includes(p.metadata!.name!)) continue;
          order.push(p.metadata!.name!);
          firstSeen.push(Date.now());
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const rollout = await platform.rollouts.create({ versionId: v.id, target: { planIds: [plan.id] }, waves: { canary: { count: 1 }, percents: [100] }, soakSeconds: 0 });
    expect(rollout.targetCount).toBe(1);
    await waitFor("the stateful rollout to complete", async () => (await platform.rollouts.get({ rolloutId: rollout.id })).rollout.status === "completed", 60_000).catch(async (err) => {
      const d = await platform.rollouts.get({ rolloutId: rollout.id });
      const runIds = [...d.runs.map((r) => r.id), ...d.targets.map((t) => t.run_id!).filter(Boolean)];
      const steps = await db().select().from(workflowSteps).where(inArray(workflowSteps.runId, runIds));
      const pods = (await core.listNamespacedPod({ namespace: created.namespace })).items.map((p) => ({ n: p.metadata?.name, del: p.metadata?.deletionTimestamp, img: p.spec?.containers[0]?.image, cond: p.status?.conditions, cs: p.status?.containerStatuses }));
      console.log(JSON.stringify({ order, minReady, pods, steps: steps.map((x) => [x.name, x.status, x.error, x.output, x.startedAt, x.finishedAt]) }, null, 1));
      throw err;
    });
    sampling = false;
    await sampler;
    expect(minReady).toBeGreaterThanOrEqual(2);
    expect(order).toEqual(["db3-2", "db3-1", "db3-0"]);
    // The health gate: each replaced pod stayed ready for a second before the next one went.
    expect(firstSeen[1]! - firstSeen[0]!).toBeGreaterThanOrEqual(900);
    expect(firstSeen[2]! - firstSeen[1]!).toBeGreaterThanOrEqual(900);
    const [target] = await db().select().from(rolloutTargets).where(eq(rolloutTargets.rolloutId, rollout.id));
    const steps = await db().select().from(workflowSteps).where(eq(workflowSteps.runId, target!.runId!));
    const snapshot = steps.find((s) => s.name === "snapshot")!.output as { snapshots: string[] };
    expect(snapshot.snapshots.length).toBe(3);
    const { kc } = clientsFor(sim);
    const { objectApiFor } = await import("@/server/k8s/server-side-apply");
    const list = await objectApiFor(kc).list("snapshot.storage.k8s.io/v1", "VolumeSnapshot", created.namespace);
    expect(list.items.map((s) => s.metadata!.name).sort()).toEqual([...snapshot.snapshots].sort());
    expect(steps.find((s) => s.name === "roll-pods")!.output).toMatchObject({ replaced: 3, gateSeconds: 1 });
    const [run] = await db().select({ status: workflowRuns.status }).from(workflowRuns).where(and(eq(workflowRuns.id, target!.runId!), inArray(workflowRuns.status, ["succeeded"])));
    expect(run?.status).toBe("succeeded");
  }, 90_000);
});
