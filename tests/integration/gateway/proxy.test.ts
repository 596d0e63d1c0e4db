// The gateway in front of a real provisioned instance (API → workflow workers → kubesim): proxying with bodies,
// Host and path routing, streaming and WebSockets passing through, answers for instances that cannot serve,
// route updates through pub/sub, and request metering in Redis.
import type { Worker } from "bullmq";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db/client";
import { instances, plans, services, users } from "@/db/schema";
import { seedDemo } from "@/db/seed";
import { startKubesim, type Kubesim } from "@/kubesim/index";
import { startGateway, type Gateway } from "@/server/gateway/gateway";
import { readRequestRate } from "@/server/gateway/request-rate";
import { closeQueues } from "@/server/jobs/queues";
import { invalidatePlacementView } from "@/server/placement/reserve-placement";
import { getRedis, redisKey } from "@/server/redis/client";
import { workflowStepsProcessor } from "@/workers/processors/workflows";
import { startWorkers } from "@/workers/start-workers";
import { markSubscribed, signUpWithOrg, userCaller } from "../../helpers/callers";
import { FAST_TIMERS, waitFor } from "../kubesim/helpers";
import { call, json, setOrgStatus, updateInstance } from "./helpers";
import { openWebSocket } from "./ws-client";

const DOMAIN = "gw.test";
let sim: Kubesim;
let workers: Worker[] = [];
let gw: Gateway;
let orgId = "";
let id = "";
let ns = "";

beforeAll(async () => {
  sim = await startKubesim({ clusters: [{ name: "gw-eu", region: "eu-west-1", nodeCount: 2, nodeShape: { cpu: "8", memory: "32Gi", pods: 110 } }], podStartDelayMs: 20, timers: FAST_TIMERS });
  const db = getDb();
  await seedDemo(db);
  const admin = await signUpWithOrg("Platform");
  await db.update(users).set({ platformRole: "platform_admin" }).where(eq(users.id, admin.owner.userId));
  const platform = await userCaller(admin.owner.userId);
  for (const c of sim.clusters) await platform.clusters.register({ name: c.name, region: c.region, kubeconfig: c.kubeconfigYaml });
  invalidatePlacementView();
  const customer = await signUpWithOrg("Customer");
  orgId = customer.orgId;
  await markSubscribed(orgId);
  workers = await startWorkers([workflowStepsProcessor], { schedules: false });
  const [plan] = await db.select({ id: plans.id }).from(plans).innerJoin(services, eq(services.id, plans.serviceId)).where(eq(plans.slug, "standard"));
  const created = await customer.owner.caller.instances.create({ orgId, planId: plan!.id, name: "shop", region: "eu-west-1" });
  id = created.id;
  const row = await waitFor("instance running", async () => {
    const [r] = await db.select().from(instances).where(eq(instances.id, id));
    if (r?.observedState === "failed") throw new Error(`failed: ${r.statusMessage}`);
    return r?.observedState === "running" && r.endpointPort ? r : null;
  }, 30_000);
  ns = row.namespace;
  gw = await startGateway({ port: 0, host: "127.0.0.1", domain: DOMAIN });
}, 60_000);

afterAll(async () => {
  await gw?.stop();
  await Promise.all(workers.map((w) => w.close()));
  await closeQueues();
  await sim?.stop();
});

