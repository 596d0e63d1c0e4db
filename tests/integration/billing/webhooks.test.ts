// Stripe webhooks against the emulator: signatures are checked before anything is stored, an event is stored and
// processed once however often it arrives, and duplicated + reordered delivery ends in the same account state as
// in-order delivery.
import { and, asc, eq, inArray, like } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as webhookRoute } from "@/app/api/webhooks/stripe/route";
import { getDb } from "@/db/client";
import { auditLog, billingAccounts, billingInvoices, outboxEmails, stripeEvents } from "@/db/schema";
import { seedDemo } from "@/db/seed";
import { ensureStripeCustomer, type BillingAccount } from "@/server/billing/billing-accounts";
import { nextAccountStatus } from "@/server/billing/account-sync";
import { processStripeEvent, receiveStripeWebhook } from "@/server/billing/stripe-webhooks";
import { getStripe } from "@/server/billing/stripe-client";
import { syncStripeCatalog } from "@/server/billing/stripe-catalog";
import { DomainError } from "@/server/errors/domain-error";
import { closeQueues } from "@/server/jobs/queues";
import { signPayload } from "@/stripe-emulator/webhooks";
import { expectTRPCError, signUpWithOrg, type Caller } from "../../helpers/callers";
import { startTestStripe, type TestStripe } from "../../helpers/stripe";

let stripe: TestStripe;
const DAY = 86_400;

beforeAll(async () => {
  stripe = await startTestStripe();
  const db = getDb();
  await seedDemo(db);
  await syncStripeCatalog(db);
  await stripe.emulator.admin.flushWebhooks();
}, 60_000);

afterAll(async () => {
  await closeQueues();
  await stripe?.stop();
});

const storedEvents = () => getDb().select().from(stripeEvents);

function fakeEvent(id: string, type = "customer.created") {
  return JSON.stringify({ id, object: "event", type, created: Math.floor(Date.now() / 1000), livemode: false, api_version: "2026-10-28.endive", data: { object: { id: "cus_fake", object: "customer" } } });
}

async function rejection(p: Promise<unknown>): Promise<DomainError> {
  const err = await p.then(
    () => expect.fail("expected a rejection"),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DomainError);
  return err as DomainError;
}

describe("signature", () => {
  it("rejects a bad, missing or foreign signature and stores nothing", async () => {
    const db = getDb();
    const body = fakeEvent("evt_forged_1");
    const secret = process.env.STRIPE_WEBHOOK_SECRET!;
    expect((await rejection(receiveStripeWebhook(db, body, null))).code).toBe("UNAUTHORIZED");
    expect((await rejection(receiveStripeWebhook(db, body, "t=1,v1=deadbeef"))).code).toBe("UNAUTHORIZED");
    expect((await rejection(receiveStripeWebhook(db, body, signPayload(body, "whsec_someone_else")))).code).toBe("UNAUTHORIZED");
    // Signed correctly, but for another body.
    expect((await rejection(receiveStripeWebhook(db, fakeEvent("evt_forged_2"), signPayload(body, secret)))).code).toBe("UNAUTHORIZED");
    // Signed correctly, but replayed long after (Stripe's default tolerance is 300 s).
    expect((await rejection(receiveStripeWebhook(db, body, signPayload(body, secret, Math.floor(Date.now() / 1000) - 3600)))).code).toBe("UNAUTHORIZED");

    const res = await webhookRoute(new Request("http://localhost/api/webhooks/stripe", { method: "POST", body, headers: { "stripe-signature": signPayload(body, "whsec_nope") } }));
    expect(res.status).toBe(400);
    expect((await storedEvents()).filter((e) => e.id.startsWith("evt_forged"))).toEqual([]);
  });

  it("rejects what the emulator delivers with the wrong secret (Stripe retries), and stores nothing", async () => {
    const admin = stripe.emulator.admin;
    const config = await admin.getWebhookConfig();
    await admin.configureWebhooks({ secret: "whsec_rotated_elsewhere", maxAttempts: 1 });
    try {
      const customer = await getStripe().customers.create({ name: "nobody" });
      await admin.flushWebhooks();
      const deliveries = (await admin.deliveries({ type: "customer.created" })).filter((d) => !d.ok);
      expect(deliveries.length).toBeGreaterThanOrEqual(1);
      expect(deliveries.every((d) => d.status === 400)).toBe(true);
      const rows = await storedEvents();
      expect(rows.filter((r) => (r.payload as { data: { object: { id: string } } }).data.object.id === customer.id)).toEqual([]);
    } finally {
      await admin.configureWebhooks({ secret: config.secret, maxAttempts: config.maxAttempts });
    }
  });

  it("stores a correctly signed event once through the route, and says when it is a duplicate", async () => {
    const body = fakeEvent("evt_route_1", "product.created");
    const sign = () => signPayload(body, process.env.STRIPE_WEBHOOK_SECRET!);
    const first = await webhookRoute(new Request("http://localhost/api/webhooks/stripe", { method: "POST", body, headers: { "stripe-signature": sign() } }));
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ received: true, duplicate: false });
    const second = await webhookRoute(new Request("http://localhost/api/webhooks/stripe", { method: "POST", body, headers: { "stripe-signature": sign() } }));
    expect(await second.json()).toEqual({ received: true, duplicate: true });
    expect((await getDb().select().from(stripeEvents).where(eq(stripeEvents.id, "evt_route_1"))).length).toBe(1);
  });
});

