// Scale to zero in the domain: sleep and wake workflows against kubesim, one wake run however many ask, idle
// detection, and gateway request counts drained from Redis into usage exactly once.
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db/client";
import { billingAccounts, instances, usageRollups, workflowRuns } from "@/db/schema";
import { publishInstanceChange } from "@/server/instances/instance-events";
import { getRedis } from "@/server/redis/client";
import { findIdleInstances, sleepIdleInstances } from "@/server/scaling/idle-detection";
import { ACTIVITY_HASH, drainRequestUsage, REQUESTS_HASH } from "@/server/scaling/request-usage-drain";
import { requestWake } from "@/server/scaling/sleep-wake";
import { startGateway, type Gateway } from "@/server/gateway/gateway";
import { call } from "../gateway/helpers";
import type { Kubesim } from "@/kubesim/index";
import { clientsFor, FAST_TIMERS } from "../kubesim/helpers";
import { expectTRPCError, type Caller } from "../../helpers/callers";
import { startFleetTestbed, type FleetTestbed } from "../../helpers/fleet-testbed";

let bed: FleetTestbed;
let sim: Kubesim;
let owner: Caller;
let orgId = "";
let planIds: Record<string, string> = {};

beforeAll(async () => {
  bed = await startFleetTestbed({ kubesim: { clusters: [{ name: "zz-eu", region: "eu-west-1", nodeCount: 2, nodeShape: { cpu: "8", memory: "32Gi", pods: 110 } }], podStartDelayMs: 20, timers: FAST_TIMERS }, customer: "Sleepy Co", subscribed: false });
  ({ sim, owner, orgId, planIds } = bed);
}, 60_000);

afterAll(async () => {
  await bed?.stop();
});

const settle = (instanceId: string, state: string) => bed.settle(instanceId, state);

const podsOf = async (namespace: string) => (await clientsFor(sim).core.listNamespacedPod({ namespace })).items;

describe("sleep and wake", () => {
  let id = "";
  let namespace = "";

  it("puts an idle scale-to-zero instance to sleep, keeping its data, and not a pinned one", async () => {
    const created = await owner.instances.create({ orgId, planId: planIds["hello-web/free"]!, name: "napper" });
    id = created.id;
    namespace = created.namespace;
    await settle(id, "running");
    const db = getDb();
    expect(await findIdleInstances(db, new Date())).toEqual([]);
    await owner.instances.setScaling({ orgId, instanceId: id, pinnedAwake: true });
    expect(await findIdleInstances(db, new Date(Date.now() + 3_600_000))).toEqual([]);
    await owner.instances.setScaling({ orgId, instanceId: id, pinnedAwake: false, idleTimeoutSeconds: 120 });
    await expectTRPCError(owner.instances.setScaling({ orgId, instanceId: id, idleTimeoutSeconds: 10 }), "BAD_REQUEST", /at least 60/);
    expect(await sleepIdleInstances(db, new Date(Date.now() + 60_000))).toBe(0);
    expect(await sleepIdleInstances(db, new Date(Date.now() + 130_000))).toBe(1);
    const slept = await settle(id, "sleeping");
    expect(slept.observedReplicas).toBe(0);
    expect(await podsOf(namespace)).toHaveLength(0);
    const ns = await clientsFor(sim).core.readNamespace({ name: namespace });
    expect(ns.metadata?.name).toBe(namespace);
  });

  it("wakes with exactly one run however many ask at once", async () => {
    const db = getDb();
    const answers = await Promise.all(Array.from({ length: 50 }, () => requestWake(db, id)));
    expect(answers.filter((a) => a.started)).toHaveLength(1);
    expect(new Set(answers.map((a) => a.runId)).size).toBe(1);
    const woke = await settle(id, "running");
    expect(woke.endpointPort).toBeGreaterThan(0);
    expect((await fetch(`http://${woke.endpointHost}:${woke.endpointPort}/`)).status).toBe(200);
    const wakes = await db.select().from(workflowRuns).where(and(eq(workflowRuns.subjectId, id), eq(workflowRuns.type, "instance-wake")));
    expect(wakes).toHaveLength(1);
    expect(await requestWake(db, id)).toEqual({ runId: null, started: false });
  });

  it("lets people sleep and wake from the portal, and refuses plans that do not scale to zero", async () => {
    await owner.instances.sleep({ orgId, instanceId: id });
    await settle(id, "sleeping");
    await expectTRPCError(owner.instances.sleep({ orgId, instanceId: id }), "PRECONDITION_FAILED", /Only a running instance/);
    await owner.instances.wake({ orgId, instanceId: id });
    await settle(id, "running");
    await expectTRPCError(owner.instances.wake({ orgId, instanceId: id }), "PRECONDITION_FAILED", /not sleeping/);
  });

  it("drains gateway request counts into usage once, and records the last activity", async () => {
    const db = getDb();
    const redis = getRedis();
    const hour = Math.floor(Date.now() / 3_600_000) * 3600;
    const at = Date.now();
    await redis.hincrby(REQUESTS_HASH(), `${id}:${hour}`, 7);
    await redis.hset(ACTIVITY_HASH(), id, String(at));
    // A flush left behind by a drain that died after reading it: processed once, by name.
    await redis.hset(`${REQUESTS_HASH()}:flush:left-behind`, `${id}:${hour}`, "5");
    expect((await drainRequestUsage(db)).events).toBe(2);
    expect((await drainRequestUsage(db)).events).toBe(0);
    const [rollup] = await db.select().from(usageRollups).where(and(eq(usageRollups.instanceId, id), eq(usageRollups.meter, "requests")));
    expect(rollup?.quantityMicro).toBe(12_000_000n);
    const [row] = await db.select({ lastActivityAt: instances.lastActivityAt }).from(instances).where(eq(instances.id, id));
    expect(row?.lastActivityAt?.getTime()).toBe(at);
  });
});

