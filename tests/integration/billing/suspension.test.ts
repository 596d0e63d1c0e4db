// Suspension for non-payment end to end: Checkout in the emulator, a paid instance really running in kubesim and
// billed as a subscription item, a failed renewal, the grace period, instances stopped by workflow, everything
// refused while suspended, and payment starting the instances again — each transition audited and emailed.
import type { Worker } from "bullmq";
import { and, asc, eq, like } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db/client";
import { auditLog, billingAccounts, instances, outboxEmails, plans, services, users } from "@/db/schema";
import { seedDemo } from "@/db/seed";
import { getStripe } from "@/server/billing/stripe-client";
import { syncStripeCatalog } from "@/server/billing/stripe-catalog";
import { syncSubscriptionItems } from "@/server/billing/subscription-items";
import { convergeBillingState, enforceGracePeriods } from "@/server/billing/suspension";
import { closeQueues } from "@/server/jobs/queues";
import { invalidatePlacementView } from "@/server/placement/reserve-placement";
import { startKubesim, type Kubesim } from "@/kubesim/index";
import { workflowStepsProcessor } from "@/workers/processors/workflows";
import { startWorkers } from "@/workers/start-workers";
import { clientsFor, FAST_TIMERS, waitFor } from "../kubesim/helpers";
import { expectTRPCError, signUpWithOrg, userCaller, type Caller } from "../../helpers/callers";
import { startTestStripe, type TestStripe } from "../../helpers/stripe";

let sim: Kubesim;
let stripe: TestStripe;
let workers: Worker[] = [];
let owner: Caller;
let ownerEmail = "";
let orgId = "";
const planIds: Record<string, string> = {};

beforeAll(async () => {
  stripe = await startTestStripe();
  sim = await startKubesim({
    clusters: [{ name: "bill-eu", region: "eu-west-1", nodeCount: 2, nodeShape: { cpu: "8", memory: "32Gi", pods: 110 } }],
    podStartDelayMs: 20,
    timers: FAST_TIMERS,
  });
  const db = getDb();
  await seedDemo(db);
  for (const p of await db.select({ id: plans.id, slug: plans.slug, service: services.slug }).from(plans).innerJoin(services, eq(services.id, plans.serviceId))) {
    planIds[`${p.service}/${p.slug}`] = p.id;
  }
  await syncStripeCatalog(db);
  const admin = await signUpWithOrg("Platform");
  await db.update(users).set({ platformRole: "platform_admin" }).where(eq(users.id, admin.owner.userId));
  const platform = await userCaller(admin.owner.userId);
  for (const c of sim.clusters) await platform.clusters.register({ name: c.name, region: c.region, kubeconfig: c.kubeconfigYaml });
  invalidatePlacementView();
  const customer = await signUpWithOrg("Late Payer");
  owner = customer.owner.caller;
  ownerEmail = customer.owner.email;
  orgId = customer.orgId;
  workers = await startWorkers([workflowStepsProcessor], { schedules: false });
}, 60_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.close()));
  await closeQueues();
  await sim?.stop();
  await stripe?.stop();
});

