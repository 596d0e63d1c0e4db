// Browser test of the instance lifecycle against the built app, kubesim and an in-process workflow worker: a customer
// creates a Hello Web instance from the portal, watches it provision step by step until Running, stops and starts it,
// and deletes it. Screenshots go to test-results/screenshots/instances-*.png.
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
import { closeQueues } from "@/server/jobs/queues";
import { invalidatePlacementView } from "@/server/placement/reserve-placement";
import { workflowStepsProcessor } from "@/workers/processors/workflows";
import { startWorkers } from "@/workers/start-workers";
import { userCaller } from "../helpers/callers";
import { clientsFor, FAST_TIMERS, waitFor } from "../integration/kubesim/helpers";
import { startAppServer, type AppServer } from "./app-server";

const CHROMIUM = "/usr/bin/chromium";
const root = process.cwd();
const resultsDir = path.join(root, "test-results");
const shotsDir = path.join(resultsDir, "screenshots");

const CLUSTER = "e2e-inst";
const admin = { name: "Pat Platform", email: "pat@fleetplane.test", password: "platform-admin-password" };
const customer = { name: "Carla Customer", email: "carla@shopfront.test", password: "customer-long-password" };
const orgName = "Shopfront";
/** The first pod "starts" for this long, so the page is seen mid-run however slow the machine; the test then replaces it. */
const FIRST_POD_START_MS = 5 * 60_000;
const RUNNING_TIMEOUT = 60_000;

let sim: Kubesim;
let workers: Worker[] = [];
let server: AppServer;
let browser: Browser;
let page: Page;
let orgPath = "";
let instanceId = "";
let endpoint = "";
const pageErrors: string[] = [];

async function shot(step: string): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(shotsDir, `instances-${step}.png`), fullPage: true });
}

/** The status badge in the instance page's title. */
function titleStatus(label: string): Locator {
  return page.getByRole("heading", { level: 1 }).getByText(label, { exact: true });
}

/** The link under "Endpoint" in the instance overview. */
function endpointLink(): Locator {
  return page.locator("dt", { hasText: /^Endpoint$/ }).locator("xpath=following-sibling::dd").getByRole("link");
}

function stepItem(name: string): Locator {
  return page.getByRole("list", { name: "Steps" }).getByRole("listitem").filter({ has: page.getByTitle(name, { exact: true }) });
}

async function httpStatus(url: string): Promise<number | "refused"> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(5_000) })).status;
  } catch {
    return "refused";
  }
}

async function instanceRow() {
  const [row] = await getDb().select().from(instances).where(eq(instances.id, instanceId));
  return row!;
}

