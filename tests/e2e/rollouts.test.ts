// Browser test of fleet releases against the built app, kubesim and an in-process workflow worker: a platform admin
// publishes Hello Web 1.1.0 with release notes in the catalog, rolls it out from the catalog's "Roll out" link over a
// customer's 3 instances (canary 1, soak 0), pauses it mid-canary, resumes it and watches it complete; the customer
// reads and dismisses the upgrade notice, sets a maintenance window, sees the running version on an instance, then a
// mandatory 1.2.0 scheduled for that window, defers it and upgrades now. Screenshots go to /tmp/shots/rollouts-*.png.
import fs from "node:fs";
import path from "node:path";
import type { Worker } from "bullmq";
import { eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type Locator, type Page } from "playwright-core";
import { getDb } from "@/db/client";
import { instances, plans, serviceVersions, services, users } from "@/db/schema";
import { seedDemo } from "@/db/seed";
import { startKubesim, type Kubesim } from "@/kubesim/index";
import { createUserWithPassword } from "@/server/auth/users";
import { closeQueues } from "@/server/jobs/queues";
import { invalidatePlacementView } from "@/server/placement/reserve-placement";
import { configureRollouts } from "@/server/rollouts/advance-rollout";
import { workflowStepsProcessor } from "@/workers/processors/workflows";
import { startWorkers } from "@/workers/start-workers";
import { userCaller, type Caller } from "../helpers/callers";
import { FAST_TIMERS, waitFor } from "../integration/kubesim/helpers";
import { startAppServer, type AppServer } from "./app-server";

const CHROMIUM = "/usr/bin/chromium";
const root = process.cwd();
const resultsDir = path.join(root, "test-results");
const shotsDir = process.env.SHOTS_DIR ?? "/tmp/shots";

const CLUSTER = "e2e-rollouts";
const admin = { name: "Pat Platform", email: "pat@fleetplane.test", password: "platform-admin-password" };
const customer = { name: "Carla Customer", email: "carla@shopfront.test", password: "customer-long-password" };
const NAMES = ["shop-web", "shop-api", "shop-jobs"];
const NOTES = "Faster cold starts: the app answers its first request in half the time.\nFixes the health endpoint answering 500 while warming up.";
/** The canary's new pod takes this long to start, so the rollout is seen (and paused) mid-canary. */
const SLOW_START_MS = 8_000;
const TIMEOUT = 90_000;

let sim: Kubesim;
let workers: Worker[] = [];
let server: AppServer;
let browser: Browser;
let adminPage: Page;
let customerPage: Page;
let platform: Caller;
let orgId = "";
let orgPath = "";
let serviceId = "";
let template = "";
let rolloutId = "";
const ids: string[] = [];
const pageErrors: string[] = [];

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const p = await context.newPage();
  p.setDefaultTimeout(20_000);
  p.on("pageerror", (err) => pageErrors.push(err.message));
  return p;
}

async function shot(p: Page, step: string, el?: Locator): Promise<void> {
  if (el) {
    await el.screenshot({ path: path.join(shotsDir, `rollouts-${step}.png`) });
    return;
  }
  await p.evaluate(() => window.scrollTo(0, 0));
  await p.screenshot({ path: path.join(shotsDir, `rollouts-${step}.png`), fullPage: true });
}

/** A dialog's whole form in one picture: a tall viewport while it is taken. */
async function tallShot(p: Page, step: string, el: Locator): Promise<void> {
  await p.setViewportSize({ width: 1280, height: 1900 });
  await el.screenshot({ path: path.join(shotsDir, `rollouts-${step}.png`) });
  await p.setViewportSize({ width: 1280, height: 900 });
}

async function signIn(p: Page, who: { email: string; password: string }): Promise<void> {
  await p.goto(`${server.baseUrl}/sign-in`);
  await p.getByLabel("Email", { exact: true }).fill(who.email);
  await p.getByLabel("Password", { exact: true }).fill(who.password);
  await p.getByRole("button", { name: "Sign in" }).click();
  await p.waitForURL((url) => !url.pathname.startsWith("/sign-in"));
}

function card(p: Page, title: string): Locator {
  return p.locator("section").filter({ has: p.getByRole("heading", { level: 2, name: title, exact: true }) });
}

function titleStatus(p: Page, label: string): Locator {
  return p.getByRole("heading", { level: 1 }).getByText(label, { exact: true });
}

function tile(p: Page, label: string): Locator {
  return p.getByRole("group", { name: "Instances by status" }).getByRole("button", { name: new RegExp(`^${label}`) });
}

function targetRows(p: Page): Locator {
  return p.getByRole("table", { name: "Instances of the rollout" }).locator("tbody tr");
}

