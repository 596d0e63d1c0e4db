// Browser test of Usage & billing against the built app, a Stripe emulator, kubesim and in-process workers (workflows,
// billing, Stripe events): a customer subscribes through the emulator's hosted Checkout, sees usage charts and the
// per-instance table, a failed renewal shows the payment-failed banner to every member, the grace period ends in
// suspension, paying the open invoice makes the organization Active again; platform staff see usage and revenue.
// Screenshots go to /tmp/shots/billing-*.png.
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Worker } from "bullmq";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type Locator, type Page } from "playwright-core";
import { getDb } from "@/db/client";
import { billingAccounts, plans, services, users, type MeterKey } from "@/db/schema";
import { seedDemo } from "@/db/seed";
import { startKubesim, type Kubesim } from "@/kubesim/index";
import { createUserWithPassword } from "@/server/auth/users";
import { planExports, sendPendingExports } from "@/server/billing/export-usage";
import { syncStripeCatalog } from "@/server/billing/stripe-catalog";
import { resetStripeClient } from "@/server/billing/stripe-client";
import { enforceGracePeriods } from "@/server/billing/suspension";
import { resetEnvCache } from "@/server/env";
import { closeQueues } from "@/server/jobs/queues";
import { ingestUsageEvents, type UsageEvent } from "@/server/metering/ingest-usage";
import { invalidatePlacementView } from "@/server/placement/reserve-placement";
import { startStripeEmulator, type StripeEmulator } from "@/stripe-emulator";
import { billingProcessor, stripeEventsProcessor } from "@/workers/processors/billing";
import { workflowStepsProcessor } from "@/workers/processors/workflows";
import { startWorkers } from "@/workers/start-workers";
import { tokenOf, userCaller, type Caller } from "../helpers/callers";
import { FAST_TIMERS, waitFor } from "../integration/kubesim/helpers";
import { startAppServer, type AppServer } from "./app-server";

const CHROMIUM = "/usr/bin/chromium";
const root = process.cwd();
const resultsDir = path.join(root, "test-results");
const shotsDir = "/tmp/shots";

const CLUSTER = "e2e-billing";
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const admin = { name: "Pat Platform", email: "pat@fleetplane.test", password: "platform-admin-password" };
const customer = { name: "Nora Northwind", email: "nora@northwind.test", password: "customer-long-password" };
const viewer = { name: "Vic Viewer", email: "vic@northwind.test", password: "viewer-long-password" };
const orgName = "Northwind Analytics";

let sim: Kubesim;
let stripe: StripeEmulator;
let workers: Worker[] = [];
let server: AppServer;
let browser: Browser;
let page: Page;
let viewerPage: Page;
let owner: Caller;
let orgId = "";
let orgPath = "";
const planIds: Record<string, string> = {};
const instanceIds: Record<string, string> = {};
const pageErrors: string[] = [];

async function shot(p: Page, step: string): Promise<void> {
  await p.evaluate(() => window.scrollTo(0, 0));
  await p.screenshot({ path: path.join(shotsDir, `billing-${step}.png`), fullPage: true });
}

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const p = await context.newPage();
  p.setDefaultTimeout(20_000);
  p.on("pageerror", (err) => pageErrors.push(err.message));
  return p;
}

async function signIn(p: Page, who: { email: string; password: string }): Promise<void> {
  await p.goto(`${server.baseUrl}/sign-in`);
  await p.getByLabel("Email", { exact: true }).fill(who.email);
  await p.getByLabel("Password", { exact: true }).fill(who.password);
  await p.getByRole("button", { name: "Sign in" }).click();
  await p.waitForURL((url) => !url.pathname.startsWith("/sign-in"));
}

/** The status badge next to "Subscription". */
function subscriptionStatus(p: Page, label: string): Locator {
  return p.getByRole("heading", { level: 2, name: /^Subscription/ }).getByText(label, { exact: true });
}

function banner(p: Page, text: RegExp): Locator {
  return p.getByRole("alert").filter({ hasText: text });
}

async function overview() {
  return owner.billing.overview({ orgId });
}