type Org = { orgId: string; owner: Caller; email: string };

async function newOrg(name: string): Promise<Org> {
  const c = await signUpWithOrg(name);
  return { orgId: c.orgId, owner: c.owner.caller, email: c.owner.email };
}

async function account(orgId: string): Promise<BillingAccount> {
  const [row] = await getDb().select().from(billingAccounts).where(eq(billingAccounts.orgId, orgId));
  return row!;
}

/** What must not depend on delivery order (times differ between the two organizations; their presence must not). */
function shape(a: BillingAccount) {
  return {
    status: a.status,
    subscriptionStatus: a.subscriptionStatus,
    cancelAtPeriodEnd: a.cancelAtPeriodEnd,
    hasCustomer: a.stripeCustomerId !== null,
    hasSubscription: a.stripeSubscriptionId !== null,
    paymentFailed: a.paymentFailedAt !== null,
    grace: a.graceUntil !== null,
    suspended: a.suspendedAt !== null,
    period: a.currentPeriodStart !== null && a.currentPeriodEnd !== null,
  };
}

async function transitions(orgId: string) {
  const rows = await getDb().select({ action: auditLog.action }).from(auditLog).where(and(eq(auditLog.orgId, orgId), like(auditLog.action, "billing.%"))).orderBy(asc(auditLog.id));
  return rows.map((r) => r.action);
}

async function mails(email: string) {
  return (await getDb().select().from(outboxEmails).where(eq(outboxEmails.to, email)).orderBy(asc(outboxEmails.createdAt))).map((m) => m.subject).filter((s) => !/verify|welcome/i.test(s));
}

/** The account as Stripe has it: what every delivery order must converge to. */
async function expectMatchesStripe(orgId: string) {
  const a = await account(orgId);
  const sub = await getStripe().subscriptions.retrieve(a.stripeSubscriptionId!);
  expect(a.subscriptionStatus).toBe(sub.status);
  expect(a.currentPeriodStart!.getTime()).toBe(sub.items.data[0]!.current_period_start * 1000);
  expect(a.currentPeriodEnd!.getTime()).toBe(sub.items.data[0]!.current_period_end * 1000);
  const remote = await getStripe().invoices.list({ customer: a.stripeCustomerId!, limit: 100 });
  const local = await getDb().select().from(billingInvoices).where(eq(billingInvoices.orgId, orgId));
  expect(Object.fromEntries(local.map((i) => [i.id, [i.status, i.amountPaid, i.amountDue]]))).toEqual(Object.fromEntries(remote.data.map((i) => [i.id, [i.status, i.amount_paid, i.amount_due]])));
}

