// Subscribing through Stripe Checkout (the emulator), entitlements to paid plans, a failed payment leading to
// suspension after the grace period, and payment resuming the organization.
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db/client";
import { billingAccounts, billingMeters, plans, services } from "@/db/schema";
import { seedDemo } from "@/db/seed";
import { syncStripeCatalog } from "@/server/billing/stripe-catalog";
import { enforceGracePeriods } from "@/server/billing/suspension";
import { planExports, sendPendingExports } from "@/server/billing/export-usage";
import { ingestUsageEvents } from "@/server/metering/ingest-usage";
import { randomUUID } from "node:crypto";
import { expectTRPCError, signUpWithOrg, type Caller } from "../../helpers/callers";
import { startTestStripe, type TestStripe } from "../../helpers/stripe";

let stripe: TestStripe;
let owner: Caller;
let orgId = "";
const planIds: Record<string, string> = {};

beforeAll(async () => {
  stripe = await startTestStripe();
  const db = getDb();
  await seedDemo(db);
  for (const p of await db.select({ id: plans.id, slug: plans.slug, service: services.slug }).from(plans).innerJoin(services, eq(services.id, plans.serviceId))) {
    planIds[`${p.service}/${p.slug}`] = p.id;
  }
  await syncStripeCatalog(db);
  const customer = await signUpWithOrg("Billing Co");
  owner = customer.owner.caller;
  orgId = customer.orgId;
}, 60_000);

afterAll(async () => {
  await stripe?.stop();
});

describe("Stripe catalog", () => {
  it("creates meters and prices once, and finds them again on the next sync", async () => {
    const db = getDb();
    const before = await db.select().from(billingMeters);
    expect(before).toHaveLength(4);
    await syncStripeCatalog(db);
    const after = await db.select().from(billingMeters);
    expect(after.map((m) => m.stripePriceId).sort()).toEqual(before.map((m) => m.stripePriceId).sort());
    const state = await stripe.emulator.admin.state();
    expect(state).toMatchObject({ meters: 4 });
  });
});

describe("subscription", () => {
  it("refuses a paid plan without a subscription, with a clear message", async () => {
    await expectTRPCError(owner.instances.create({ orgId, planId: planIds["hello-web/standard"]!, name: "paid" }), "PAYMENT_REQUIRED", /needs a subscription/);
  });

  it("becomes active after Checkout is paid, once, whatever the webhook order", async () => {
    const { url } = await owner.billing.checkout({ orgId });
    const sessionId = url.split("/").pop()!;
    await stripe.emulator.admin.completeCheckout(sessionId);
    await stripe.emulator.admin.flushWebhooks();
    const overview = await owner.billing.overview({ orgId });
    expect(overview).toMatchObject({ status: "active", subscriptionStatus: "active", hasCustomer: true });
    expect(overview.invoices.length).toBeGreaterThanOrEqual(1);
    await expectTRPCError(owner.billing.checkout({ orgId }), "PRECONDITION_FAILED", /already has a subscription/);
  });

  it("exports usage of the subscribed period to Stripe's meter, exactly", async () => {
    const db = getDb();
    const t0 = await stripe.emulator.admin.now();
    await stripe.emulator.admin.advanceClock(3 * 3600);
    const hour = new Date((Math.floor(t0 / 3600) + 1) * 3600 * 1000);
    const instanceId = randomUUID();
    const event = { key: `test:${instanceId}`, orgId, instanceId, meter: "vcpu_seconds" as const, hour, quantityMicro: 7_200_500_000n };
    expect(await ingestUsageEvents(db, [event, event])).toBe(1);
    expect(await planExports(db, new Date((t0 + 3 * 3600) * 1000))).toBe(1);
    expect(await sendPendingExports(db)).toEqual({ sent: 1, failed: 0 });
    const [acc] = await db.select().from(billingAccounts).where(eq(billingAccounts.orgId, orgId));
    const totals = await stripe.emulator.admin.meterTotals({ customer: acc!.stripeCustomerId! });
    expect(totals).toHaveLength(1);
    expect(totals[0]).toMatchObject({ value_decimal: "7200.5", hour: hour.getTime() / 1000, event_name: "fleetplane_vcpu_seconds" });
  });

  it("suspends after a failed payment and the grace period, and resumes when paid", async () => {
    const db = getDb();
    const [acc] = await db.select().from(billingAccounts).where(eq(billingAccounts.orgId, orgId));
    await stripe.emulator.admin.setPaymentBehavior(acc!.stripeCustomerId!, "fail_next");
    await stripe.emulator.admin.advanceClock(32 * 86_400);
    await stripe.emulator.admin.flushWebhooks();
    let overview = await owner.billing.overview({ orgId });
    expect(overview.status).toBe("past_due");
    expect(overview.graceUntil).toBeInstanceOf(Date);
    expect(await enforceGracePeriods(db, new Date(overview.graceUntil!.getTime() - 1000))).toEqual([]);
    expect(await enforceGracePeriods(db, new Date(overview.graceUntil!.getTime() + 1000))).toEqual([orgId]);
    overview = await owner.billing.overview({ orgId });
    expect(overview.status).toBe("suspended");
    await expectTRPCError(owner.instances.create({ orgId, planId: planIds["hello-web/free"]!, name: "free-one" }), "PAYMENT_REQUIRED", /suspended/);
    const open = overview.invoices.find((i) => i.status === "open");
    expect(open).toBeDefined();
    await stripe.emulator.admin.payInvoice(open!.id);
    await stripe.emulator.admin.flushWebhooks();
    overview = await owner.billing.overview({ orgId });
    expect(overview.status).toBe("active");
  });
});