/** Usage for past days (not billable, so never exported): a working-week shape, lower at weekends. */
function history(instanceId: string, perDay: Partial<Record<MeterKey, number>>, days: number): UsageEvent[] {
  const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
  const events: UsageEvent[] = [];
  for (let d = 1; d <= days; d++) {
    const day = new Date(today - d * DAY_MS);
    const weekend = day.getUTCDay() === 0 || day.getUTCDay() === 6;
    const factor = (weekend ? 0.45 : 0.8) + ((d * 37) % 11) / 50;
    for (const [meter, q] of Object.entries(perDay) as [MeterKey, number][]) {
      events.push({
        key: `e2e-history-${instanceId}-${meter}-${d}`,
        orgId,
        instanceId,
        meter,
        hour: new Date(day.getTime() + 12 * HOUR_MS),
        quantityMicro: BigInt(Math.round(q * factor * 1e6)),
        billable: false,
      });
    }
  }
  return events;
}

describe("usage and billing in the portal", () => {
  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (the tests never download a browser)`);
    fs.mkdirSync(shotsDir, { recursive: true });
    // This process (workers, domain calls) and the app talk to one emulator; the app's webhook URL is set once it runs.
    stripe = await startStripeEmulator({ port: 0, webhookSecret: `whsec_e2e${randomUUID().replace(/-/g, "")}` });
    const stripeEnv = { STRIPE_SECRET_KEY: stripe.apiKey, STRIPE_API_URL: stripe.url, STRIPE_WEBHOOK_SECRET: stripe.webhookSecret };
    Object.assign(process.env, stripeEnv);
    resetEnvCache();
    resetStripeClient();

    sim = await startKubesim({
      clusters: [{ name: CLUSTER, region: "eu-west-1", nodeCount: 3, nodeShape: { cpu: "8", memory: "32Gi", pods: 110 } }],
      podStartDelayMs: 100,
      timers: FAST_TIMERS,
    });
    const db = getDb();
    await seedDemo(db);
    for (const p of await db.select({ id: plans.id, slug: plans.slug, service: services.slug }).from(plans).innerJoin(services, eq(services.id, plans.serviceId))) {
      planIds[`${p.service}/${p.slug}`] = p.id;
    }
    const staff = await createUserWithPassword(db, admin);
    await db.update(users).set({ platformRole: "platform_admin" }).where(eq(users.id, staff.id));
    const platform = await userCaller(staff.id);
    const c = sim.clusters[0]!;
    await platform.clusters.register({ name: c.name, region: c.region, kubeconfig: c.kubeconfigYaml });
    invalidatePlacementView();
    await syncStripeCatalog(db);
    workers = await startWorkers([workflowStepsProcessor, billingProcessor, stripeEventsProcessor]);

    server = await startAppServer(root, path.join(resultsDir, "e2e-billing-server.log"), { env: stripeEnv });
    await stripe.admin.configureWebhooks({ url: `${server.baseUrl}/api/webhooks/stripe` });
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
    await stripe?.stop();
  });

  it("a new customer with a free instance opens Usage & billing: not subscribed, usage charted", async () => {
    await page.goto(`${server.baseUrl}/sign-up`);
    await page.getByLabel("Name", { exact: true }).fill(customer.name);
    await page.getByLabel("Email", { exact: true }).fill(customer.email);
    await page.getByLabel("Password", { exact: true }).fill(customer.password);
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL(/\/onboarding$/);
    await page.getByLabel("Organization name").fill(orgName);
    await page.getByRole("button", { name: "Create organization" }).click();
    await page.waitForURL(/\/instances$/);
    orgPath = new URL(page.url()).pathname.replace(/\/instances$/, "");

    const db = getDb();
    const [me] = await db.select().from(users).where(eq(users.email, customer.email));
    owner = await userCaller(me!.id);
    orgId = (await owner.auth.me()).organizations[0]!.id;
    const landing = await owner.instances.create({ orgId, planId: planIds["hello-web/free"]!, name: "landing" });
    instanceIds.landing = landing.id;
    await ingestUsageEvents(db, history(landing.id, { vcpu_seconds: 0.1 * 86_400, memory_gib_seconds: 0.125 * 86_400, requests: 40_000 }, 10));

    await page.getByRole("link", { name: "Usage & billing" }).click();
    await page.waitForURL(new RegExp(`${orgPath}/usage$`));
    await subscriptionStatus(page, "Not subscribed").waitFor();
    await page.getByRole("button", { name: "Subscribe" }).waitFor();
    expect(await page.getByRole("button", { name: "Manage billing" }).count()).toBe(0);
    await page.getByRole("table", { name: "Usage per instance" }).getByRole("row").filter({ hasText: "landing" }).getByText("Free", { exact: true }).first().waitFor();
    await page.getByRole("heading", { name: "No invoices yet" }).waitFor();
    await shot(page, "01-not-subscribed");
  });

  it("subscribes on the emulator's hosted Checkout and comes back Active", async () => {
    await page.getByRole("button", { name: "Subscribe" }).click();
    await page.waitForURL((url) => url.href.startsWith(`${stripe.url}/checkout/`));
    await page.getByRole("button", { name: "Pay", exact: true }).waitFor();
    await shot(page, "02-checkout");
    await page.getByRole("button", { name: "Pay", exact: true }).click();
    await page.waitForURL(new RegExp(`${orgPath}/usage\\?checkout=success`));
    await subscriptionStatus(page, "Active").waitFor({ timeout: 30_000 });
    await page.getByText("You are subscribed.").waitFor();
    await page.getByRole("button", { name: "Manage billing" }).waitFor();
    expect(await page.getByRole("button", { name: "Subscribe" }).count()).toBe(0);
    // Checkout's own first invoice (usage is billed in arrears, so nothing is due today).
    await page.getByRole("table", { name: "Invoices" }).getByText("Paid", { exact: true }).first().waitFor();
    await shot(page, "03-active");
  });

  it("charts usage per day by meter and lists it per instance with the estimated cost", async () => {
    const db = getDb();
    const shop = await owner.instances.create({ orgId, planId: planIds["hello-web/standard"]!, name: "shop-api" });
    instanceIds.shop = shop.id;
    await ingestUsageEvents(db, history(shop.id, { vcpu_seconds: 86_400, memory_gib_seconds: 86_400, requests: 450_000 }, 18));
    // One billable hour inside the subscription's period, sent to Stripe's meter: the renewal invoice has an amount.
    const t0 = await stripe.admin.now();
    await stripe.admin.advanceClock(3 * 3600);
    const hour = new Date((Math.floor(t0 / 3600) + 1) * HOUR_MS);
    const billable = (meter: MeterKey, q: number): UsageEvent => ({ key: `e2e-period-${shop.id}-${meter}`, orgId, instanceId: shop.id, meter, hour, quantityMicro: BigInt(q * 1e6) });
    await ingestUsageEvents(db, [billable("vcpu_seconds", 7_200), billable("memory_gib_seconds", 7_200), billable("requests", 120_000)]);
    expect(await planExports(db, new Date((t0 + 3 * 3600) * 1000))).toBeGreaterThan(0);
    expect((await sendPendingExports(db)).failed).toBe(0);

    const perInstance = page.getByRole("table", { name: "Usage per instance" });
    // Polling brings the new instance in without a reload.
    await perInstance.getByRole("row").filter({ hasText: "shop-api" }).waitFor({ timeout: 30_000 });
    await page.getByLabel("Period").selectOption("30d");
    const chart = page.getByRole("figure", { name: "Estimated cost per day, by meter" });
    await chart.waitFor();
    await waitFor("30 days of columns", async () => (await chart.locator("tbody tr").count()) >= 30, 20_000, 250);
    const shopRow = perInstance.getByRole("row").filter({ hasText: "shop-api" });
    await shopRow.getByText(/^\$\d+\.\d\d$/).waitFor();
    expect(await page.getByText("Base prices of paid plans are not included").isVisible()).toBe(true);
    await chart.locator("div.group").nth(25).hover();
    await shot(page, "04-usage-30-days");
  });

  it("a failed renewal payment shows an open invoice and the payment-failed banner", async () => {
    const db = getDb();
    const [acc] = await db.select().from(billingAccounts).where(eq(billingAccounts.orgId, orgId));
    await stripe.admin.setPaymentBehavior(acc!.stripeCustomerId!, "fail_next");
    await stripe.admin.advanceClock(32 * 86_400);
    await stripe.admin.flushWebhooks();
    await waitFor("the account to be past due", async () => (await overview()).status === "past_due", 30_000, 250);

    await page.goto(`${server.baseUrl}${orgPath}/usage`);
    await subscriptionStatus(page, "Payment failed").waitFor();
    const invoices = page.getByRole("table", { name: "Invoices" });
    const open = invoices.getByRole("row").filter({ has: page.getByText("Open", { exact: true }) });
    await open.waitFor();
    expect(await open.getByRole("link", { name: /^PDF/ }).getAttribute("href")).toMatch(/\/pdf$/);
    expect(await open.getByRole("link", { name: /^Pay/ }).getAttribute("href")).toContain(`${stripe.url}/invoices/`);
    expect(await open.getByRole("cell").nth(2).textContent()).toMatch(/^\$(?!0\.00)\d+\.\d\d/);
    await shot(page, "05-payment-failed-usage");

    await page.getByRole("link", { name: "Instances", exact: true }).click();
    await page.waitForURL(new RegExp(`${orgPath}/instances$`));
    const failed = banner(page, /Payment failed — update your payment method before .+ or your instances will be stopped/);
    await failed.waitFor();
    await failed.getByRole("link", { name: "Go to Usage & billing" }).waitFor();
    await shot(page, "06-payment-failed-banner");
  });

  it("a viewer sees the banner too, and usage without subscription details or buttons", async () => {
    const { link } = await owner.invitations.create({ orgId, email: viewer.email, role: "viewer" });
    const v = await createUserWithPassword(getDb(), viewer);
    await (await userCaller(v.id)).invitations.accept({ token: tokenOf(link) });
    viewerPage = await newPage();
    await signIn(viewerPage, viewer);
    await viewerPage.goto(`${server.baseUrl}${orgPath}/usage`);
    await banner(viewerPage, /Payment failed — update your payment method/).waitFor();
    await subscriptionStatus(viewerPage, "Payment failed").waitFor();
    await viewerPage.getByRole("heading", { name: "Usage per instance" }).waitFor();
    expect(await viewerPage.getByRole("button", { name: /Subscribe|Manage billing/ }).count()).toBe(0);
    expect(await viewerPage.getByRole("table", { name: "Invoices" }).count()).toBe(0);
    await shot(viewerPage, "07-viewer");
  });

  it("after the grace period the organization is suspended and every member is told", async () => {
    const { graceUntil } = await overview();
    expect(graceUntil).toBeInstanceOf(Date);
    expect(await enforceGracePeriods(getDb(), new Date(graceUntil!.getTime() + 1000))).toEqual([orgId]);
    await page.goto(`${server.baseUrl}${orgPath}/instances`);
    const suspended = banner(page, /Suspended for non-payment — instances are stopped; pay the open invoice to resume/);
    await suspended.waitFor();
    await shot(page, "08-suspended-banner");
    await suspended.getByRole("link", { name: "Go to Usage & billing" }).click();
    await page.waitForURL(new RegExp(`${orgPath}/usage$`));
    await subscriptionStatus(page, "Suspended").waitFor();
    await page.getByRole("link", { name: "Pay the open invoice" }).waitFor();
    await shot(page, "09-suspended-usage");
    await viewerPage.reload();
    await banner(viewerPage, /Suspended for non-payment/).waitFor();
  });

  it("paying the open invoice makes the subscription Active again and the banner goes", async () => {
    const open = (await overview()).invoices.find((i) => i.status === "open");
    expect(open).toBeDefined();
    await stripe.admin.payInvoice(open!.id);
    await stripe.admin.flushWebhooks();
    // Polling picks the change up on the open page.
    await subscriptionStatus(page, "Active").waitFor({ timeout: 30_000 });
    await page.getByRole("table", { name: "Invoices" }).getByText("Open", { exact: true }).waitFor({ state: "detached" });
    await shot(page, "10-active-again");
    await page.getByRole("link", { name: "Instances", exact: true }).click();
    await page.waitForURL(new RegExp(`${orgPath}/instances$`));
    await page.getByRole("link", { name: "shop-api", exact: true }).waitFor();
    expect(await banner(page, /Suspended|Payment failed/).count()).toBe(0);
    await viewerPage.reload();
    await viewerPage.getByRole("heading", { name: "Usage per instance" }).waitFor();
    expect(await banner(viewerPage, /Suspended|Payment failed/).count()).toBe(0);
  });

  it("platform staff see usage and revenue per organization and plan in the provider console", async () => {
    const staffPage = await newPage();
    await signIn(staffPage, admin);
    await staffPage.goto(`${server.baseUrl}/admin`);
    await staffPage.getByRole("navigation", { name: "Provider console" }).getByRole("link", { name: "Billing" }).click();
    await staffPage.waitForURL(/\/admin\/billing$/);
    await staffPage.getByLabel("Period").selectOption("30d");
    const orgRow = staffPage.getByRole("table", { name: "Usage and revenue per organization" }).getByRole("row").filter({ hasText: orgName });
    await orgRow.getByText("Active", { exact: true }).waitFor();
    await staffPage.getByRole("list", { name: "Top organizations by estimated usage cost" }).getByText(orgName).waitFor();
    await staffPage.getByRole("table", { name: "Usage per plan" }).getByText("Hello Web Standard").waitFor();
    await shot(staffPage, "11-admin-billing");
    expect(pageErrors).toEqual([]);
  });
});