/** Checkout paid, then a renewal whose payment fails, then the open invoice paid: snapshots after each step. */
async function subscribeFailPay(org: Org) {
  const admin = stripe.emulator.admin;
  const { url } = await org.owner.billing.checkout({ orgId: org.orgId });
  await admin.completeCheckout(url.split("/").pop()!);
  expect(await admin.flushWebhooks()).toBe(true);
  const subscribed = await account(org.orgId);
  // Usage in the period, so the renewal invoice has something to charge.
  await admin.advanceClock(60);
  await getStripe().billing.meterEvents.create({ event_name: "fleetplane_vcpu_seconds", timestamp: await admin.now(), payload: { stripe_customer_id: subscribed.stripeCustomerId!, value: "360000" } });
  await admin.setPaymentBehavior(subscribed.stripeCustomerId!, "fail_next");
  await admin.advanceClock(32 * DAY);
  expect(await admin.flushWebhooks()).toBe(true);
  const failed = await account(org.orgId);
  const open = (await org.owner.billing.overview({ orgId: org.orgId })).invoices.find((i) => i.status === "open");
  expect(open, "the failed renewal invoice is open").toBeDefined();
  await admin.payInvoice(open!.id);
  expect(await admin.flushWebhooks()).toBe(true);
  const paid = await account(org.orgId);
  return { subscribed: shape(subscribed), failed: shape(failed), paid: shape(paid) };
}

describe("delivery", () => {
  let inOrder: Org;
  let expected: Awaited<ReturnType<typeof subscribeFailPay>>;

  it("stores and processes a redelivered event once", async () => {
    const db = getDb();
    inOrder = await newOrg("In Order Co");
    expected = await subscribeFailPay(inOrder);
    expect(expected.subscribed).toMatchObject({ status: "active", subscriptionStatus: "active", paymentFailed: false });
    expect(expected.failed).toMatchObject({ status: "past_due", subscriptionStatus: "past_due", paymentFailed: true, grace: true });
    expect(expected.paid).toMatchObject({ status: "active", subscriptionStatus: "active", paymentFailed: false, grace: false });
    await expectMatchesStripe(inOrder.orgId);

    const customer = (await account(inOrder.orgId)).stripeCustomerId!;
    const paidEvent = (await getStripe().events.list({ type: "invoice.paid", limit: 100 })).data.find((e) => (e.data.object as { customer: string }).customer === customer)!;
    const [before] = await db.select().from(stripeEvents).where(eq(stripeEvents.id, paidEvent.id));
    expect(before!.processedAt).toBeInstanceOf(Date);
    const receivedBefore = stripe.received.filter((id) => id === paidEvent.id).length;
    await stripe.emulator.admin.resendEvent(paidEvent.id);
    await stripe.emulator.admin.resendEvent(paidEvent.id);
    await stripe.emulator.admin.flushWebhooks();
    expect(stripe.received.filter((id) => id === paidEvent.id).length).toBe(receivedBefore + 2);
    await processStripeEvent(db, paidEvent.id);
    const rows = await db.select().from(stripeEvents).where(eq(stripeEvents.id, paidEvent.id));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.processedAt).toEqual(before!.processedAt);
    expect(await transitions(inOrder.orgId)).toEqual(["billing.checkout_started", "billing.active", "billing.past_due", "billing.active"]);
  });

  it("reaches the same state with every event duplicated and bursts reordered", async () => {
    const db = getDb();
    const admin = stripe.emulator.admin;
    const inOrderFinal = shape(await account(inOrder.orgId));
    await admin.clearDeliveries();
    await admin.configureWebhooks({ duplicateRate: 1, reorder: true, reorderWindowMs: 2_000 });
    try {
      const shuffled = await newOrg("Shuffled Co");
      const got = await subscribeFailPay(shuffled);
      expect(got).toEqual(expected);
      await expectMatchesStripe(shuffled.orgId);
      expect(await transitions(shuffled.orgId)).toEqual(await transitions(inOrder.orgId));
      expect(await mails(shuffled.email)).toEqual(await mails(inOrder.email));
      expect(await mails(shuffled.email)).toEqual(["Your Fleetplane subscription is active", "Payment failed: action needed", "Your Fleetplane subscription is active"]);

      // Every event arrived at least twice, was stored once and processed.
      const deliveries = await admin.deliveries();
      const ids = [...new Set(deliveries.map((d) => d.eventId))];
      expect(deliveries.filter((d) => d.duplicate).length).toBeGreaterThan(0);
      for (const id of ids) expect(deliveries.filter((d) => d.eventId === id && d.ok).length, id).toBeGreaterThanOrEqual(2);
      const rows = await db.select().from(stripeEvents).where(inArray(stripeEvents.id, ids));
      expect(rows).toHaveLength(ids.length);
      expect(rows.filter((r) => r.processedAt === null)).toEqual([]);
      // The delivery order really was not creation order.
      const firstSeen = deliveries.filter((d) => !d.duplicate).map((d) => d.eventId);
      const byCreation = [...rows].sort((a, b) => a.created.getTime() - b.created.getTime() || a.id.localeCompare(b.id)).map((r) => r.id);
      expect(firstSeen).not.toEqual(byCreation);
      // The organization processed in order was renewed meanwhile and is still in line with Stripe.
      expect(shape(await account(inOrder.orgId))).toEqual(inOrderFinal);
      await expectMatchesStripe(inOrder.orgId);
    } finally {
      await admin.configureWebhooks({ duplicateRate: 0, reorder: false });
    }
  });

  it("ignores events for customers it does not know, but marks them processed", async () => {
    const db = getDb();
    const body = fakeEvent("evt_unknown_customer", "invoice.paid").replace('"object":"customer"', '"object":"invoice","customer":"cus_not_ours"');
    const { id, fresh } = await receiveStripeWebhook(db, body, signPayload(body, process.env.STRIPE_WEBHOOK_SECRET!));
    expect(fresh).toBe(true);
    await processStripeEvent(db, id);
    const [row] = await db.select().from(stripeEvents).where(eq(stripeEvents.id, id));
    expect(row!.processedAt).toBeInstanceOf(Date);
  });
});


