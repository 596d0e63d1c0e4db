// Incident notifications against a real local HTTP endpoint: one signed delivery per notice and endpoint, retries
// after a failing answer, no duplicates, nothing for disabled endpoints or other organizations, emails to owners
// and admins in the outbox, and the signing secret encrypted at rest.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Worker } from "bullmq";
import { and, eq, inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db/client";
import { auditLog, incidents, orgWebhooks, outboxEmails, webhookDeliveries } from "@/db/schema";
import { resetEnvCache } from "@/server/env";
import { closeQueues } from "@/server/jobs/queues";
import { notifyIncident } from "@/server/notifications/incident-notifications";
import { configureWebhookDelivery, MAX_ATTEMPTS, sweepDueWebhookDeliveries } from "@/server/notifications/webhook-delivery";
import { verifyWebhookSignature } from "@/server/notifications/webhook-signature";
import { openWebhookSecret } from "@/server/notifications/webhooks";
import { notificationsProcessor } from "@/workers/processors/notifications";
import { startWorkers } from "@/workers/start-workers";
import { addMember, expectBadInput, expectTRPCError, signUpWithOrg, type Caller } from "../../helpers/callers";

type Received = { path: string; headers: IncomingHttpHeaders; body: string };

/** The customer's endpoint: records every request; answers each path with scripted statuses, then 200. */
class Endpoint {
  received: Received[] = [];
  private scripts = new Map<string, number[]>();
  private server: Server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (body += c));
    req.on("end", () => {
      const path = req.url ?? "/";
      this.received.push({ path, headers: req.headers, body });
      const script = this.scripts.get(path);
      const status = script?.shift() ?? 200;
      if (status >= 300 && status < 400) res.setHeader("location", this.redirects.get(path) ?? "/");
      res.statusCode = status;
      res.end(status < 300 ? "ok" : "nope");
    });
  });
  redirects = new Map<string, string>();
  base = "";

  async start() {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  stop() {
    return new Promise<void>((r) => this.server.close(() => r()));
  }
  answer(path: string, ...statuses: number[]) {
    this.scripts.set(path, statuses);
  }
  at(path: string) {
    return this.received.filter((r) => r.path === path);
  }
}

const endpoint = new Endpoint();
let workers: Worker[] = [];
let owner: Caller;
let orgId = "";
let ownerEmail = "";
let adminEmail = "";
let memberEmail = "";
let otherOwner: Caller;
let otherOrgId = "";

async function until<T>(check: () => Promise<T | null | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error("condition not reached");
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function makeIncident(org: string, title: string) {
  const [row] = await getDb().insert(incidents).values({ orgId: org, kind: "crash_loop", title, status: "open" }).returning();
  return row!;
}

const deliveriesOf = (webhookId: string) => getDb().select().from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, webhookId));

beforeAll(async () => {
  configureWebhookDelivery({ baseDelayMs: 50, maxDelayMs: 200, timeoutMs: 2_000 });
  await endpoint.start();
  const a = await signUpWithOrg("Hooked Co");
  owner = a.owner.caller;
  orgId = a.orgId;
  ownerEmail = a.owner.email;
  adminEmail = (await addMember(owner, orgId, "admin")).email;
  memberEmail = (await addMember(owner, orgId, "member")).email;
  const b = await signUpWithOrg("Other Co");
  otherOwner = b.owner.caller;
  otherOrgId = b.orgId;
  workers = await startWorkers([notificationsProcessor], { schedules: false });
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.close()));
  await closeQueues();
  await endpoint.stop();
});