describe("gateway proxying", () => {
  it("proxies GET and POST with bodies by path, stripping the prefix and setting X-Forwarded-*", async () => {
    const get = await call(gw.port, `/i/${ns}/hello/world?x=1`, { host: "localhost:9999", headers: { "x-custom": "yes" } });
    expect(get.status).toBe(200);
    const echo = json(get) as { path: string; method: string; namespace: string; headers: Record<string, string> };
    expect(echo.path).toBe("/hello/world?x=1");
    expect(echo.method).toBe("GET");
    expect(echo.namespace).toBe(ns);
    expect(echo.headers["x-custom"]).toBe("yes");
    expect(echo.headers["x-forwarded-for"]).toBe("127.0.0.1");
    expect(echo.headers["x-forwarded-host"]).toBe("localhost:9999");
    expect(echo.headers["x-forwarded-proto"]).toBe("http");
    expect(echo.headers["x-forwarded-prefix"]).toBe(`/i/${ns}`);
    expect(get.headers["x-kubesim-pod"]).toBeTruthy();

    const body = JSON.stringify({ order: 42, items: "x".repeat(100_000) });
    const post = await call(gw.port, `/i/${ns}`, { method: "POST", body, headers: { "content-type": "application/json" } });
    expect(post.status).toBe(200);
    const posted = json(post) as { path: string; method: string; body: string };
    expect(posted.method).toBe("POST");
    expect(posted.path).toBe("/");
    expect(posted.body).toBe(body);
  });

  it("routes by Host (namespace or id) and by id in the path", async () => {
    const byHost = await call(gw.port, "/a?b=c", { host: `${ns}.${DOMAIN}:8080` });
    expect(byHost.status).toBe(200);
    expect((json(byHost) as { path: string }).path).toBe("/a?b=c");
    const byIdHost = await call(gw.port, "/", { host: `${id}.${DOMAIN}` });
    expect((json(byIdHost) as { namespace: string }).namespace).toBe(ns);
    const byIdPath = await call(gw.port, `/i/${id}/p`);
    expect((json(byIdPath) as { path: string }).path).toBe("/p");
  });

  it("answers 404 JSON for unknown instances and unrouted requests", async () => {
    for (const r of [await call(gw.port, "/i/fp-00000000-nope/"), await call(gw.port, "/", { host: `nope.${DOMAIN}` }), await call(gw.port, "/elsewhere")]) {
      expect(r.status).toBe(404);
      expect(r.headers["content-type"]).toContain("application/json");
      expect(json(r).error).toBe("unknown instance");
    }
  });

  it("passes a streamed response through chunk by chunk", async () => {
    const r = await call(gw.port, `/i/${ns}/_stream?chunks=4&delayMs=150`);
    expect(r.status).toBe(200);
    expect(r.body).toBe("chunk 0\nchunk 1\nchunk 2\nchunk 3\n");
    expect(r.headers["transfer-encoding"]).toBe("chunked");
    // Buffered by a proxy, the body would arrive as one piece; streamed, each delayed chunk arrives on its own.
    expect(r.chunks[0]).toBe("chunk 0\n");
    expect(r.chunks.length).toBe(4);
  });

  it("passes WebSocket upgrades through (path and Host routing) and echoes messages", async () => {
    const ws = await openWebSocket(`http://127.0.0.1:${gw.port}/i/${ns}/socket`);
    expect(ws.headers["x-kubesim-pod"]).toBeTruthy();
    ws.send("hello");
    expect(await ws.next()).toBe("hello");
    ws.send("x".repeat(70_000));
    expect(await ws.next()).toBe("x".repeat(70_000));
    ws.close();
    const ws2 = await openWebSocket(`http://127.0.0.1:${gw.port}/`, { host: `${ns}.${DOMAIN}` });
    ws2.send("second");
    expect(await ws2.next()).toBe("second");
    ws2.close();
    await expect(openWebSocket(`http://127.0.0.1:${gw.port}/i/fp-00000000-nope/`)).rejects.toThrow(/404/);
  });

  it("follows route changes through pub/sub: 402 suspended, 503 failed with the reason, 503 stopped", async () => {
    const path = `/i/${ns}/`;
    await setOrgStatus(orgId, "suspended", id);
    const suspended = await waitFor("402", async () => {
      const r = await call(gw.port, path);
      return r.status === 402 ? r : null;
    });
    expect(json(suspended).error).toMatch(/suspended/);
    await setOrgStatus(orgId, "active", id);
    await waitFor("200 again", async () => (await call(gw.port, path)).status === 200);

    await updateInstance(id, { observedState: "failed", statusMessage: "CrashLoopBackOff: exit code 1" });
    const failed = await waitFor("503 failed", async () => {
      const r = await call(gw.port, path);
      return r.status === 503 ? r : null;
    });
    expect(json(failed)).toEqual({ error: "instance failed", reason: "CrashLoopBackOff: exit code 1" });

    await updateInstance(id, { observedState: "stopped", desiredState: "stopped", statusMessage: null });
    const stopped = await waitFor("503 stopped", async () => {
      const r = await call(gw.port, path);
      return r.status === 503 && json(r).error === "stopped" ? r : null;
    });
    expect(json(stopped).error).toBe("stopped");

    await updateInstance(id, { observedState: "running", desiredState: "running" });
    await waitFor("200 again", async () => (await call(gw.port, path)).status === 200);
  });

  it("counts requests into Redis: hourly usage, last activity and the requests/s buckets", async () => {
    await gw.flush();
    const redis = getRedis();
    const before = await redis.hgetall(redisKey("usage", "requests"));
    const sum = (h: Record<string, string>) => Object.entries(h).filter(([k]) => k.startsWith(`${id}:`)).reduce((n, [, v]) => n + Number(v), 0);
    const rateBefore = (await readRequestRate(id, 120)).reduce((n, b) => n + b.requests, 0);
    const started = Date.now();
    for (let i = 0; i < 7; i++) expect((await call(gw.port, `/i/${ns}/m${i}`)).status).toBe(200);
    await gw.flush();
    const after = await redis.hgetall(redisKey("usage", "requests"));
    expect(sum(after) - sum(before)).toBe(7);
    const hour = Math.floor(Date.now() / 3_600_000) * 3600;
    expect(Number(after[`${id}:${hour}`])).toBeGreaterThanOrEqual(7);
    expect(Number(await redis.hget(redisKey("usage", "activity"), id))).toBeGreaterThanOrEqual(started);
    const rate = await readRequestRate(id, 120);
    expect(rate).toHaveLength(720);
    expect(rate.reduce((n, b) => n + b.requests, 0) - rateBefore).toBe(7);
    expect(await redis.ttl(redisKey("gateway", "rate", id))).toBeGreaterThan(0);
    expect(gw.meter.totals.get(id)!.bytesOut).toBeGreaterThan(0);
  });
});
