// A rollout over 100 instances on kubesim: a version that crash-loops (fault keyed by its image) pauses the
// rollout after the canary with every other instance untouched and the canaries undone; resuming with a fixed
// version completes it; an abort mid-wave leaves no instance half-upgraded; a rollback restores the old versions.
import { eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { V1Pod } from "@kubernetes/client-node";
import { getDb } from "@/db/client";
import { instances, rolloutTargets, serviceVersions, services, workflowRuns } from "@/db/schema";
import type { Kubesim } from "@/kubesim/index";
import { resetEnvCache } from "@/server/env";
import { configureRollouts } from "@/server/rollouts/advance-rollout";
import { clientsFor, FAST_TIMERS } from "../kubesim/helpers";
import { expectTRPCError, type Caller } from "../../helpers/callers";
import { startFleetTestbed, type FleetTestbed } from "../../helpers/fleet-testbed";

const COUNT = 100;
let bed: FleetTestbed;
let sim: Kubesim;
let platform: Caller;
let serviceId = "";
let template = "";
const ids: string[] = [];

const db = () => getDb();

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function publish(version: string, image: string) {
  return platform.catalog.createVersion({ serviceId, version, image, manifestTemplate: template, releaseNotes: `notes for ${version}` });
}

async function rolloutStatus(id: string) {
  return (await platform.rollouts.get({ rolloutId: id })).rollout.status;
}

/** Every live pod of the fleet's instances by namespace. */
async function podsByNamespace(): Promise<Map<string, V1Pod[]>> {
  const out = new Map<string, V1Pod[]>();
  for (const c of sim.clusters) {
    const { core } = clientsFor(sim, c.name);
    for (const p of (await core.listPodForAllNamespaces()).items) {
      if (p.metadata?.deletionTimestamp) continue;
      const ns = p.metadata!.namespace!;
      out.set(ns, [...(out.get(ns) ?? []), p]);
    }
  }
  return out;
}

async function noActiveRuns(): Promise<boolean> {
  const active = await db().select({ id: workflowRuns.id }).from(workflowRuns).where(inArray(workflowRuns.status, ["queued", "running", "paused", "cancelling"]));
  return active.length === 0;
}

/** Each instance runs exactly one version, on every pod, and that version is the one recorded. */
async function expectConsistent(): Promise<Map<string, string>> {
  const rows = await db().select({ id: instances.id, namespace: instances.namespace, image: serviceVersions.image, version: serviceVersions.version }).from(instances).innerJoin(serviceVersions, eq(serviceVersions.id, instances.versionId)).where(inArray(instances.id, ids));
  const pods = await podsByNamespace();
  const versions = new Map<string, string>();
  for (const r of rows) {
    const images = new Set((pods.get(r.namespace) ?? []).map((p) => p.spec!.containers[0]!.image));
    expect([...images], `instance ${r.namespace}`).toEqual([r.image]);
    versions.set(r.id, r.version);
  }
  return versions;
}

beforeAll(async () => {
  process.env.MAX_INSTANCES_PER_ORG = "500";
  resetEnvCache();
  configureRollouts({ pollMs: 100 });
  bed = await startFleetTestbed({
    kubesim: {
      clusters: [
        { name: "ro-a", region: "eu-west-1", nodeCount: 4, nodeShape: { cpu: "32", memory: "128Gi", pods: 200 } },
        { name: "ro-b", region: "eu-west-1", nodeCount: 4, nodeShape: { cpu: "32", memory: "128Gi", pods: 200 } },
      ],
      podStartDelayMs: 0,
      timers: FAST_TIMERS,
    },
    customer: "Rollout Co",
    subscribed: true,
  });
  ({ sim, platform } = bed);
  const [svc] = await db().select().from(services).where(eq(services.slug, "hello-web"));
  serviceId = svc!.id;
  const [v] = await db().select().from(serviceVersions).where(eq(serviceVersions.serviceId, serviceId));
  template = v!.manifestTemplate;
  for (let i = 0; i < COUNT; i += 20) {
    const batch = await Promise.all(Array.from({ length: Math.min(20, COUNT - i) }, (_, j) => bed.owner.instances.create({ orgId: bed.orgId, planId: bed.planIds["hello-web/free"]!, name: `app-${i + j}` })));
    ids.push(...batch.map((b) => b.id));
  }
  await waitFor("100 running instances", async () => {
    const rows = await db().select({ s: instances.observedState }).from(instances).where(inArray(instances.id, ids));
    if (rows.some((r) => r.s === "failed")) throw new Error("a provision failed");
    return rows.every((r) => r.s === "running") && (await noActiveRuns());
  }, 120_000);
}, 180_000);

afterAll(async () => {
  configureRollouts({ pollMs: 2_000 });
  await bed?.stop();
});

describe("fleet rollout", () => {
  let firstRollout = "";

  it("pauses after the canary when the new version crash-loops, leaving the rest untouched", async () => {
    const bad = await publish("2.0.0", "registry.example/hello-web:2.0.0-bad");
    for (const c of sim.clusters) await sim.admin.crashLoop(c.name, { image: "*:2.0.0-bad" });
    const created = await platform.rollouts.create({ versionId: bad.id, waves: { canary: { count: 5 }, percents: [50, 100] }, soakSeconds: 0, maxParallel: 10, failureThreshold: { count: 1 } });
    firstRollout = created.id;
    expect(created.targetCount).toBe(COUNT);
    expect(created.waves).toEqual([5, 45, 50]);
    await waitFor("the rollout to pause", async () => (await rolloutStatus(created.id)) === "paused");
    // The canaries' upgrades end (failed and undone) while the rollout waits.
    await waitFor("canaries to settle", async () => noActiveRunsExcept(created.id));
    const detail = await platform.rollouts.get({ rolloutId: created.id });
    expect(detail.rollout.pauseReason).toMatch(/failed \(threshold 1\)/);
    const byWave = (w: number) => detail.targets.filter((t) => t.wave === w);
    expect(byWave(1).every((t) => t.status === "failed")).toBe(true);
    expect(byWave(1)[0]!.detail).toMatch(/does not start: pod .*(CrashLoopBackOff|restarted)/);
    expect([...byWave(2), ...byWave(3)].every((t) => t.status === "pending" && t.run_id === null)).toBe(true);
    // Nothing runs 2.0.0: the canaries went back to 1.0.0, the rest never left it.
    const versions = await expectConsistent();
    expect([...versions.values()].every((v) => v !== "2.0.0")).toBe(true);
    const runs = await db().select({ status: workflowRuns.status }).from(workflowRuns).where(inArray(workflowRuns.id, byWave(1).map((t) => t.run_id!)));
    expect(runs.every((r) => r.status === "cancelled")).toBe(true);
    await expectTRPCError(platform.rollouts.create({ versionId: bad.id }), "CONFLICT", /already under way|Another rollout/);
  }, 120_000);

  it("completes when resumed with a fixed version", async () => {
    const fixed = await publish("2.0.1", "registry.example/hello-web:2.0.1");
    await platform.rollouts.resume({ rolloutId: firstRollout, versionId: fixed.id });
    await waitFor("the rollout to complete", async () => (await rolloutStatus(firstRollout)) === "completed", 120_000);
    const detail = await platform.rollouts.get({ rolloutId: firstRollout });
    expect(detail.targets.every((t) => t.status === "done")).toBe(true);
    expect(detail.runs.map((r) => r.status)).toEqual(["succeeded"]);
    await waitFor("runs to end", noActiveRuns);
    const versions = await expectConsistent();
    expect(new Set(versions.values())).toEqual(new Set(["2.0.1"]));
  }, 150_000);

  let aborted = "";
  it("aborts mid-wave with no instance half-upgraded", async () => {
    const next = await publish("2.1.0", "registry.example/hello-web:2.1.0");
    // Slow pod starts keep upgrades in flight long enough to abort among them.
    const slow = await Promise.all(sim.clusters.map((c) => sim.admin.addFault(c.name, { type: "slowStart", delayMs: 1_500 })));
    const created = await platform.rollouts.create({ versionId: next.id, waves: { canary: { count: 10 }, percents: [100] }, soakSeconds: 0, maxParallel: 20 });
    aborted = created.id;
    await waitFor("some upgrades done and some in flight", async () => {
      const d = await platform.rollouts.get({ rolloutId: created.id });
      return (d.counts.done ?? 0) >= 5 && (d.counts.in_progress ?? 0) >= 5;
    });
    await platform.rollouts.abort({ rolloutId: created.id });
    await waitFor("runs to end", noActiveRuns, 90_000);
    await Promise.all(sim.clusters.map((c, i) => sim.admin.clearFault(c.name, slow[i]!.id)));
    const detail = await platform.rollouts.get({ rolloutId: created.id });
    expect(detail.rollout.status).toBe("aborted");
    const statuses = new Set(detail.targets.map((t) => t.status));
    expect([...statuses].every((s) => s === "done" || s === "skipped")).toBe(true);
    const versions = await expectConsistent();
    for (const t of detail.targets) expect(versions.get(t.instance_id)).toBe(t.status === "done" ? "2.1.0" : "2.0.1");
    expect(detail.targets.filter((t) => t.status === "done").length).toBeGreaterThanOrEqual(5);
  }, 150_000);

  it("rolls back the upgraded instances to the version they ran before", async () => {
    await platform.rollouts.rollback({ rolloutId: aborted });
    await waitFor("the rollback to finish", async () => (await rolloutStatus(aborted)) === "rolled_back", 90_000);
    await waitFor("runs to end", noActiveRuns);
    const versions = await expectConsistent();
    expect(new Set(versions.values())).toEqual(new Set(["2.0.1"]));
    const targets = await db().select({ status: rolloutTargets.status }).from(rolloutTargets).where(eq(rolloutTargets.rolloutId, aborted));
    expect(targets.every((t) => t.status === "rolled_back" || t.status === "skipped")).toBe(true);
    await expectTRPCError(platform.rollouts.rollback({ rolloutId: aborted }), "PRECONDITION_FAILED", /already rolled back/);
  }, 120_000);
});

/** No instance run is active (the rollout's own run may be, paused). */
async function noActiveRunsExcept(rolloutId: string): Promise<boolean> {
  const active = await db().select({ subject: workflowRuns.subjectId, status: workflowRuns.status }).from(workflowRuns).where(inArray(workflowRuns.status, ["queued", "running", "paused", "cancelling"]));
  return active.every((r) => r.subject === rolloutId);
}