async function publish(version: string, extra: { mandatory?: boolean; deadlineAt?: Date } = {}) {
  return platform.catalog.createVersion({ serviceId, version, image: `fleetplane/hello-web:${version}`, manifestTemplate: template, releaseNotes: `Hello Web ${version}: security fixes in the TLS stack.`, ...extra });
}

/** The weekday (0 = Sunday) three days from now in Berlin: a window then is never open now. */
function dayAfterNext(): number {
  const name = new Intl.DateTimeFormat("en-US", { timeZone: "Europe/Berlin", weekday: "short" }).format(new Date());
  return (["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].indexOf(name) + 3) % 7;
}
const DAY_LABELS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

describe("fleet releases in a browser", () => {
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
    const staff = await createUserWithPassword(db, admin);
    await db.update(users).set({ platformRole: "platform_admin" }).where(eq(users.id, staff.id));
    platform = await userCaller(staff.id);
    const c = sim.clusters[0]!;
    await platform.clusters.register({ name: c.name, region: c.region, kubeconfig: c.kubeconfigYaml });
    invalidatePlacementView();
    configureRollouts({ pollMs: 250 });
    workers = await startWorkers([workflowStepsProcessor], { schedules: false });

    const [svc] = await db.select().from(services).where(eq(services.slug, "hello-web"));
    serviceId = svc!.id;
    const [v] = await db.select().from(serviceVersions).where(eq(serviceVersions.serviceId, serviceId));
    template = v!.manifestTemplate;
    const [free] = (await db.select().from(plans).where(eq(plans.serviceId, serviceId))).filter((p) => p.slug === "free");

    const owner = await createUserWithPassword(db, customer);
    const ownerCaller = await userCaller(owner.id);
    const org = await ownerCaller.orgs.create({ name: "Shopfront" });
    orgId = org.id;
    orgPath = `/o/${org.slug}`;
    for (const name of NAMES) ids.push((await ownerCaller.instances.create({ orgId, planId: free!.id, name })).id);
    await waitFor(
      "3 running instances",
      async () => {
        const rows = await db.select({ s: instances.observedState }).from(instances).where(inArray(instances.id, ids));
        if (rows.some((r) => r.s === "failed")) throw new Error("a provision failed");
        return rows.every((r) => r.s === "running");
      },
      TIMEOUT,
      200,
    );

    server = await startAppServer(root, path.join(resultsDir, "e2e-rollouts-server.log"));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    adminPage = await newPage();
    customerPage = await newPage();
  }, 180_000);

  afterAll(async () => {
    configureRollouts({ pollMs: 2_000 });
    await browser?.close().catch(() => {});
    await server?.stop();
    await Promise.all(workers.map((w) => w.close()));
    await closeQueues();
    await sim?.stop();
  });

  it("a platform admin publishes 1.1.0 with release notes in the catalog", async () => {
    const p = adminPage;
    await signIn(p, admin);
    await p.goto(`${server.baseUrl}/admin/catalog`);
    const versions = p.getByRole("region", { name: "Versions of Hello Web" });
    await versions.getByRole("button", { name: "Add version" }).click();
    const dialog = p.getByRole("dialog", { name: "Add a version of Hello Web" });
    await dialog.getByLabel("Version", { exact: true }).fill("1.1.0");
    await dialog.getByLabel("Image", { exact: true }).fill("fleetplane/hello-web:1.1.0");
    await dialog.getByLabel(/^Release notes/).fill(NOTES);
    await dialog.getByLabel("Manifest template").fill(template);
    // A mandatory patch asks for its deadline (shown in the picture); this one is not mandatory.
    await dialog.getByLabel("Mandatory security patch").check();
    await dialog.getByLabel("Deadline").waitFor();
    await tallShot(p, "01-version-form", dialog);
    await dialog.getByLabel("Mandatory security patch").uncheck();
    expect(await dialog.getByLabel("Deadline").count()).toBe(0);
    await dialog.getByRole("button", { name: "Add version" }).click();
    await dialog.waitFor({ state: "hidden" });
    const row = versions.getByRole("row").filter({ hasText: "1.1.0" });
    await row.getByText(/^Faster cold starts/).waitFor();
    await shot(p, "02-catalog");
  });

  it("rolls 1.1.0 out from the catalog over 3 instances (canary 1, soak 0), pauses mid-canary and resumes to completion", async () => {
    const p = adminPage;
    await p.getByRole("link", { name: "Roll out 1.1.0" }).click();
    await p.waitForURL(/\/admin\/rollouts\?new=/);
    const dialog = p.getByRole("dialog", { name: "New rollout" });
    await dialog.waitFor();
    expect(await dialog.getByLabel("Service", { exact: true }).locator("option:checked").textContent()).toBe("Hello Web");
    expect(await dialog.getByLabel("Version", { exact: true }).locator("option:checked").textContent()).toMatch(/^1\.1\.0/);
    await dialog.getByLabel("Organizations", { exact: true }).click();
    await dialog.getByRole("group", { name: "Organizations" }).getByLabel(/^Shopfront/).check();
    await dialog.getByRole("button", { name: "Done", exact: true }).click();
    await dialog.getByLabel("Canary", { exact: true }).fill("1");
    await dialog.getByLabel("Wave percentages").fill("50, 100");
    await dialog.getByLabel("Soak time (seconds)").fill("0");
    // Percentages that do not grow are refused by the API, shown under their field.
    await dialog.getByLabel("Wave percentages").fill("50, 40");
    await dialog.getByRole("button", { name: "Start rollout" }).click();
    await dialog.getByText("Wave percentages must grow (they are cumulative)").waitFor();
    await dialog.getByLabel("Wave percentages").fill("50, 100");
    await dialog.getByText(/About 3 instances to upgrade to 1\.1\.0, in 3 waves of 1 → 1 → 1/).waitFor();
    await tallShot(p, "03-new-rollout-form", dialog);

    const slow = await sim.admin.slowPodStart(CLUSTER, SLOW_START_MS);
    await dialog.getByRole("button", { name: "Start rollout" }).click();
    await p.waitForURL(/\/admin\/rollouts\/[0-9a-f-]{36}$/);
    rolloutId = new URL(p.url()).pathname.split("/").pop()!;
    await p.getByRole("heading", { level: 1, name: /Hello Web 1\.1\.0/ }).waitFor();
    await titleStatus(p, "Running").waitFor();
    await targetRows(p).filter({ hasText: "In progress" }).first().waitFor();
    const runSteps = card(p, "Rollout run").getByRole("list", { name: "Steps" });
    await runSteps.getByTitle("wave-1", { exact: true }).waitFor();
    expect(await runSteps.getByTitle("announce", { exact: true }).isVisible()).toBe(true);
    await shot(p, "04-running");

    await p.getByRole("button", { name: "Pause", exact: true }).click();
    await p.getByRole("dialog", { name: "Pause this rollout?" }).getByRole("button", { name: "Pause rollout" }).click();
    await titleStatus(p, "Paused").waitFor();
    await p.getByText(`Paused: paused by ${admin.email}`).waitFor();
    // The canary under way finishes; nothing else starts.
    await sim.admin.clearFault(CLUSTER, slow.id);
    await targetRows(p).filter({ hasText: "Done" }).first().waitFor({ timeout: TIMEOUT });
    expect(await tile(p, "Pending").textContent()).toContain("2");
    await shot(p, "05-paused");

    await p.getByRole("button", { name: "Resume", exact: true }).click();
    const resume = p.getByRole("dialog", { name: "Resume this rollout?" });
    expect(await resume.getByLabel("Resume with version").locator("option:checked").textContent()).toBe("Keep 1.1.0");
    await resume.getByRole("button", { name: "Resume rollout" }).click();
    await titleStatus(p, "Completed").waitFor({ timeout: TIMEOUT });
    await p.waitForFunction(() => document.querySelectorAll('table[aria-label="Instances of the rollout"] tbody tr').length === 3);
    expect(await tile(p, "Done").textContent()).toContain("3");
    expect(await tile(p, "Failed").textContent()).toContain("0");
    for (const wave of ["wave-1", "wave-2", "wave-3"]) await runSteps.getByRole("listitem").filter({ has: p.getByTitle(wave, { exact: true }) }).getByText(/^Done/).waitFor();
    const versions = await getDb().select({ v: serviceVersions.version }).from(instances).innerJoin(serviceVersions, eq(serviceVersions.id, instances.versionId)).where(inArray(instances.id, ids));
    expect(versions.map((r) => r.v)).toEqual(["1.1.0", "1.1.0", "1.1.0"]);
    const timeline = targetRows(p).first().getByRole("link", { name: /^Upgrade timeline of / });
    expect(await timeline.getAttribute("href")).toMatch(/^\/admin\/workflows\/[0-9a-f-]{36}$/);
    await shot(p, "06-completed");

    await timeline.click();
    await p.waitForURL(/\/admin\/workflows\/[0-9a-f-]{36}$/);
    await p.getByRole("list", { name: "Steps" }).getByRole("listitem").first().waitFor();
    await p.goto(`${server.baseUrl}/admin/rollouts`);
    const row = p.getByRole("table", { name: "Rollouts" }).locator("tbody tr").filter({ has: p.getByRole("link", { name: "Hello Web 1.1.0" }) });
    await row.getByText("Completed", { exact: true }).waitFor();
    expect(await row.getByText("3 / 3 done").isVisible()).toBe(true);
    await shot(p, "07-list");
  });

  it("the customer reads the upgrade notice and dismisses it", async () => {
    const p = customerPage;
    await signIn(p, customer);
    await p.goto(`${server.baseUrl}${orgPath}/instances`);
    const notices = p.getByRole("region", { name: "Upgrade notices" });
    await notices.getByText("Hello Web 1.1.0 is coming to 3 instances").waitFor();
    await notices.getByText("Release notes").click();
    await notices.getByText(/^Faster cold starts/).waitFor();
    await shot(p, "08-notice");
    await notices.getByRole("button", { name: /^Dismiss: Hello Web 1\.1\.0/ }).click();
    await notices.waitFor({ state: "detached" });
    expect(await p.getByText("Hello Web 1.1.0 is coming to 3 instances").count()).toBe(0);
  });

  it("sets a weekly maintenance window in settings, which stays after a reload", async () => {
    const p = customerPage;
    await p.goto(`${server.baseUrl}${orgPath}/settings`);
    const windows = card(p, "Maintenance windows");
    await windows.getByText("No windows: rollouts may upgrade your instances at any time.").waitFor();
    await windows.getByLabel("Time zone").selectOption("Europe/Berlin");
    await windows.getByRole("button", { name: "Add window" }).click();
    const w = windows.getByRole("group", { name: "Window 1" });
    const day = dayAfterNext();
    for (const d of [6, 0]) if (d !== day) await w.getByLabel(DAY_LABELS[d]!, { exact: true }).uncheck();
    await w.getByLabel(DAY_LABELS[day]!, { exact: true }).check();
    await w.getByLabel("Start").fill("02:00");
    await w.getByLabel("Duration").selectOption("120");
    await windows.getByRole("button", { name: "Save windows" }).click();
    await windows.getByText("Maintenance windows saved.").waitFor();
    await p.reload();
    const after = card(p, "Maintenance windows").getByRole("group", { name: "Window 1" });
    await after.getByText(`${DAY_LABELS[day]} 02:00–04:00`).waitFor();
    expect(await card(p, "Maintenance windows").getByLabel("Time zone").inputValue()).toBe("Europe/Berlin");
    await shot(p, "09-settings-windows", card(p, "Maintenance windows"));
  });

  it("an instance page shows its version; a mandatory 1.2.0 waits for the window, is deferred, then upgraded now", async () => {
    const p = customerPage;
    await p.goto(`${server.baseUrl}${orgPath}/instances/${ids[0]}`);
    const version = card(p, "Version");
    await version.getByText("Hello Web 1.1.0", { exact: true }).waitFor();
    await version.getByText("Up to date: no upgrade is pending.").waitFor();
    await shot(p, "10-instance-version");

    const deadline = new Date(Date.now() + 2 * 86_400_000);
    const next = await publish("1.2.0", { mandatory: true, deadlineAt: deadline });
    const created = await platform.rollouts.create({ versionId: next.id, target: { orgIds: [orgId] }, waves: { canary: { count: 1 }, percents: [100] }, soakSeconds: 0, respectMaintenanceWindows: true });
    await waitFor(
      "every target to wait for the window",
      async () => (await platform.rollouts.get({ rolloutId: created.id })).targets.every((t) => t.status === "scheduled"),
      TIMEOUT,
      250,
    );
    await version.getByText("1.2.0", { exact: true }).waitFor({ timeout: 30_000 });
    await version.getByText(/^Scheduled for .*your next maintenance window\.$/).waitFor();
    expect(await version.getByText("Security patch", { exact: true }).isVisible()).toBe(true);
    await shot(p, "11-instance-pending");
    await shot(p, "11b-version-card", version);

    await version.getByRole("button", { name: "Defer" }).click();
    await version.getByText(/^Deferred until .*regardless of maintenance windows\.$/).waitFor();
    await version.getByRole("button", { name: "Upgrade now" }).click();
    await p.getByRole("dialog", { name: /^Upgrade shop-web to 1\.2\.0 now\?/ }).getByRole("button", { name: "Upgrade now" }).click();
    await version.getByText("Hello Web 1.2.0", { exact: true }).waitFor({ timeout: TIMEOUT });
    await version.getByText("Up to date: no upgrade is pending.").waitFor({ timeout: 30_000 });
    await shot(p, "12-instance-upgraded");
    const detail = await platform.rollouts.get({ rolloutId: created.id });
    expect(detail.targets.find((t) => t.instance_id === ids[0])!.status).toBe("done");
    expect(detail.targets.filter((t) => t.instance_id !== ids[0]).every((t) => t.status === "scheduled")).toBe(true);
    await platform.rollouts.abort({ rolloutId: created.id });
    expect(pageErrors).toEqual([]);
    expect(rolloutId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
