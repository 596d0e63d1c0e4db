// Browser test of the Clusters section against the built app: a platform admin sees the empty state, then a cluster
// (inserted directly, as the capacity sync would leave it) with its utilisation; cordons it; opens its page with its
// nodes; and asks a what-if question. Screenshots go to test-results/screenshots/clusters-*.png.
import fs from "node:fs";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type Page } from "playwright-core";
import { getDb } from "@/db/client";
import { clusterNodes, clusters, plans, reservations, services, users } from "@/db/schema";
import { createUserWithPassword } from "@/server/auth/users";
import { startAppServer, type AppServer } from "./app-server";

const CHROMIUM = "/usr/bin/chromium";
const root = process.cwd();
const resultsDir = path.join(root, "test-results");
const shotsDir = path.join(resultsDir, "screenshots");

const admin = { name: "Ada Admin", email: "ada@fleetplane.test", password: "platform-admin-password" };
const clusterId = "5f0c2a8e-7d1b-4c3e-9a6f-2b8d4e1c0a97";
const instanceId = "9b3e7c41-2f6a-4d8e-b1c5-7a0f3e9d2c68";

let server: AppServer;
let browser: Browser;
let page: Page;

async function shot(step: string): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(shotsDir, `clusters-${step}.png`), fullPage: true });
}

/** A cluster as the capacity sync leaves it: three nodes (one not Ready), pods of others on each, one instance on two nodes. */
async function insertCluster(): Promise<void> {
  const db = getDb();
  await db.insert(clusters).values({
    id: clusterId,
    name: "e2e-eu",
    region: "eu-west",
    zones: ["eu-west-a", "eu-west-b", "eu-west-c"],
    kubeconfigEncrypted: "not-a-real-kubeconfig (display only)",
    serverUrl: "https://k8s.e2e-eu.example.test",
    kubernetesVersion: "v1.31.2",
    costPerNodeHourCents: 45,
    labels: { environment: "test" },
    status: "healthy",
    lastSyncedAt: new Date(),
  });
  const node = { clusterId, allocatableCpuMillis: 4000, allocatableMemoryMb: 16384, allocatablePods: 110, ready: true };
  await db.insert(clusterNodes).values([
    { ...node, name: "e2e-eu-node-1", zone: "eu-west-a", foreignCpuMillis: 1000, foreignMemoryMb: 4096, foreignPods: 10, conditions: [{ type: "Ready", status: "True", reason: "KubeletReady" }] },
    { ...node, name: "e2e-eu-node-2", zone: "eu-west-b", foreignCpuMillis: 500, foreignMemoryMb: 1024, foreignPods: 5, taints: [{ key: "dedicated", value: "batch", effect: "NoSchedule" }] },
    {
      ...node,
      name: "e2e-eu-node-3",
      zone: "eu-west-c",
      ready: false,
      foreignCpuMillis: 200,
      foreignMemoryMb: 512,
      foreignPods: 2,
      conditions: [{ type: "Ready", status: "Unknown", reason: "NodeStatusUnknown", message: "Kubelet stopped posting node status." }],
    },
  ]);
  await db.insert(reservations).values([
    { subjectId: instanceId, clusterId, nodeName: "e2e-eu-node-1", replica: 0, cpuMillis: 1000, memoryMb: 2048 },
    { subjectId: instanceId, clusterId, nodeName: "e2e-eu-node-2", replica: 1, cpuMillis: 1000, memoryMb: 2048 },
  ]);
}

