// Requests for a sleeping instance: held (bounded, with a timeout), one wake asked for, forwarded in arrival
// order with cold-start headers once the route update says it runs; a gateway stopped mid-hold answers 503.
// The upstream is a local server recording arrivals; route changes are made on the row and published.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db/client";
import { seedDemo } from "@/db/seed";
import { startGateway, type Gateway, type GatewayOptions } from "@/server/gateway/gateway";
import { signUpWithOrg } from "../../helpers/callers";
import { waitFor } from "../kubesim/helpers";
import { call, insertInstance, json, updateInstance, type Reply } from "./helpers";
import { openWebSocket } from "./ws-client";

let upstream: http.Server;
let upstreamPort = 0;
const arrivals: string[] = [];
let orgId = "";
const gateways: Gateway[] = [];
const wakes: string[] = [];
const barrier = 5;

beforeAll(async () => {
  await seedDemo(getDb());
  orgId = (await signUpWithOrg("Sleepy")).orgId;
  // Requests for /r<n> are answered together once `barrier` of them arrived, so the arrival order is not
  // shuffled by a kept-alive connection freed early and reused by a later request.
  const parked: (() => void)[] = [];
  upstream = http.createServer((req, res) => {
    arrivals.push(req.url!);
    req.resume();
    req.on("end", () => {
      const answer = () => {
        res.writeHead(200, { "content-type": "text/plain" });
        res.end(`ok ${req.url}`);
      };
      if (!req.url!.startsWith("/r")) return answer();
      parked.push(answer);
      if (parked.length >= barrier) for (const a of parked.splice(0)) a();
    });
  });
  upstream.on("upgrade", (_req, socket) => socket.end("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"));
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  upstreamPort = (upstream.address() as AddressInfo).port;
}, 60_000);

afterEach(async () => {
  await Promise.all(gateways.splice(0).map((g) => g.stop()));
});

afterAll(async () => {
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
});

async function gateway(opts: Partial<GatewayOptions> = {}): Promise<Gateway> {
  const g = await startGateway({
    port: 0,
    host: "127.0.0.1",
    domain: "gw.test",
    source: { requestWake: async (_db, instanceId) => (wakes.push(instanceId), { runId: "run-1", started: wakes.length === 1 }) },
    ...opts,
  });
  gateways.push(g);
  return g;
}

async function sleepingInstance(name: string, g: Gateway): Promise<{ id: string; namespace: string }> {
  const inst = await insertInstance(orgId, name, { host: "127.0.0.1", port: upstreamPort });
  await updateInstance(inst.id, { observedState: "sleeping", observedReplicas: 0 });
  await waitFor("route sleeping", () => g.routes.get(inst.id)?.observedState === "sleeping");
  return inst;
}