describe("webhooks API", () => {
  it("shows the secret once and stores it encrypted, bound to the row", async () => {
    const hook = await owner.webhooks.create({ orgId, url: `${endpoint.base}/secret`, events: ["incident.opened"] });
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const listed = await owner.webhooks.list({ orgId });
    expect(JSON.stringify(listed)).not.toContain(hook.secret);
    expect(listed.find((h) => h.id === hook.id)).toMatchObject({ url: `${endpoint.base}/secret`, events: ["incident.opened"], enabled: true });
    const { rows } = await getDb().execute(sql`select * from org_webhooks where id = ${hook.id}`);
    expect(JSON.stringify(rows)).not.toContain(hook.secret);
    expect(JSON.stringify(rows)).not.toContain(hook.secret.slice(6));
    const [row] = await getDb().select().from(orgWebhooks).where(eq(orgWebhooks.id, hook.id));
    expect(row!.secretEncrypted.startsWith("v1.")).toBe(true);
    expect(openWebhookSecret(row!)).toBe(hook.secret);
    // A box copied onto another row does not open there.
    expect(() => openWebhookSecret({ id: crypto.randomUUID(), secretEncrypted: row!.secretEncrypted })).toThrow();
    await owner.webhooks.delete({ orgId, webhookId: hook.id });
  });

  it("refuses URLs that are not http(s), and plain http outside development and test", async () => {
    await expectBadInput(owner.webhooks.create({ orgId, url: "ftp://example.com/hook", events: ["incident.opened"] }), "url");
    await expectBadInput(owner.webhooks.create({ orgId, url: "not a url", events: ["incident.opened"] }), "url");
    await expectBadInput(owner.webhooks.create({ orgId, url: "https://example.com/hook", events: [] }), "events");
    const before = process.env.NODE_ENV;
    try {
      Object.assign(process.env, { NODE_ENV: "production" });
      resetEnvCache();
      const err = await expectBadInput(owner.webhooks.create({ orgId, url: "http://example.com/hook", events: ["incident.opened"] }), "url");
      expect(JSON.stringify(err.cause ?? err.message)).toMatch(/https/);
    } finally {
      Object.assign(process.env, { NODE_ENV: before });
      resetEnvCache();
    }
  });

  it("answers NOT_FOUND for another organization's webhook and FORBIDDEN for members", async () => {
    const hook = await owner.webhooks.create({ orgId, url: `${endpoint.base}/private`, events: ["incident.opened"] });
    await expectTRPCError(otherOwner.webhooks.delete({ orgId: otherOrgId, webhookId: hook.id }), "NOT_FOUND");
    await expectTRPCError(otherOwner.webhooks.deliveries({ orgId: otherOrgId, webhookId: hook.id }), "NOT_FOUND");
    const member = await addMember(owner, orgId, "member");
    await expectTRPCError(member.caller.webhooks.list({ orgId }), "FORBIDDEN");
    await owner.webhooks.delete({ orgId, webhookId: hook.id });
  });

  it("audits every change", async () => {
    const hook = await owner.webhooks.create({ orgId, url: `${endpoint.base}/audited`, events: ["incident.opened"] });
    await owner.webhooks.update({ orgId, webhookId: hook.id, enabled: false });
    await owner.webhooks.sendTest({ orgId, webhookId: hook.id });
    await owner.webhooks.delete({ orgId, webhookId: hook.id });
    const rows = await getDb().select().from(auditLog).where(and(eq(auditLog.targetId, hook.id), eq(auditLog.targetType, "webhook")));
    expect(rows.map((r) => r.action).sort()).toEqual(["webhooks.create", "webhooks.delete", "webhooks.test", "webhooks.update"]);
    expect(JSON.stringify(rows)).not.toContain(hook.secret);
  });
});