describe("through the gateway", () => {
  let gateway: Gateway;
  let id = "";
  let namespace = "";

  beforeAll(async () => {
    gateway = await startGateway({ port: 0, domain: "gw.test" });
    const created = await owner.instances.create({ orgId, planId: planIds["hello-web/free"]!, name: "sleeper" });
    id = created.id;
    namespace = created.namespace;
    await settle(id, "running");
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it("wakes a sleeping instance on the first requests: one wake run, every request answered 200 in order", async () => {
    const first = await call(gateway.port, `/i/${namespace}/`);
    expect(first.status, first.body).toBe(200);
    await owner.instances.sleep({ orgId, instanceId: id });
    await settle(id, "sleeping");
    await new Promise((r) => setTimeout(r, 300));
    const replies = await Promise.all(Array.from({ length: 500 }, (_, n) => call(gateway.port, `/i/${namespace}/n${n}`)));
    expect(replies.map((r) => r.status)).toEqual(replies.map(() => 200));
    // Requests that arrive once it is awake again go straight through; the held ones say they waited for a wake.
    const cold = replies.filter((r) => r.headers["x-fleetplane-cold-start"] === "1");
    expect(cold.length).toBeGreaterThan(0);
    expect(cold.every((r) => Number(r.headers["x-fleetplane-wake-ms"]) >= 0)).toBe(true);
    const db = getDb();
    const wakes = await db.select().from(workflowRuns).where(and(eq(workflowRuns.subjectId, id), eq(workflowRuns.type, "instance-wake")));
    expect(wakes).toHaveLength(1);
    expect((await call(gateway.port, "/", { host: `${namespace}.gw.test` })).headers["x-fleetplane-cold-start"]).toBeUndefined();
  });

  it("does not wake an instance of a suspended organization: 402, and no wake run", async () => {
    const db = getDb();
    await owner.instances.sleep({ orgId, instanceId: id });
    await settle(id, "sleeping");
    await db.insert(billingAccounts).values({ orgId, status: "suspended" }).onConflictDoUpdate({ target: billingAccounts.orgId, set: { status: "suspended" } });
    await publishInstanceChange(id);
    await new Promise((r) => setTimeout(r, 300));
    const before = await db.select().from(workflowRuns).where(and(eq(workflowRuns.subjectId, id), eq(workflowRuns.type, "instance-wake")));
    const reply = await call(gateway.port, `/i/${namespace}/`);
    expect(reply.status).toBe(402);
    expect(await requestWake(db, id)).toEqual({ runId: null, started: false });
    const after = await db.select().from(workflowRuns).where(and(eq(workflowRuns.subjectId, id), eq(workflowRuns.type, "instance-wake")));
    expect(after).toHaveLength(before.length);
    expect((await owner.instances.get({ orgId, instanceId: id })).observedState).toBe("sleeping");
  });
});