describe("instance lifecycle in the customer portal", () => {
  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (the tests never download a browser)`);
    fs.mkdirSync(shotsDir, { recursive: true });
    sim = await startKubesim({
      clusters: [{ name: CLUSTER, region: "eu-west-1", nodeCount: 3, nodeShape: { cpu: "8", memory: "32Gi", pods: 110 } }],
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

    server = await startAppServer(root, path.join(resultsDir, "e2e-instances-server.log"));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
    page.on("pageerror", (err) => pageErrors.push(err.message));
  });

  afterAll(async () => {
    await browser?.close().catch(() => {});
    await server?.stop();
    await Promise.all(workers.map((w) => w.close()));
    await closeQueues();
    await sim?.stop();
  });

  it("a new customer signs up, creates an organization and sees no instances", async () => {
    await page.goto(`${server.baseUrl}/sign-up`);
    await page.getByLabel("Name", { exact: true }).fill(customer.name);
    await page.getByLabel("Email", { exact: true }).fill(customer.email);
    await page.getByLabel("Password", { exact: true }).fill(customer.password);
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL(/\/onboarding$/);
    await page.getByLabel("Organization name").fill(orgName);
    await page.getByRole("button", { name: "Create organization" }).click();
    await page.waitForURL(/\/o\/shopfront\/instances$/);
    orgPath = new URL(page.url()).pathname.replace(/\/instances$/, "");
    await page.getByRole("heading", { name: "No instances yet" }).waitFor();
    await shot("01-empty");
  });

  it("creates Hello Web on the Free plan in any region, named shop, and lands on its page", async () => {
    // The first pod hangs in its start, so the page is seen while the run waits for it.
    const slow = await sim.admin.slowPodStart(CLUSTER, FIRST_POD_START_MS);
    await page.getByRole("link", { name: "Create instance", exact: true }).click();
    await page.waitForURL(/\/instances\/new$/);
    await page.getByRole("radiogroup", { name: "Service" }).getByRole("radio", { name: /^Hello Web/ }).click();
    await page.getByRole("radiogroup", { name: "Plan" }).getByRole("radio", { name: /^Free/ }).click();
    const anyRegion = page.getByRole("radio", { name: /^Any region/ });
    await anyRegion.check();
    expect(await anyRegion.isChecked()).toBe(true);
    await page.getByLabel("Instance name").fill("shop");
    const summary = page.getByRole("complementary");
    expect(await summary.getByText("Hello Web", { exact: true }).isVisible()).toBe(true);
    expect(await summary.getByText("Any region", { exact: true }).isVisible()).toBe(true);
    await shot("02-create-form");

    await page.getByRole("button", { name: "Create instance" }).click();
    await page.waitForURL(new RegExp(`${orgPath}/instances/[0-9a-f-]{36}$`));
    instanceId = new URL(page.url()).pathname.split("/").pop()!;
    await page.getByRole("heading", { level: 1 }).getByText("shop", { exact: true }).waitFor();
    // Marks this document: a reload or a full navigation would lose it.
    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));

    // Mid-run: the earlier steps are done, the run waits for the pod to become ready.
    await titleStatus("Provisioning").waitFor();
    await stepItem("wait-ready").getByText(/^Running · attempt/).waitFor();
    await stepItem("workload").getByText(/^Done/).waitFor();
    expect(await stepItem("endpoint").getByText("Waiting for the steps before it").isVisible()).toBe(true);
    expect(await endpointLink().count()).toBe(0);
    await shot("03-provisioning");
    // Release the run: without the fault, the pod the ReplicaSet creates in place of the hung one starts at once.
    await sim.admin.clearFault(CLUSTER, slow.id);
    await clientsFor(sim, CLUSTER).core.deleteCollectionNamespacedPod({ namespace: (await instanceRow()).namespace });
  });

  it("becomes Running without a reload, every step done, and serves on the endpoint shown", async () => {
    await titleStatus("Running").waitFor({ timeout: RUNNING_TIMEOUT });
    const steps = page.getByRole("list", { name: "Steps" });
    await steps.getByText(/^Done/).nth(6).waitFor();
    expect(await steps.getByRole("listitem").count()).toBe(7);
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    await endpointLink().waitFor();
    endpoint = (await endpointLink().getAttribute("href"))!;
    expect(endpoint).toMatch(/^http:\/\/[\w.-]+:\d+\/$/);
    expect(await httpStatus(endpoint)).toBe(200);
    const row = await instanceRow();
    const ns = await clientsFor(sim, CLUSTER).core.readNamespace({ name: row.namespace });
    expect(ns.metadata?.labels?.["fleetplane.dev/instance"]).toBe(instanceId);
    await shot("04-running");
  });

  it("stops (the endpoint refuses connections) and starts again", async () => {
    const stop = page.getByRole("button", { name: "Stop", exact: true });
    await stop.click();
    const confirm = page.getByRole("dialog");
    // No confirmation today; accept one if the page ever asks.
    if (await confirm.isVisible()) await confirm.getByRole("button", { name: /^Stop/ }).click();
    await titleStatus("Stopped").waitFor({ timeout: RUNNING_TIMEOUT });
    await waitFor("the endpoint refuses connections", async () => (await httpStatus(endpoint)) === "refused", 15_000, 200);
    await page.getByRole("button", { name: "Start", exact: true }).waitFor();
    await shot("05-stopped");

    await page.getByRole("button", { name: "Start", exact: true }).click();
    await titleStatus("Running").waitFor({ timeout: RUNNING_TIMEOUT });
    await endpointLink().waitFor();
    endpoint = (await endpointLink().getAttribute("href"))!;
    await waitFor("the endpoint answers 200", async () => (await httpStatus(endpoint)) === 200, 15_000, 200);
    await page.getByRole("button", { name: "Stop", exact: true }).waitFor();
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    await shot("06-running-again");
  });

  it("lists the running instance with its plan, status and endpoint", async () => {
    await page.getByRole("navigation", { name: "Breadcrumb" }).getByRole("link", { name: "← Instances" }).click();
    await page.waitForURL(new RegExp(`${orgPath}/instances$`));
    const row = page.getByRole("table", { name: "Instances" }).getByRole("row").filter({ has: page.getByRole("link", { name: "shop", exact: true }) });
    await row.getByText("Running", { exact: true }).waitFor();
    expect(await row.getByText("Hello Web", { exact: true }).isVisible()).toBe(true);
    expect(await row.getByRole("link", { name: new URL(endpoint).host }).getAttribute("href")).toBe(endpoint);
    await shot("07-list");
    await row.getByRole("link", { name: "shop", exact: true }).click();
    await page.waitForURL(new RegExp(`/instances/${instanceId}$`));
    await titleStatus("Running").waitFor();
  });

  it("deletes with the typed confirmation: the instance leaves the list and its namespace is gone", async () => {
    const row = await instanceRow();
    await clientsFor(sim, CLUSTER).core.readNamespace({ name: row.namespace });

    await page.getByRole("button", { name: "Delete", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: "Delete shop?" });
    await dialog.waitFor();
    const confirm = dialog.getByRole("button", { name: "Delete instance" });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel(/to confirm/).fill("sho");
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel(/to confirm/).fill("shop");
    await shot("08-delete-confirm");
    await confirm.click();
    await dialog.waitFor({ state: "detached" });
    // Either still deleting, or already gone when the page refetched.
    await page.getByText("This instance is being deleted").or(page.getByText("Instance not found")).first().waitFor();
    await shot("09-deleting");

    await waitFor(
      "the namespace to be gone",
      async () => {
        try {
          await clientsFor(sim, CLUSTER).core.readNamespace({ name: row.namespace });
          return false;
        } catch {
          return true;
        }
      },
      RUNNING_TIMEOUT,
      250,
    );
    await waitFor("the instance to be deleted", async () => (await instanceRow()).deletedAt !== null, RUNNING_TIMEOUT, 250);

    await page.getByRole("navigation", { name: "Breadcrumb" }).getByRole("link", { name: "← Instances" }).click();
    await page.waitForURL(new RegExp(`${orgPath}/instances$`));
    await page.getByRole("heading", { name: "No instances yet" }).waitFor({ timeout: 30_000 });
    expect(await page.getByRole("link", { name: "shop", exact: true }).count()).toBe(0);
    await shot("10-list-after-delete");
    expect(pageErrors).toEqual([]);
  });
});
