// Browser test of the portal against the built app: sign up, create an organization, invite a member who accepts
// in a second browser context, change their role; a wrong password shows its error. Screenshots go to test-results/screenshots.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { startAppServer, type AppServer } from "./app-server";

const CHROMIUM = "/usr/bin/chromium";
const root = process.cwd();
const resultsDir = path.join(root, "test-results");
const shotsDir = path.join(resultsDir, "screenshots");

const owner = { name: "Olivia Owner", email: "olivia@acme.test", password: "correct-horse-battery" };
const invitee = { name: "Ivan Invitee", email: "ivan@acme.test", password: "another-long-password" };
const orgName = "Acme Robotics";

let server: AppServer;
let browser: Browser;
let ownerPage: Page;
let orgPath = "";
let invitationLink = "";

async function shot(page: Page, step: string): Promise<void> {
  await page.screenshot({ path: path.join(shotsDir, `${step}.png`), fullPage: true });
}

async function newPage(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  return { context, page };
}

describe("portal in a browser", () => {
  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (the tests never download a browser)`);
    fs.mkdirSync(shotsDir, { recursive: true });
    server = await startAppServer(root, path.join(resultsDir, "e2e-server.log"));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    ownerPage = (await newPage()).page;
  });

  afterAll(async () => {
    await browser?.close().catch(() => {});
    await server?.stop();
  });

  it("sends a visitor to sign in, then the owner signs up (field errors first) and lands on onboarding", async () => {
    const page = ownerPage;
    await page.goto(`${server.baseUrl}/`);
    await page.waitForURL(/\/sign-in\?callbackUrl=/);
    await expect(page.getByRole("heading", { name: "Sign in" }).isVisible()).resolves.toBe(true);
    await shot(page, "01-sign-in");

    await page.getByRole("link", { name: "Create one" }).click();
    await page.waitForURL(/\/sign-up/);
    await page.getByLabel("Name", { exact: true }).fill(owner.name);
    await page.getByLabel("Email", { exact: true }).fill(owner.email);
    await page.getByLabel("Password", { exact: true }).fill("short");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByText("Must be at least 10 characters").waitFor();
    await shot(page, "02-sign-up-field-error");

    await page.getByLabel("Password", { exact: true }).fill(owner.password);
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL(/\/onboarding$/);
    await page.getByRole("heading", { name: "Create your first organization" }).waitFor();
    await shot(page, "03-onboarding");
  });

  it("creates an organization and opens its portal", async () => {
    const page = ownerPage;
    await page.getByLabel("Organization name").fill(orgName);
    await page.getByRole("button", { name: "Create organization" }).click();
    await page.waitForURL(/\/o\/acme-robotics\/instances$/);
    orgPath = new URL(page.url()).pathname.replace(/\/instances$/, "");
    await page.getByText("No instances yet").waitFor();
    expect(await page.getByRole("button", { name: /Organization: Acme Robotics/ }).isVisible()).toBe(true);
    await shot(page, "04-instances");
  });

  it("invites a member and shows the invitation link", async () => {
    const page = ownerPage;
    await page.getByRole("link", { name: "Members" }).click();
    await page.waitForURL(/\/members$/);
    await page.getByLabel("Email", { exact: true }).fill(invitee.email);
    await page.getByRole("button", { name: "Send invitation" }).click();
    await page.getByText(`Invitation sent to ${invitee.email} as Member`).waitFor();
    invitationLink = await page.getByRole("textbox", { name: "Invitation link" }).inputValue();
    expect(invitationLink).toMatch(new RegExp(`^${server.baseUrl}/invite/\\S{10,}$`));
    await page.getByRole("table", { name: "Pending invitations" }).getByText(invitee.email).waitFor();
    await shot(page, "05-members-invited");
  });

  it("the invitee signs up from the link in a second browser context and accepts", async () => {
    const { context, page } = await newPage();
    try {
      await page.goto(invitationLink);
      await page.getByRole("heading", { name: orgName }).waitFor();
      await page.getByText(invitee.email).first().waitFor();
      await shot(page, "06-invitation-signed-out");

      await page.getByRole("link", { name: "Create an account" }).click();
      await page.waitForURL(/\/sign-up\?/);
      expect(await page.getByLabel("Email", { exact: true }).inputValue()).toBe(invitee.email);
      await page.getByLabel("Name", { exact: true }).fill(invitee.name);
      await page.getByLabel("Password", { exact: true }).fill(invitee.password);
      await page.getByRole("button", { name: "Create account" }).click();

      await page.waitForURL((url) => url.pathname.startsWith("/invite/"));
      await page.getByRole("button", { name: "Accept invitation" }).waitFor();
      await shot(page, "07-invitation-signed-in");
      await page.getByRole("button", { name: "Accept invitation" }).click();

      await page.waitForURL(new RegExp(`${orgPath}/instances$`));
      expect(await page.getByRole("button", { name: /Organization: Acme Robotics/ }).textContent()).toContain("Member");
      await shot(page, "08-invitee-portal");
    } finally {
      await context.close();
    }
  });

  it("the owner changes the invitee's role and the new role shows", async () => {
    const page = ownerPage;
    await page.goto(`${server.baseUrl}${orgPath}/members`);
    const roleSelect = page.getByLabel(`Role of ${invitee.email}`);
    await roleSelect.waitFor();
    expect(await roleSelect.inputValue()).toBe("member");
    await roleSelect.selectOption("admin");
    await page.getByText(`${invitee.name} is now Admin.`).waitFor();
    await shot(page, "09-role-changed");

    await page.reload();
    await page.getByLabel(`Role of ${invitee.email}`).waitFor();
    expect(await page.getByLabel(`Role of ${invitee.email}`).inputValue()).toBe("admin");
    expect(await page.getByRole("table", { name: "Pending invitations" }).count()).toBe(0);

    await page.getByRole("link", { name: "Audit log" }).click();
    await page.getByText("members.update_role", { exact: true }).first().waitFor();
    await shot(page, "10-audit-log");
  });

  it("a wrong password shows the error", async () => {
    const { context, page } = await newPage();
    try {
      await page.goto(`${server.baseUrl}/sign-in`);
      await page.getByLabel("Email", { exact: true }).fill(owner.email);
      await page.getByLabel("Password", { exact: true }).fill("not-the-password");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("alert").getByText("Email or password is wrong").waitFor();
      expect(new URL(page.url()).pathname).toBe("/sign-in");
      await shot(page, "11-sign-in-wrong-password");
    } finally {
      await context.close();
    }
  });
});
