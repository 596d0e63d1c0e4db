// Browser test of the instance lifecycle against the built app, real workers (in this process) and kubesim: a
// customer creates an instance from the portal, watches it become Running, stops and starts it, and deletes it.
// Screenshots go to test-results/screenshots/instances-*.png.
import fs from "node:fs";
import path from "node:path";
import type { Worker } from "bullmq";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type Page } from "playwright-core";
import { getDb } from "@/db/client";
import { instances } from "@/db/schema";
import { seedDemo } from "@/db/seed";
import { startKubesim, type Kubesim } from "@/kubesim/index";
import { systemContext } from "@/server/auth/actor";
import { registerCluster } from "@/server/clusters/registry";
import { closeQueues } from "@/server/jobs/queues";
import { workflowStepsProcessor } from "@/workers/processors/workflows";
import { startWorkers } from "@/workers/start-workers";
import { clientsFor, FAST_TIMERS } from "../integration/kubesim/helpers";
import { startAppServer, type AppServer } from "./app-server";

const CHROMIUM = "/usr/bin/chromium";
const root = process.cwd();
const resultsDir = path.join(root, "test-results");
const shotsDir = path.join(resultsDir, "screenshots");
const customer = { name: "Cleo Customer", email: "cleo@shop.test", password: "customer-password-1" };

let sim: Kubesim;
let workers: Worker[] = [];
let server: AppServer;
let browser: Browser;
let page: Page;

async function shot(step: string): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(shotsDir, `instances-${step}.png`), fullPage: true });
}

async function instanceRow() {
  const [row] = await getDb().select().from(instances).where(eq(instances.name, "shop"));
  return row;
}

async function waitForObserved(state: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await instanceRow();
    if (row?.observedState === state) return row;
    if (Date.now() > deadline) throw new Error(`instance is ${row?.observedState} (${row?.statusMessage}), expected ${state}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function httpStatus(host: string, port: number): Promise<number | "refused"> {
  try {
    return (await fetch(`http://${host}:${port}/`)).status;
  } catch {
    return "refused";
  }
}

describe("instances in the customer portal", () => {
  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (the tests never download a browser)`);
    fs.mkdirSync(shotsDir, { recursive: true });
    sim = await startKubesim({
      clusters: [{ name: "e2e-shop", region: "eu-west-1", nodeCount: 3, nodeShape: { cpu: "8", memory: "32Gi", pods: 110 } }],
      podStartDelayMs: 100,
      timers: FAST_TIMERS,
    });
    const db = getDb();
    await seedDemo(db);
    await registerCluster(db, systemContext("e2e"), { name: "e2e-shop", region: "eu-west-1", kubeconfig: sim.clusters[0]!.kubeconfigYaml, labels: {} });
    workers = await startWorkers([workflowStepsProcessor], { schedules: false });
    server = await startAppServer(root, path.join(resultsDir, "e2e-instances-server.log"));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.setDefaultTimeout(30_000);
  }, 120_000);

  afterAll(async () => {
    await browser?.close().catch(() => {});
    await server?.stop();
    await Promise.all(workers.map((w) => w.close()));
    await closeQueues();
    await sim?.stop();
  });

  it("a new customer creates an instance and watches it become Running", async () => {
    await page.goto(`${server.baseUrl}/sign-up`);
    await page.getByLabel("Name", { exact: true }).fill(customer.name);
    await page.getByLabel("Email", { exact: true }).fill(customer.email);
    await page.getByLabel("Password", { exact: true }).fill(customer.password);
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByLabel("Organization name").fill("Shop Co");
    await page.getByRole("button", { name: "Create organization" }).click();
    await page.getByText("No instances yet").waitFor();

    await page.getByRole("link", { name: "Create instance" }).first().click();
    await page.getByRole("radiogroup", { name: "Service" }).getByRole("radio").filter({ hasText: "Hello Web" }).click();
    await page.getByRole("radiogroup", { name: "Plan" }).getByRole("radio").filter({ hasText: "Free" }).first().click();
    await page.getByLabel("Instance name").fill("shop");
    await shot("01-create");
    await page.getByRole("button", { name: "Create instance" }).click();
    await page.waitForURL(/\/instances\/[0-9a-f-]{36}$/);
    await shot("02-provisioning");

    const running = await waitForObserved("running");
    // The page follows without a reload: the status badge and the endpoint appear.
    await page.getByText(`${running.endpointHost}:${running.endpointPort}`).first().waitFor();
    await page.getByText("Running", { exact: true }).first().waitFor();
    expect(await httpStatus(running.endpointHost!, running.endpointPort!)).toBe(200);
    await shot("03-running");
  });

  it("stops it (the endpoint refuses) and starts it again", async () => {
    await page.getByRole("button", { name: "Stop", exact: true }).click();
    const stopped = await waitForObserved("stopped");
    await page.getByText("Stopped", { exact: true }).first().waitFor();
    expect(await httpStatus(stopped.endpointHost!, stopped.endpointPort!)).toBe("refused");
    await shot("04-stopped");
    await page.getByRole("button", { name: "Start", exact: true }).click();
    const again = await waitForObserved("running");
    await page.getByRole("button", { name: "Stop", exact: true }).waitFor();
    expect(await httpStatus(again.endpointHost!, again.endpointPort!)).toBe(200);
  });

  it("deletes it: gone from the list and from the cluster", async () => {
    const { namespace } = (await instanceRow())!;
    await page.getByRole("button", { name: "Delete", exact: true }).click();
    await page.getByRole("dialog").getByRole("textbox").fill("shop");
    await page.getByRole("button", { name: "Delete instance" }).click();
    await waitForObserved("deleted");
    await page.goto(page.url().replace(/\/instances\/.*$/, "/instances"));
    await page.getByText("No instances yet").waitFor();
    await shot("05-deleted");
    await expect(clientsFor(sim, "e2e-shop").core.readNamespace({ name: namespace })).rejects.toBeTruthy();
  });
});
