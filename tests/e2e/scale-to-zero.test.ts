// Browser test of scale to zero on the instance page, against the built app, kubesim and an in-process workflow
// worker: a customer creates a Free Hello Web instance (its plan scales to zero), puts it to sleep and wakes it from
// the page without reloading, pins it awake and sets its idle timeout; a viewer sees the card without controls.
// Screenshots go to /tmp/shots/scale-to-zero-*.png.
import fs from "node:fs";
import path from "node:path";
import type { Worker } from "bullmq";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type Locator, type Page } from "playwright-core";
import { getDb } from "@/db/client";
import { instances, users } from "@/db/schema";
import { seedDemo } from "@/db/seed";
import { startKubesim, type Kubesim } from "@/kubesim/index";
import { createUserWithPassword } from "@/server/auth/users";
import { requestRateKey } from "@/server/gateway/request-rate";
import { closeQueues } from "@/server/jobs/queues";
import { invalidatePlacementView } from "@/server/placement/reserve-placement";
import { getRedis } from "@/server/redis/client";
import { workflowStepsProcessor } from "@/workers/processors/workflows";
import { startWorkers } from "@/workers/start-workers";
import { addMember, userCaller } from "../helpers/callers";
import { FAST_TIMERS } from "../integration/kubesim/helpers";
import { startAppServer, type AppServer } from "./app-server";

const CHROMIUM = "/usr/bin/chromium";
const root = process.cwd();
const resultsDir = path.join(root, "test-results");
const shotsDir = process.env.SHOTS_DIR ?? "/tmp/shots";

const CLUSTER = "e2e-s2z";
const admin = { name: "Pat Platform", email: "pat@fleetplane.test", password: "platform-admin-password" };
const customer = { name: "Sam Sleeper", email: "sam@nightowl.test", password: "customer-long-password" };
const orgName = "Night Owl";
const STATE_TIMEOUT = 60_000;

let sim: Kubesim;
let workers: Worker[] = [];
let server: AppServer;
let browser: Browser;
let page: Page;
let orgPath = "";
let instanceId = "";
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
  await p.screenshot({ path: path.join(shotsDir, `scale-to-zero-${step}.png`), fullPage: true });
}

/** The status badge in the instance page's title. */
function titleStatus(p: Page, label: string): Locator {
  return p.getByRole("heading", { level: 1 }).getByText(label, { exact: true });
}

/** A card on the instance page, found by its heading. */
function card(p: Page, title: string): Locator {
  return p.locator("section").filter({ has: p.getByRole("heading", { level: 2, name: title, exact: true }) });
}

function history(p: Page): Locator {
  return p.getByRole("list", { name: "Sleep and wake history" }).getByRole("listitem");
}

async function instanceRow() {
  const [row] = await getDb().select().from(instances).where(eq(instances.id, instanceId));
  return row!;
}

/** Requests the gateway would have counted over the last ten minutes, so the chart has something to draw. */
async function seedTraffic(): Promise<void> {
  const now = Math.floor(Date.now() / 10_000) * 10;
  const fields: Record<string, string> = {};
  for (let k = 0; k < 60; k++) fields[String(now - k * 10)] = String(Math.round(20 + 15 * Math.sin(k / 6) + (k % 7)));
  await getRedis().hset(requestRateKey(instanceId), fields);
  await getDb().update(instances).set({ lastActivityAt: new Date(Date.now() - 2 * 60_000) }).where(eq(instances.id, instanceId));
}

