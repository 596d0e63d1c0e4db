// Browser test of incidents against the built app, with the data written straight into the test database (no
// cluster, no monitor): a customer sees their instance's incidents, filters them, reads a timeline and the instance's
// health; a platform admin acknowledges an incident and adds a note, which then appears in the customer's timeline
// without a reload; platform support sees the incident without the actions. Screenshots go to /tmp/shots/incidents-*.png.
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type Locator, type Page } from "playwright-core";
import { getDb } from "@/db/client";
import { incidentEvents, incidents, instanceHealth, instances, organizations, plans, services, serviceVersions, users } from "@/db/schema";
import { seedDemo } from "@/db/seed";
import { createUserWithPassword } from "@/server/auth/users";
import { userCaller } from "../helpers/callers";
import { startAppServer, type AppServer } from "./app-server";

const CHROMIUM = "/usr/bin/chromium";
const root = process.cwd();
const resultsDir = path.join(root, "test-results");
const shotsDir = process.env.SHOTS_DIR ?? "/tmp/shots";

const admin = { name: "Pat Platform", email: "pat@fleetplane.test", password: "platform-admin-password" };
const support = { name: "Sue Support", email: "sue@fleetplane.test", password: "platform-support-password" };
const customer = { name: "Cleo Customer", email: "cleo@shopfront.test", password: "customer-long-password" };
const orgName = "Shopfront";
const NOTE = "The image registry in eu-west-1 is rate limiting pulls; we are moving the instance to another cluster.";
const MIN = 60_000;

let server: AppServer;
let browser: Browser;
let customerPage: Page;
let adminPage: Page;
let orgPath = "";
let instanceId = "";
let liveId = "";
let pastId = "";
const pageErrors: string[] = [];

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const p = await context.newPage();
  p.setDefaultTimeout(20_000);
  p.on("pageerror", (err) => pageErrors.push(err.message));
  return p;
}

async function shot(p: Page, step: string): Promise<void> {
  await p.evaluate(() => window.scrollTo(0, 0));
  await p.screenshot({ path: path.join(shotsDir, `incidents-${step}.png`), fullPage: true });
}

async function signIn(p: Page, who: { email: string; password: string }): Promise<void> {
  await p.goto(`${server.baseUrl}/sign-in`);
  await p.getByLabel("Email", { exact: true }).fill(who.email);
  await p.getByLabel("Password", { exact: true }).fill(who.password);
  await p.getByRole("button", { name: "Sign in" }).click();
  await p.waitForURL((url) => !url.pathname.startsWith("/sign-in"));
}

function incidentRows(p: Page): Locator {
  return p.getByRole("table", { name: "Incidents" }).locator("tbody tr");
}

function timeline(p: Page): Locator {
  return p.getByRole("list", { name: "Timeline" }).getByRole("listitem");
}

function card(p: Page, title: string): Locator {
  return p.locator("section").filter({ has: p.getByRole("heading", { level: 2, name: title, exact: true }) });
}

/** An instance row as provisioning would have left it, without a cluster or a workflow. */
async function insertInstance(orgId: string, name: string): Promise<string> {
  const db = getDb();
  const [svc] = await db.select().from(services).where(eq(services.slug, "hello-web"));
  const [plan] = (await db.select().from(plans).where(eq(plans.serviceId, svc!.id))).filter((p) => p.slug === "standard");
  const [version] = await db.select().from(serviceVersions).where(eq(serviceVersions.serviceId, svc!.id));
  const [row] = await db
    .insert(instances)
    .values({ orgId, serviceId: svc!.id, planId: plan!.id, versionId: version!.id, name, namespace: `fp-${randomUUID().slice(0, 8)}-${name}`, desiredReplicas: plan!.replicas, observedState: "running", observedReplicas: 0, createdBy: "test" })
    .returning({ id: instances.id });
  return row!.id;
}

type Event = { ago: number; kind: string; message: string; actor?: string; runId?: string };

async function insertIncident(values: typeof incidents.$inferInsert, events: Event[]): Promise<string> {
  const db = getDb();
  const [row] = await db.insert(incidents).values(values).returning({ id: incidents.id });
  const now = Date.now();
  await db.insert(incidentEvents).values(events.map((e) => ({ incidentId: row!.id, at: new Date(now - e.ago), kind: e.kind, message: e.message, actor: e.actor ?? "fleetplane", runId: e.runId ?? null })));
  return row!.id;
}