async function waitForState(instanceId: string, state: string, timeoutMs = 25_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const i = await owner.instances.get({ orgId, instanceId });
    if (i.observedState === "failed" && state !== "failed") throw new Error(`instance failed: ${i.statusMessage}`);
    if (i.observedState === state && !i.runs.some((r) => ["running", "queued", "cancelling", "paused"].includes(r.status))) return i;
    if (Date.now() > deadline) throw new Error(`instance is ${i.observedState} (${i.statusMessage}), expected ${state}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const account = async () => (await getDb().select().from(billingAccounts).where(eq(billingAccounts.orgId, orgId)))[0]!;
const instanceRow = async (id: string) => (await getDb().select().from(instances).where(eq(instances.id, id)))[0]!;
const billingAudit = async () =>
  (await getDb().select({ action: auditLog.action }).from(auditLog).where(and(eq(auditLog.orgId, orgId), like(auditLog.action, "billing.%"))).orderBy(asc(auditLog.id))).map((r) => r.action);
const mailSubjects = async () => (await getDb().select().from(outboxEmails).where(eq(outboxEmails.to, ownerEmail)).orderBy(asc(outboxEmails.createdAt))).map((m) => m.subject);

async function pods(instanceId: string) {
  const row = await instanceRow(instanceId);
  const i = await owner.instances.get({ orgId, instanceId });
  return (await clientsFor(sim, i.clusterName!).core.listNamespacedPod({ namespace: row.namespace })).items;
}

async function planItems() {
  const sub = await getStripe().subscriptions.retrieve((await account()).stripeSubscriptionId!);
  const price = (await getDb().select().from(plans).where(eq(plans.id, planIds["hello-web/standard"]!)))[0]!.stripePriceId;
  return sub.items.data.filter((i) => i.price.id === price).map((i) => i.quantity);
}

describe("suspension for non-payment", () => {
  let id = "";

  it("subscribes through Checkout and bills a paid instance as a subscription item", async () => {
    const { url } = await owner.billing.checkout({ orgId });
    await stripe.emulator.admin.completeCheckout(url.split("/").pop()!);
    expect(await stripe.emulator.admin.flushWebhooks()).toBe(true);
    expect((await account()).status).toBe("active");

    const created = await owner.instances.create({ orgId, planId: planIds["hello-web/standard"]!, name: "shop", region: "eu-west-1" });
    id = created.id;
    await waitForState(id, "running");
    expect(await planItems()).toEqual([]);
    expect(await syncSubscriptionItems(getDb(), orgId)).toBe(true);
    expect(await planItems()).toEqual([1]);
    expect(await syncSubscriptionItems(getDb(), orgId)).toBe(false); // nothing changed since
  });

  it("goes past due when the renewal fails, keeps running during the grace period", async () => {
    const acc = await account();
    await stripe.emulator.admin.setPaymentBehavior(acc.stripeCustomerId!, "fail_next");
    await stripe.emulator.admin.advanceClock(32 * 86_400);
    expect(await stripe.emulator.admin.flushWebhooks()).toBe(true);
    const pastDue = await account();
    expect(pastDue).toMatchObject({ status: "past_due", subscriptionStatus: "past_due" });
    expect(pastDue.graceUntil).toBeInstanceOf(Date);
    expect(await enforceGracePeriods(getDb(), new Date(pastDue.graceUntil!.getTime() - 1000))).toEqual([]);
    expect((await owner.instances.get({ orgId, instanceId: id })).observedState).toBe("running");
    // Paid plans stay available while the customer fixes the payment.
    expect(await billingAudit()).toEqual(["billing.checkout_started", "billing.active", "billing.past_due"]);
  });

  it("suspends after the grace period: instances stopped by workflow, pods gone, start and create refused", async () => {
    const graceUntil = (await account()).graceUntil!;
    expect(await enforceGracePeriods(getDb(), new Date(graceUntil.getTime() + 1000))).toEqual([orgId]);
    expect(await enforceGracePeriods(getDb(), new Date(graceUntil.getTime() + 2000))).toEqual([]); // once
    expect((await account()).status).toBe("suspended");
    const stopped = await waitForState(id, "stopped");
    expect(stopped.desiredState).toBe("stopped");
    expect((await instanceRow(id)).stoppedForBilling).toBe(true);
    await waitFor("pods gone", async () => (await pods(id)).length === 0, 15_000);

    await expectTRPCError(owner.instances.start({ orgId, instanceId: id }), "PAYMENT_REQUIRED", /suspended/);
    await expectTRPCError(owner.instances.create({ orgId, planId: planIds["hello-web/free"]!, name: "free-one" }), "PAYMENT_REQUIRED", /suspended/);
    await expectTRPCError(owner.instances.create({ orgId, planId: planIds["hello-web/standard"]!, name: "paid-two" }), "PAYMENT_REQUIRED", /suspended/);
    // A second convergence pass changes nothing.
    expect(await convergeBillingState(getDb(), orgId)).toEqual({ stopped: 0, started: 0 });
    expect(await billingAudit()).toEqual(["billing.checkout_started", "billing.active", "billing.past_due", "billing.suspended"]);
    const stopAudit = await getDb().select().from(auditLog).where(and(eq(auditLog.orgId, orgId), eq(auditLog.action, "instances.stop")));
    expect(stopAudit.map((a) => [a.actorType, a.targetId])).toEqual([["system", id]]);
  });

  it("resumes when the open invoice is paid: active, and the instance runs again", async () => {
    const overview = await owner.billing.overview({ orgId });
    const open = overview.invoices.find((i) => i.status === "open");
    expect(open).toBeDefined();
    await stripe.emulator.admin.payInvoice(open!.id);
    expect(await stripe.emulator.admin.flushWebhooks()).toBe(true);
    expect(await account()).toMatchObject({ status: "active", subscriptionStatus: "active", graceUntil: null, paymentFailedAt: null, suspendedAt: null });
    const running = await waitForState(id, "running");
    expect(running.observedReplicas).toBe(2);
    expect((await instanceRow(id)).stoppedForBilling).toBe(false);
    expect((await pods(id)).length).toBe(2);
    expect((await owner.billing.overview({ orgId })).invoices.find((i) => i.id === open!.id)!.status).toBe("paid");
    expect(await planItems()).toEqual([1]);

    expect(await billingAudit()).toEqual(["billing.checkout_started", "billing.active", "billing.past_due", "billing.suspended", "billing.active"]);
    expect((await mailSubjects()).filter((s) => !/verify|welcome|sign/i.test(s))).toEqual([
      "Your Fleetplane subscription is active",
      "Payment failed: action needed",
      "Your organization is suspended for non-payment",
      "Payment received: your instances are starting again",
    ]);
  });

  it("bills the plan item again on a new subscription after the old one was cancelled", async () => {
    const first = (await account()).stripeSubscriptionId!;
    await getStripe().subscriptions.cancel(first);
    expect(await stripe.emulator.admin.flushWebhooks()).toBe(true);
    expect((await account()).status).toBe("canceled");
    const { url } = await owner.billing.checkout({ orgId });
    await stripe.emulator.admin.completeCheckout(url.split("/").pop()!);
    expect(await stripe.emulator.admin.flushWebhooks()).toBe(true);
    const again = await account();
    expect(again.status).toBe("active");
    expect(again.stripeSubscriptionId).not.toBe(first);
    // Same instances as before, but a subscription that has never had the plan item.
    expect(await syncSubscriptionItems(getDb(), orgId)).toBe(true);
    expect(await planItems()).toEqual([1]);
  });
});