describe("scale to zero on the instance page", () => {
  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (the tests never download a browser)`);
    fs.mkdirSync(shotsDir, { recursive: true });
    sim = await startKubesim({
      clusters: [{ name: CLUSTER, region: "eu-west-1", nodeCount: 2, nodeShape: { cpu: "8", memory: "32Gi", pods: 110 } }],
      podStartDelayMs: 100,
      timers: FAST_TIMERS,
    });
    const db = getDb();
    await seedDemo(db);
    const user = await createUserWithPassword(db, admin);
    await db.update(users).set({ platformRole: "platform_admin" }).where(eq(users.id, user.id));
    const platform = await userCaller(user.id);
    const c = sim.clusters[0]!;
    await platform.clusters.register({ name: c.name, region: c.region, kubeconfig: c.kubeconfigYaml });
    invalidatePlacementView();
    workers = await startWorkers([workflowStepsProcessor], { schedules: false });

    server = await startAppServer(root, path.join(resultsDir, "e2e-scale-to-zero-server.log"));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    page = await newPage();
  });

  afterAll(async () => {
    await browser?.close().catch(() => {});
    await server?.stop();
    await Promise.all(workers.map((w) => w.close()));
    await closeQueues();
    await sim?.stop();
  });

  it("creates a Free Hello Web instance and waits until it runs", async () => {
    await page.goto(`${server.baseUrl}/sign-up`);
    await page.getByLabel("Name", { exact: true }).fill(customer.name);
    await page.getByLabel("Email", { exact: true }).fill(customer.email);
    await page.getByLabel("Password", { exact: true }).fill(customer.password);
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL(/\/onboarding$/);
    await page.getByLabel("Organization name").fill(orgName);
    await page.getByRole("button", { name: "Create organization" }).click();
    await page.waitForURL(/\/o\/[\w-]+\/instances$/);
    orgPath = new URL(page.url()).pathname.replace(/\/instances$/, "");

    await page.getByRole("link", { name: "Create instance", exact: true }).click();
    await page.waitForURL(/\/instances\/new$/);
    await page.getByRole("radiogroup", { name: "Service" }).getByRole("radio", { name: /^Hello Web/ }).click();
    await page.getByRole("radiogroup", { name: "Plan" }).getByRole("radio", { name: /^Free/ }).click();
    await page.getByRole("radio", { name: /^Any region/ }).check();
    await page.getByLabel("Instance name").fill("owl");
    await page.getByRole("button", { name: "Create instance" }).click();
    await page.waitForURL(new RegExp(`${orgPath}/instances/[0-9a-f-]{36}$`));
    instanceId = new URL(page.url()).pathname.split("/").pop()!;
    await titleStatus(page, "Running").waitFor({ timeout: STATE_TIMEOUT });
    // Marks this document: a reload or a full navigation would lose it.
    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));

    const s2z = card(page, "Scale to zero");
    await s2z.getByText("Awake", { exact: true }).waitFor();
    await s2z.getByText("5 min", { exact: true }).waitFor(); // the Free plan's default
    await s2z.getByText("(plan default)").waitFor();
    await s2z.getByText("It has not slept yet.").waitFor();
    const traffic = card(page, "Traffic");
    await traffic.getByText(`${(await instanceRow()).namespace}.localhost:8080/`, { exact: false }).first().waitFor();
    await traffic.getByText("No requests in the last hour").waitFor();
    await shot(page, "01-running");
  });

  it("shows the gateway's requests per second and the last activity (refreshed by polling)", async () => {
    await seedTraffic();
    const traffic = card(page, "Traffic");
    await traffic.getByText(/requests in the last hour · peak/).waitFor({ timeout: 20_000 });
    await traffic.getByText("2 min ago", { exact: true }).waitFor();
    await shot(page, "02-traffic");
  });

  it("sleeps on “Sleep now” without a reload, and the history lists the sleep", async () => {
    const s2z = card(page, "Scale to zero");
    await s2z.getByRole("button", { name: "Sleep now", exact: true }).click();
    await titleStatus(page, "Sleeping").waitFor({ timeout: STATE_TIMEOUT });
    await s2z.getByText("Sleeping", { exact: true }).waitFor();
    await history(page).first().getByText(`Slept — by ${customer.email}`).waitFor();
    await s2z.getByRole("button", { name: "Wake now", exact: true }).waitFor();
    expect((await instanceRow()).observedState).toBe("sleeping");
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    await shot(page, "03-sleeping");
  });

  it("the instance list shows it as Sleeping", async () => {
    await page.getByRole("navigation", { name: "Breadcrumb" }).getByRole("link", { name: "← Instances" }).click();
    await page.waitForURL(new RegExp(`${orgPath}/instances$`));
    const row = page.getByRole("table", { name: "Instances" }).getByRole("row").filter({ has: page.getByRole("link", { name: "owl", exact: true }) });
    await row.getByText("Sleeping", { exact: true }).waitFor();
    await shot(page, "04-list-sleeping");
    await row.getByRole("link", { name: "owl", exact: true }).click();
    await page.waitForURL(new RegExp(`/instances/${instanceId}$`));
    await titleStatus(page, "Sleeping").waitFor();
    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
  });

  it("wakes on “Wake now”: Running again, and the history shows the wake with its duration", async () => {
    const s2z = card(page, "Scale to zero");
    await s2z.getByRole("button", { name: "Wake now", exact: true }).click();
    await titleStatus(page, "Running").waitFor({ timeout: STATE_TIMEOUT });
    await s2z.getByText("Awake", { exact: true }).waitFor();
    const woke = history(page).first().getByText(new RegExp(`^Woke in [\\d.]+ (ms|s) — by ${customer.email.replace(/\./g, "\\.")}$`));
    await woke.waitFor();
    expect(await history(page).count()).toBe(2);
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    await shot(page, "05-awake-again");
  });

  it("pins it awake and sets a 120 s idle timeout; both survive a reload", async () => {
    const s2z = card(page, "Scale to zero");
    const pin = s2z.getByLabel("Pin awake");
    await pin.check();
    await expect.poll(async () => (await instanceRow()).pinnedAwake, { timeout: 10_000 }).toBe(true);

    const timeout = s2z.getByLabel("Idle timeout (seconds)");
    await timeout.fill("30");
    await s2z.getByText("At least 60 seconds.").waitFor();
    expect(await s2z.getByRole("button", { name: "Save", exact: true }).isDisabled()).toBe(true);
    await shot(page, "06-timeout-invalid");
    await timeout.fill("120");
    await s2z.getByRole("button", { name: "Save", exact: true }).click();
    await s2z.getByText("(custom; plan default 5 min)").waitFor();
    expect((await instanceRow()).idleTimeoutSeconds).toBe(120);

    await page.reload();
    const after = card(page, "Scale to zero");
    await after.getByText("2 min", { exact: true }).waitFor();
    await after.getByText("(custom; plan default 5 min)").waitFor();
    expect(await after.getByLabel("Pin awake").isChecked()).toBe(true);
    expect(await after.getByLabel("Idle timeout (seconds)").inputValue()).toBe("120");
    await shot(page, "07-settings-saved");
  });

  it("resets the idle timeout to the plan default", async () => {
    const s2z = card(page, "Scale to zero");
    await s2z.getByRole("button", { name: /^Reset to the plan default/ }).click();
    await s2z.getByText("(plan default)").waitFor();
    expect((await instanceRow()).idleTimeoutSeconds).toBeNull();
    expect(await s2z.getByLabel("Idle timeout (seconds)").inputValue()).toBe("300");
  });

  it("a viewer sees the state, settings and history but no controls", async () => {
    const [me] = await getDb().select().from(users).where(eq(users.email, customer.email));
    const owner = await userCaller(me!.id);
    const row = await instanceRow();
    const viewer = await addMember(owner, row.orgId, "viewer");
    const viewerPage = await newPage();
    await viewerPage.goto(`${server.baseUrl}/sign-in`);
    await viewerPage.getByLabel("Email", { exact: true }).fill(viewer.email);
    await viewerPage.getByLabel("Password", { exact: true }).fill(viewer.password);
    await viewerPage.getByRole("button", { name: "Sign in" }).click();
    await viewerPage.waitForURL((url) => !url.pathname.startsWith("/sign-in"));
    await viewerPage.goto(`${server.baseUrl}${orgPath}/instances/${instanceId}`);
    const s2z = card(viewerPage, "Scale to zero");
    await s2z.getByText("Awake", { exact: true }).waitFor();
    await s2z.getByText(/^Yes — it never sleeps when idle/).waitFor();
    await s2z.getByText(/cannot change scale to zero/).waitFor();
    expect(await history(viewerPage).count()).toBe(2);
    expect(await s2z.getByRole("button").count()).toBe(0);
    expect(await s2z.getByRole("checkbox").count()).toBe(0);
    expect(await s2z.getByRole("spinbutton").count()).toBe(0);
    await viewerPage.getByText(/^Loading (events|steps)/).first().waitFor({ state: "detached" });
    await shot(viewerPage, "08-viewer");
    await viewerPage.context().close();
    expect(pageErrors).toEqual([]);
  });
});