describe("incidents in a browser", () => {
  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (the tests never download a browser)`);
    fs.mkdirSync(shotsDir, { recursive: true });
    const db = getDb();
    await seedDemo(db);
    const staff = await createUserWithPassword(db, admin);
    await db.update(users).set({ platformRole: "platform_admin" }).where(eq(users.id, staff.id));
    const helper = await createUserWithPassword(db, support);
    await db.update(users).set({ platformRole: "platform_support" }).where(eq(users.id, helper.id));
    const owner = await createUserWithPassword(db, customer);
    const org = await (await userCaller(owner.id)).orgs.create({ name: orgName });
    orgPath = `/o/${org.slug}`;

    instanceId = await insertInstance(org.id, "shop-api");
    const now = Date.now();
    await db.insert(instanceHealth).values({
      instanceId,
      status: "unhealthy",
      cause: "crash_loop",
      detail: "container web exits with code 137 (out of memory)",
      readyReplicas: 0,
      restarts: 7,
      since: new Date(now - 14 * MIN),
      checkedAt: new Date(now - 20_000),
    });
    liveId = await insertIncident(
      { orgId: org.id, instanceId, kind: "crash_loop", status: "needs_attention", title: "Crash loop: shop-api", attempts: 2, detectedAt: new Date(now - 14 * MIN) },
      [
        { ago: 14 * MIN, kind: "detected", message: "back-off restarting failed container web (exit code 137)" },
        { ago: 14 * MIN - 1000, kind: "note", message: "0 replica(s) ready, 7 restart(s)" },
        { ago: 13 * MIN, kind: "action", message: "restarting the pods (attempt 1 of 2)", runId: randomUUID() },
        { ago: 9 * MIN, kind: "action", message: "restarting the pods (attempt 2 of 2)", runId: randomUUID() },
        { ago: 5 * MIN, kind: "escalated", message: "needs a person: the pods keep crashing after 2 restarts" },
      ],
    );
    const dayAgo = now - 26 * 60 * MIN;
    pastId = await insertIncident(
      { orgId: org.id, instanceId, kind: "not_ready", status: "resolved", outcome: "healed", title: "Not ready: shop-api", attempts: 0, detectedAt: new Date(dayAgo), resolvedAt: new Date(dayAgo + 84_000), ttrMs: 84_000 },
      [
        { ago: now - dayAgo, kind: "detected", message: "0 of 2 replicas ready" },
        { ago: now - dayAgo - 84_000, kind: "outcome", message: "healthy again by itself (time to recover 84.0 s)" },
      ],
    );
    // Another organization's incident, for the console's organization filter.
    const [demo] = await db.select().from(organizations).where(eq(organizations.name, "Demo Co"));
    if (demo) {
      const demoInstance = await insertInstance(demo.id, "demo-web");
      await insertIncident({ orgId: demo.id, instanceId: demoInstance, kind: "node_lost", status: "recovering", title: "Node lost: demo-web", attempts: 1, detectedAt: new Date(now - 3 * MIN) }, [
        { ago: 3 * MIN, kind: "detected", message: "node worker-2 stopped reporting" },
        { ago: 2 * MIN, kind: "action", message: "moving pods off the lost node (attempt 1 of 2)", runId: randomUUID() },
      ]);
    }

    server = await startAppServer(root, path.join(resultsDir, "e2e-incidents-server.log"));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    customerPage = await newPage();
    adminPage = await newPage();
  });

  afterAll(async () => {
    await browser?.close().catch(() => {});
    await server?.stop();
  });

  it("the customer finds Incidents in the sidebar and sees both incidents of the instance", async () => {
    const p = customerPage;
    await signIn(p, customer);
    await p.goto(`${server.baseUrl}${orgPath}/instances`);
    await p.getByRole("link", { name: "Incidents", exact: true }).click();
    await p.waitForURL(new RegExp(`${orgPath}/incidents$`));
    await expect.poll(() => incidentRows(p).count()).toBe(2);
    const live = incidentRows(p).filter({ hasText: "Crash loop: shop-api" });
    await live.getByText("Needs attention", { exact: true }).waitFor();
    await live.getByText("Ongoing").waitFor();
    await live.getByRole("link", { name: "shop-api", exact: true }).waitFor();
    const past = incidentRows(p).filter({ hasText: "Not ready: shop-api" });
    await past.getByText("Resolved", { exact: true }).waitFor();
    await past.getByText("1 min 24 s", { exact: true }).waitFor();
    // The other organization's incident is not here.
    expect(await p.getByText("Node lost: demo-web").count()).toBe(0);
    await shot(p, "01-customer-list");
  });

  it("filters by status", async () => {
    const p = customerPage;
    await p.getByLabel("Status").selectOption("resolved");
    await p.waitForURL(/status=resolved/);
    await expect.poll(() => incidentRows(p).count()).toBe(1);
    await incidentRows(p).getByText("Not ready: shop-api").waitFor();
    await shot(p, "02-customer-filtered");
    await p.getByLabel("Status").selectOption("live");
    await expect.poll(() => incidentRows(p).first().textContent()).toContain("Crash loop: shop-api");
    expect(await incidentRows(p).count()).toBe(1);
  });

  it("opens the live incident: its facts and its timeline, with links to the recovery runs", async () => {
    const p = customerPage;
    await incidentRows(p).getByRole("link", { name: "Crash loop: shop-api" }).click();
    await p.waitForURL(new RegExp(`${orgPath}/incidents/${liveId}$`));
    await p.getByRole("heading", { level: 1, name: /Crash loop: shop-api/ }).waitFor();
    await expect.poll(() => timeline(p).count()).toBe(5);
    await timeline(p).nth(0).getByText("Back-off restarting failed container web (exit code 137)").waitFor();
    await timeline(p).nth(2).getByRole("link", { name: /^Workflow run / }).waitFor();
    await timeline(p).nth(4).getByText("Escalated").waitFor();
    await p.getByText("Not yet", { exact: true }).waitFor(); // not acknowledged
    await shot(p, "03-customer-detail");
    await p.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
  });

  it("the instance page shows its health and its incidents", async () => {
    const p = await newPage();
    await signIn(p, customer);
    await p.goto(`${server.baseUrl}${orgPath}/instances/${instanceId}`);
    const health = p.getByLabel("Health");
    await health.getByText("Unhealthy", { exact: true }).waitFor();
    await health.getByText("Crash loop", { exact: true }).waitFor();
    await health.getByText(/out of memory/).waitFor();
    const list = card(p, "Incidents").getByRole("list", { name: "Incidents of this instance" }).getByRole("listitem");
    await expect.poll(() => list.count()).toBe(2);
    await list.first().getByText("Needs attention").waitFor();
    await shot(p, "04-instance-health");
    await list.first().getByRole("link").click();
    await p.waitForURL(new RegExp(`${orgPath}/incidents/${liveId}$`));
    await p.context().close();
  });

  it("the platform admin sees counts, filters by organization and opens the incident", async () => {
    const p = adminPage;
    await signIn(p, admin);
    await p.goto(`${server.baseUrl}/admin/incidents`);
    const counts = p.getByRole("group", { name: "Incidents by status" });
    await counts.getByRole("button", { name: /Needs attention\s*1/ }).waitFor();
    await counts.getByRole("button", { name: /Recovering\s*1/ }).waitFor();
    await counts.getByRole("button", { name: /Resolved\s*1/ }).waitFor();
    await expect.poll(() => incidentRows(p).count()).toBe(3);
    await shot(p, "05-admin-list");

    await p.getByLabel("Organization").selectOption({ label: orgName });
    await expect.poll(() => incidentRows(p).count()).toBe(2);
    await counts.getByRole("button", { name: /Recovering\s*0/ }).waitFor();
    await incidentRows(p).getByRole("link", { name: "Crash loop: shop-api" }).click();
    await p.waitForURL(new RegExp(`/admin/incidents/${liveId}$`));
    await expect.poll(() => timeline(p).count()).toBe(5);
  });

  it("acknowledges it and adds a note", async () => {
    const p = adminPage;
    await p.getByRole("button", { name: "Acknowledge", exact: true }).click();
    await p.getByRole("button", { name: "Acknowledged", exact: true }).waitFor();
    await timeline(p).nth(5).getByText(`by ${admin.email}`).waitFor();
    await p.getByLabel("Note", { exact: true }).fill(NOTE);
    await p.getByRole("button", { name: "Add note", exact: true }).click();
    await timeline(p).nth(6).getByText(NOTE).waitFor();
    expect(await p.getByLabel("Note", { exact: true }).inputValue()).toBe("");
    const [row] = await getDb().select().from(incidents).where(eq(incidents.id, liveId));
    expect(row!.acknowledgedBy).toBe(admin.email);
    await shot(p, "06-admin-detail");
  });

  it("the note and the acknowledgement appear in the customer's timeline without a reload", async () => {
    const p = customerPage;
    await timeline(p).nth(6).getByText(NOTE).waitFor({ timeout: 25_000 });
    await timeline(p).nth(5).getByText(`by ${admin.email}`).waitFor();
    await p.getByText(admin.email, { exact: true }).first().waitFor(); // "Acknowledged" in the facts
    expect(await p.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    await shot(p, "07-customer-note");
  });

  it("platform support reads the incident but gets no actions", async () => {
    const p = await newPage();
    await signIn(p, support);
    await p.goto(`${server.baseUrl}/admin/incidents/${liveId}`);
    await expect.poll(() => timeline(p).count()).toBe(7);
    await p.getByText(/Platform support can read incidents/).waitFor();
    expect(await p.getByRole("button", { name: "Acknowledge" }).count()).toBe(0);
    expect(await p.getByRole("button", { name: "Add note" }).count()).toBe(0);
    await shot(p, "08-support-detail");
    await p.context().close();
  });

  it("the resolved incident shows how it ended", async () => {
    const p = customerPage;
    await p.goto(`${server.baseUrl}${orgPath}/incidents/${pastId}`);
    await p.getByText("Healed by itself").waitFor();
    await timeline(p).nth(1).getByText(/Healthy again by itself/).waitFor();
  });

  it("no page threw", () => {
    expect(pageErrors).toEqual([]);
  });
});