describe("customer and portal", () => {
  it("creates one Stripe customer however many callers race for it", async () => {
    const org = await newOrg("Racing Customer Co");
    const before = (await stripe.emulator.admin.state()).customers;
    const ids = await Promise.all(Array.from({ length: 6 }, () => ensureStripeCustomer(getDb(), org.orgId)));
    expect(new Set(ids).size).toBe(1);
    expect((await stripe.emulator.admin.state()).customers).toBe(before + 1);
    const customer = await getStripe().customers.retrieve(ids[0]!);
    expect(customer).toMatchObject({ email: org.email, metadata: { fleetplane_org: org.orgId } });
  });

  it("opens the portal only for an organization with a customer", async () => {
    const fresh = await newOrg("No Customer Co");
    await expectTRPCError(fresh.owner.billing.portal({ orgId: fresh.orgId }), "PRECONDITION_FAILED", /Subscribe first/);
    await ensureStripeCustomer(getDb(), fresh.orgId);
    const { url } = await fresh.owner.billing.portal({ orgId: fresh.orgId });
    expect(url).toMatch(/\/portal\//);
  });
});

describe("nextAccountStatus", () => {
  it("maps Stripe's subscription status, leaving suspension to the grace period and to payment", () => {
    expect(nextAccountStatus("none", "active")).toBe("active");
    expect(nextAccountStatus("past_due", "active")).toBe("active");
    expect(nextAccountStatus("suspended", "active")).toBe("active");
    expect(nextAccountStatus("active", "past_due")).toBe("past_due");
    expect(nextAccountStatus("active", "unpaid")).toBe("past_due");
    expect(nextAccountStatus("suspended", "past_due")).toBe("suspended");
    expect(nextAccountStatus("suspended", "unpaid")).toBe("suspended");
    expect(nextAccountStatus("active", "canceled")).toBe("canceled");
    expect(nextAccountStatus("suspended", "canceled")).toBe("suspended");
    expect(nextAccountStatus("none", null)).toBe("none");
    expect(nextAccountStatus("none", "incomplete")).toBe("none");
  });
});