describe("incident notifications", () => {
  it("delivers one signed event per notice, emails owners and admins, and ignores a repeated notice", async () => {
    const hook = await owner.webhooks.create({ orgId, url: `${endpoint.base}/main`, events: ["incident.opened", "incident.resolved"] });
    const off = await owner.webhooks.create({ orgId, url: `${endpoint.base}/disabled`, events: ["incident.opened"] });
    await owner.webhooks.update({ orgId, webhookId: off.id, enabled: false });
    const incident = await makeIncident(orgId, "web is crash-looping");

    await notifyIncident(getDb(), incident, "opened", "back-off restarting failed container");
    await notifyIncident(getDb(), incident, "opened", "back-off restarting failed container");

    const [delivered] = await until(async () => {
      const rows = await deliveriesOf(hook.id);
      return rows.every((r) => r.status === "delivered") && rows.length > 0 && rows;
    });
    expect(await deliveriesOf(hook.id)).toHaveLength(1);
    expect(delivered).toMatchObject({ eventId: `${incident.id}:opened`, eventType: "incident.opened", attempts: 1, responseStatus: 200 });
    await new Promise((r) => setTimeout(r, 300));
    const got = endpoint.at("/main");
    expect(got).toHaveLength(1);
    const req = got[0]!;
    expect(req.headers["content-type"]).toBe("application/json");
    expect(req.headers["fleetplane-event-id"]).toBe(`${incident.id}:opened`);
    expect(verifyWebhookSignature(hook.secret, req.body, req.headers["fleetplane-signature"] as string)).toBe(true);
    expect(verifyWebhookSignature("whsec_wrong", req.body, req.headers["fleetplane-signature"] as string)).toBe(false);
    expect(verifyWebhookSignature(hook.secret, req.body.replace("crash", "crush"), req.headers["fleetplane-signature"] as string)).toBe(false);
    const body = JSON.parse(req.body);
    expect(body).toMatchObject({ id: `${incident.id}:opened`, type: "incident.opened", data: { incident: { id: incident.id, orgId, title: "web is crash-looping", status: "open" }, message: "back-off restarting failed container" } });
    expect(typeof body.created).toBe("number");

    // The disabled endpoint got nothing.
    expect(await deliveriesOf(off.id)).toHaveLength(0);
    expect(endpoint.at("/disabled")).toHaveLength(0);

    // Email to owners and admins only, once.
    const mails = await getDb().select().from(outboxEmails).where(inArray(outboxEmails.to, [ownerEmail, adminEmail, memberEmail]));
    const forIncident = mails.filter((m) => m.subject.includes("web is crash-looping"));
    expect(forIncident.map((m) => m.to).sort()).toEqual([ownerEmail, adminEmail].sort());
    expect(forIncident[0]!.subject).toBe("[Fleetplane] Incident opened: web is crash-looping");
    expect(forIncident[0]!.text).toContain("back-off restarting failed container");
    expect(forIncident[0]!.text).toContain("Status: open");
    expect(forIncident[0]!.text).toMatch(new RegExp(`/o/hooked-co[^/]*/incidents/${incident.id}`));

    // Escalated is not subscribed: no delivery; resolved is.
    await notifyIncident(getDb(), incident, "escalated", "needs a person");
    await getDb().update(incidents).set({ status: "resolved", outcome: "recovered", resolvedAt: new Date(), ttrMs: 1234 }).where(eq(incidents.id, incident.id));
    await notifyIncident(getDb(), incident, "resolved", "healthy again");
    await until(async () => endpoint.at("/main").length === 2);
    const resolved = JSON.parse(endpoint.at("/main")[1]!.body);
    expect(resolved).toMatchObject({ type: "incident.resolved", data: { incident: { status: "resolved", outcome: "recovered", ttrMs: 1234 } } });
    expect((await deliveriesOf(hook.id)).map((d) => d.eventType).sort()).toEqual(["incident.opened", "incident.resolved"]);

    const listed = await owner.webhooks.deliveries({ orgId, webhookId: hook.id });
    expect(listed.map((d) => d.status)).toEqual(["delivered", "delivered"]);
    const [hookRow] = await owner.webhooks.list({ orgId }).then((l) => l.filter((h) => h.id === hook.id));
    expect(hookRow).toMatchObject({ lastStatus: "200" });
    expect(hookRow!.lastDeliveryAt).toBeInstanceOf(Date);
    await owner.webhooks.delete({ orgId, webhookId: hook.id });
    await owner.webhooks.delete({ orgId, webhookId: off.id });
  });

  it("retries a 500 answer and then delivers", async () => {
    const hook = await owner.webhooks.create({ orgId, url: `${endpoint.base}/flaky`, events: ["incident.opened"] });
    endpoint.answer("/flaky", 500, 503);
    const incident = await makeIncident(orgId, "flaky endpoint");
    await notifyIncident(getDb(), incident, "opened", "down");
    const row = await until(async () => (await deliveriesOf(hook.id)).find((d) => d.status === "delivered"));
    expect(row.attempts).toBe(3);
    const got = endpoint.at("/flaky");
    expect(got).toHaveLength(3);
    // Every attempt carries the same event id and a valid signature of its own.
    for (const r of got) {
      expect(r.headers["fleetplane-event-id"]).toBe(`${incident.id}:opened`);
      expect(verifyWebhookSignature(hook.secret, r.body, r.headers["fleetplane-signature"] as string)).toBe(true);
    }
    await owner.webhooks.delete({ orgId, webhookId: hook.id });
  });

  it(`gives up after ${MAX_ATTEMPTS} failed attempts`, async () => {
    const hook = await owner.webhooks.create({ orgId, url: `${endpoint.base}/broken`, events: ["incident.opened"] });
    endpoint.answer("/broken", ...Array.from({ length: 20 }, () => 500));
    await notifyIncident(getDb(), await makeIncident(orgId, "broken endpoint"), "opened", "down");
    const row = await until(async () => (await deliveriesOf(hook.id)).find((d) => d.status === "failed"), 20_000);
    expect(row).toMatchObject({ attempts: MAX_ATTEMPTS, responseStatus: 500, lastError: "HTTP 500" });
    expect(endpoint.at("/broken")).toHaveLength(MAX_ATTEMPTS);
    await owner.webhooks.delete({ orgId, webhookId: hook.id });
  });

  it("does not follow a redirect to another host, but follows one on the same origin", async () => {
    const hook = await owner.webhooks.create({ orgId, url: `${endpoint.base}/moved`, events: ["incident.opened"] });
    endpoint.answer("/moved", 307);
    endpoint.redirects.set("/moved", "http://localhost:1/elsewhere");
    await owner.webhooks.sendTest({ orgId, webhookId: hook.id });
    const row = await until(async () => (await deliveriesOf(hook.id)).find((d) => d.attempts >= 1));
    expect(row.status).toBe("pending");
    expect(row.lastError).toMatch(/redirect to another host/);
    expect(endpoint.received.some((r) => r.path === "/elsewhere")).toBe(false);
    await owner.webhooks.delete({ orgId, webhookId: hook.id });

    // A redirect on the same origin is followed, with the same signed POST.
    const hop = await owner.webhooks.create({ orgId, url: `${endpoint.base}/hop`, events: ["incident.opened"] });
    endpoint.answer("/hop", 308);
    endpoint.redirects.set("/hop", "/landed");
    await owner.webhooks.sendTest({ orgId, webhookId: hop.id });
    await until(async () => (await deliveriesOf(hop.id)).find((d) => d.status === "delivered"));
    const landed = endpoint.at("/landed")[0]!;
    expect(verifyWebhookSignature(hop.secret, landed.body, landed.headers["fleetplane-signature"] as string)).toBe(true);
    await owner.webhooks.delete({ orgId, webhookId: hop.id });
  });

  it("never sends one organization's incidents to another organization's webhooks", async () => {
    const mine = await owner.webhooks.create({ orgId, url: `${endpoint.base}/org-a`, events: ["incident.opened"] });
    const theirs = await otherOwner.webhooks.create({ orgId: otherOrgId, url: `${endpoint.base}/org-b`, events: ["incident.opened"] });
    const incident = await makeIncident(otherOrgId, "their incident");
    await notifyIncident(getDb(), incident, "opened", "theirs");
    await until(async () => endpoint.at("/org-b").length === 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(endpoint.at("/org-a")).toHaveLength(0);
    expect(await deliveriesOf(mine.id)).toHaveLength(0);
    const mails = await getDb().select().from(outboxEmails).where(inArray(outboxEmails.to, [ownerEmail, adminEmail]));
    expect(mails.filter((m) => m.subject.includes("their incident"))).toHaveLength(0);
    await owner.webhooks.delete({ orgId, webhookId: mine.id });
    await otherOwner.webhooks.delete({ orgId: otherOrgId, webhookId: theirs.id });
  });

  it("sends a test ping, and the sweep sends deliveries whose job was lost", async () => {
    const hook = await owner.webhooks.create({ orgId, url: `${endpoint.base}/ping`, events: ["incident.escalated"] });
    const ping = await owner.webhooks.sendTest({ orgId, webhookId: hook.id });
    await until(async () => (await owner.webhooks.deliveries({ orgId })).find((d) => d.id === ping.id && d.status === "delivered"));
    expect(JSON.parse(endpoint.at("/ping")[0]!.body)).toMatchObject({ type: "ping", id: ping.eventId });

    // A delivery queued without its job (the process died between commit and enqueue).
    const [lost] = await getDb()
      .insert(webhookDeliveries)
      .values({ webhookId: hook.id, eventId: "lost:1", eventType: "ping", payload: { id: "lost:1", type: "ping", created: 0, data: {} } })
      .returning();
    await new Promise((r) => setTimeout(r, 200));
    expect((await deliveriesOf(hook.id)).find((d) => d.id === lost!.id)?.status).toBe("pending");
    expect(await sweepDueWebhookDeliveries(getDb())).toBeGreaterThanOrEqual(1);
    await until(async () => (await deliveriesOf(hook.id)).find((d) => d.id === lost!.id && d.status === "delivered"));
    await owner.webhooks.delete({ orgId, webhookId: hook.id });
  });
});