describe("holding requests while an instance wakes", () => {
  it("holds, asks for one wake, and forwards in arrival order with cold-start headers when the route says running", async () => {
    const g = await gateway();
    const inst = await sleepingInstance("wake-me", g);
    wakes.length = 0;
    const replies: Promise<Reply>[] = [];
    for (let i = 0; i < 5; i++) {
      replies.push(call(g.port, `/i/${inst.namespace}/r${i}`, i === 2 ? { method: "POST", body: "payload-2" } : {}));
      await waitFor(`request ${i} held`, () => g.stats.held === i + 1);
    }
    expect(wakes).toEqual([inst.id]);
    arrivals.length = 0;
    // The wake workflow goes through "updating" (still held) to running with an endpoint: then all are released.
    await updateInstance(inst.id, { observedState: "updating" });
    await waitFor("route updating", () => g.routes.get(inst.id)?.observedState === "updating");
    expect(g.stats.held).toBe(5);
    await updateInstance(inst.id, { observedState: "running", observedReplicas: 2 });
    const done = await Promise.all(replies);
    expect(done.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(done.map((r) => r.body)).toEqual(["ok /r0", "ok /r1", "ok /r2", "ok /r3", "ok /r4"]);
    expect(arrivals).toEqual(["/r0", "/r1", "/r2", "/r3", "/r4"]);
    for (const r of done) {
      expect(r.headers["x-fleetplane-cold-start"]).toBe("1");
      expect(Number(r.headers["x-fleetplane-wake-ms"])).toBeGreaterThanOrEqual(0);
    }
    expect(wakes).toEqual([inst.id]);
    expect(g.stats.held).toBe(0);
    // Warm again: no cold-start header.
    const warm = await call(g.port, `/i/${inst.namespace}/warm`);
    expect(warm.status).toBe(200);
    expect(warm.headers["x-fleetplane-cold-start"]).toBeUndefined();
  });

  it("answers 503 with Retry-After beyond the hold limit", async () => {
    const g = await gateway({ holdMaxRequests: 2 });
    const inst = await sleepingInstance("limit", g);
    const held = [call(g.port, `/i/${inst.namespace}/a`), call(g.port, `/i/${inst.namespace}/b`)];
    await waitFor("two held", () => g.stats.held === 2);
    const over = await call(g.port, `/i/${inst.namespace}/c`);
    expect(over.status).toBe(503);
    expect(Number(over.headers["retry-after"])).toBeGreaterThan(0);
    expect(json(over).error).toMatch(/too many/);
    expect(g.stats.held).toBe(2);
    await updateInstance(inst.id, { observedState: "running" });
    expect((await Promise.all(held)).map((r) => r.status)).toEqual([200, 200]);
  });

  it("answers 503 with Retry-After when the wake takes longer than the hold timeout", async () => {
    const g = await gateway({ holdTimeoutMs: 300 });
    const inst = await sleepingInstance("slow", g);
    const r = await call(g.port, `/i/${inst.namespace}/late`);
    expect(r.status).toBe(503);
    expect(r.headers["retry-after"]).toBe("1");
    expect(json(r).error).toMatch(/did not wake in time/);
    expect(g.stats.held).toBe(0);
    expect(g.stats.holdTimeouts).toBe(1);
  });

  it("answers held requests with a clean 503 when the gateway stops during a hold", async () => {
    const g = await gateway();
    const inst = await sleepingInstance("restart", g);
    const replies = [call(g.port, `/i/${inst.namespace}/1`), call(g.port, `/i/${inst.namespace}/2`, { method: "POST", body: "x" })];
    const ws = openWebSocket(`http://127.0.0.1:${g.port}/i/${inst.namespace}/ws`).catch((e: Error) => e);
    await waitFor("three held", () => g.stats.held === 3);
    await g.stop();
    const done = await Promise.all(replies);
    expect(done.map((r) => r.status)).toEqual([503, 503]);
    for (const r of done) {
      expect(json(r).error).toBe("gateway restarting");
      expect(r.headers["retry-after"]).toBe("1");
    }
    expect(String(await ws)).toMatch(/503/);
  });

  it("holds a WebSocket upgrade and connects it after the wake", async () => {
    const g = await gateway();
    const inst = await sleepingInstance("ws-wake", g);
    const ws = openWebSocket(`http://127.0.0.1:${g.port}/`, { host: `${inst.namespace}.gw.test` });
    await waitFor("upgrade held", () => g.stats.held === 1);
    await updateInstance(inst.id, { observedState: "running" });
    const opened = await ws.catch((e: Error) => e);
    // The local upstream answers the handshake without Sec-WebSocket-Accept: the client refuses it, but the
    // 101 came through the gateway with the cold-start headers.
    expect(opened).toBeInstanceOf(Error);
    expect((opened as Error).message).toMatch(/Sec-WebSocket-Accept/);
    expect(g.stats.coldStarts).toBe(1);
  });

  it("answers the held requests when the instance fails instead of waking", async () => {
    const g = await gateway();
    const inst = await sleepingInstance("fails", g);
    const held = call(g.port, `/i/${inst.namespace}/x`);
    await waitFor("held", () => g.stats.held === 1);
    await updateInstance(inst.id, { observedState: "failed", statusMessage: "image pull failed" });
    const r = await held;
    expect(r.status).toBe(503);
    expect(json(r)).toEqual({ error: "instance failed", reason: "image pull failed" });
  });
});