describe("clusters in the provider console", () => {
  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (the tests never download a browser)`);
    fs.mkdirSync(shotsDir, { recursive: true });
    const db = getDb();
    const user = await createUserWithPassword(db, admin);
    await db.update(users).set({ platformRole: "platform_admin" }).where(eq(users.id, user.id));
    const [svc] = await db.insert(services).values({ slug: "e2e-web", name: "E2E Web", kind: "stateless" }).returning({ id: services.id });
    await db.insert(plans).values({ serviceId: svc!.id, slug: "small", name: "Small", cpuMillis: 1000, memoryMb: 2048, replicas: 1 });

    server = await startAppServer(root, path.join(resultsDir, "e2e-clusters-server.log"));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(20_000);

    await page.goto(`${server.baseUrl}/sign-in`);
    await page.getByLabel("Email", { exact: true }).fill(admin.email);
    await page.getByLabel("Password", { exact: true }).fill(admin.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL((url) => !url.pathname.startsWith("/sign-in"));
  });

  afterAll(async () => {
    await browser?.close().catch(() => {});
    await server?.stop();
  });

  it("explains how to add a cluster while there is none", async () => {
    await page.goto(`${server.baseUrl}/admin/clusters`);
    await page.getByRole("heading", { name: "No clusters yet" }).waitFor();
    expect(await page.getByText("registers the kubesim dev clusters automatically").isVisible()).toBe(true);
    await shot("01-empty");
  });

  it("shows a cluster that appears meanwhile, with its status, nodes and utilisation (refreshed without a reload)", async () => {
    await insertCluster();
    const table = page.getByRole("table", { name: "Clusters" });
    await table.getByRole("link", { name: "e2e-eu" }).waitFor(); // the list refetches every 5 s
    const row = table.getByRole("row").filter({ hasText: "e2e-eu" });
    await row.getByText("Healthy").waitFor();
    expect(await row.getByText("2 of 3 nodes Ready").isVisible()).toBe(true);
    // cpu: 1.7 vCPU of others + 2 vCPU reserved of 12; memory: 5.5 GiB + 4 GiB of 48 GiB; pods: 17 + 2 of 330.
    expect(await row.getByText("3.7 of 12 vCPU").isVisible()).toBe(true);
    expect(await row.getByText("9.5 of 48 GiB").isVisible()).toBe(true);
    expect(await row.getByText("19 of 330 pods").isVisible()).toBe(true);
    expect(await row.getByText(/CPU: 1\.7 vCPU used by other workloads, 2 vCPU reserved by Fleetplane, 8\.3 vCPU free/).count()).toBe(1);
    await shot("02-list");
  });

  it("cordons the cluster and shows the badge", async () => {
    await page.getByRole("button", { name: "Cordon e2e-eu" }).click();
    await page.getByText("e2e-eu is cordoned").waitFor();
    const row = page.getByRole("table", { name: "Clusters" }).getByRole("row").filter({ hasText: "e2e-eu" });
    await row.getByText("Cordoned", { exact: true }).waitFor();
    await row.getByRole("button", { name: "Uncordon e2e-eu" }).waitFor();
    const [stored] = await getDb().select({ cordoned: clusters.cordoned }).from(clusters).where(eq(clusters.id, clusterId));
    expect(stored?.cordoned).toBe(true);
    await shot("03-cordoned");
  });

  it("opens the cluster page with its nodes, their state and the instance on them", async () => {
    await page.getByRole("link", { name: "e2e-eu" }).click();
    await page.waitForURL(new RegExp(`/admin/clusters/${clusterId}$`));
    const nodes = page.getByRole("table", { name: "Nodes" });
    await nodes.waitFor();
    for (const name of ["e2e-eu-node-1", "e2e-eu-node-2", "e2e-eu-node-3"]) await nodes.getByText(name, { exact: true }).waitFor();
    expect(await page.getByRole("heading", { level: 1 }).getByText("Cordoned").isVisible()).toBe(true);
    const node1 = nodes.getByRole("row").filter({ hasText: "e2e-eu-node-1" });
    expect(await node1.getByTitle(instanceId).textContent()).toContain(instanceId.slice(0, 8));
    expect(await node1.getByText("2 of 4 vCPU").isVisible()).toBe(true);
    const node3 = nodes.getByRole("row").filter({ hasText: "e2e-eu-node-3" });
    expect(await node3.getByText("Not ready").isVisible()).toBe(true);
    await page.getByRole("button", { name: "Details of e2e-eu-node-3" }).click();
    await page.getByText("Kubelet stopped posting node status.").waitFor();
    await shot("04-cluster");
  });

  it("answers a what-if question in plain words", async () => {
    await page.goto(`${server.baseUrl}/admin/clusters/planning`);
    await page.getByRole("heading", { name: "What if" }).waitFor();
    await page.getByLabel("Plan").selectOption({ label: "Small — 1 vCPU / 2 GiB" });
    await page.getByLabel("Instances").fill("3");
    await page.getByLabel("vCPU per node").fill("8");
    await page.getByLabel("Memory per node (GiB)").fill("32");
    await page.getByRole("button", { name: "Ask" }).click();
    // The only cluster is cordoned: nothing fits, and the missing node goes to a new cluster.
    await page.getByText("None of the 3 fit; add 1 node of 8 vCPU / 32 GiB to a new cluster.").waitFor();
    await page.getByRole("heading", { name: "Rebalancing" }).waitFor();
    await shot("05-planning");
  });
});
