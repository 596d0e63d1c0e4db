// Checkout, portal, subscriptions, invoices and the test clock through the SDK, with signed webhooks received by a local
// node:http endpoint and verified with stripe.webhooks.constructEvent.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import Stripe from "stripe";
import type { StripeEmulator } from "@/stripe-emulator/index";
import { createCatalog, startEmulatorWithClient, WebhookReceiver } from "./helpers";

let emulator: StripeEmulator;
let stripe: Stripe;
let receiver: WebhookReceiver;
let catalog: Awaited<ReturnType<typeof createCatalog>>;
const DAY = 86_400;

beforeAll(async () => {
  ({ emulator, stripe } = await startEmulatorWithClient({ webhookSecret: "whsec_test_billing" }));
  receiver = new WebhookReceiver(stripe, () => emulator.webhookSecret);
  await emulator.admin.configureWebhooks({ url: await receiver.start() });
  catalog = await createCatalog(stripe, "billing");
});
beforeEach(async () => {
  await emulator.admin.flushWebhooks();
  receiver.clear();
});
afterAll(async () => {
  await emulator.stop();
  await receiver.stop();
});

function form(fields: Record<string, string>): RequestInit {
  return { method: "POST", redirect: "manual", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(fields).toString() };
}

/** Checkout in subscription mode for a new customer, paid through the hosted page; returns the subscription. */
async function subscribe(email: string): Promise<{ session: Stripe.Checkout.Session; sub: Stripe.Subscription; customer: string }> {
  const customer = await stripe.customers.create({ email });
  const session = await stripe.checkout.sessions.create({
    mode: "subscription",
    customer: customer.id,
    line_items: [{ price: catalog.base.id, quantity: 1 }, { price: catalog.metered.id }],
    success_url: "https://portal.test/billing/success?session={CHECKOUT_SESSION_ID}",
    cancel_url: "https://portal.test/billing",
    client_reference_id: "org_123",
    metadata: { org_id: "org_123" },
    subscription_data: { metadata: { org_id: "org_123" } },
  });
  const res = await fetch(`${session.url}/pay`, form({ email }));
  expect(res.status).toBe(303);
  const done = await stripe.checkout.sessions.retrieve(session.id);
  const sub = await stripe.subscriptions.retrieve(done.subscription as string);
  return { session: done, sub, customer: customer.id };
}

describe("checkout", () => {
  it("completes through the hosted page: subscription active, signed webhooks verified by the SDK", async () => {
    const customer = await stripe.customers.create({ email: "buyer@acme.test" });
    const session = await stripe.checkout.sessions.create({
      mode: "subscription",
      customer: customer.id,
      line_items: [{ price: catalog.base.id, quantity: 1 }, { price: catalog.metered.id }],
      success_url: "https://portal.test/ok?session={CHECKOUT_SESSION_ID}",
      cancel_url: "https://portal.test/cancel",
      client_reference_id: "org_42",
      metadata: { org_id: "org_42" },
      subscription_data: { metadata: { org_id: "org_42" } },
      expand: ["line_items"],
    });
    expect(session).toMatchObject({ object: "checkout.session", status: "open", payment_status: "unpaid", mode: "subscription", amount_total: 2500, client_reference_id: "org_42" });
    expect(session.id).toMatch(/^cs_test_/);
    expect(session.url).toBe(`${emulator.url}/checkout/${session.id}`);
    expect(session.line_items?.data.map((li) => li.quantity)).toEqual([1, null]);

    const page = await fetch(session.url ?? "");
    const html = await page.text();
    expect(html).toContain("Pay</button>");
    expect(html).toContain("Decline card");

    const declined = await fetch(`${session.url}/decline`, form({}));
    expect(declined.status).toBe(402);
    expect(await declined.text()).toContain("Your card was declined.");
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe("open");

    const paid = await fetch(`${session.url}/pay`, form({ email: "buyer@acme.test" }));
    expect(paid.status).toBe(303);
    expect(paid.headers.get("location")).toBe(`https://portal.test/ok?session=${session.id}`);

    const done = await stripe.checkout.sessions.retrieve(session.id, { expand: ["subscription"] });
    expect(done).toMatchObject({ status: "complete", payment_status: "paid", customer: customer.id });
    const sub = done.subscription as Stripe.Subscription;
    expect(sub).toMatchObject({ object: "subscription", status: "active", customer: customer.id, metadata: { org_id: "org_42" }, cancel_at_period_end: false });
    expect(sub.items.data).toHaveLength(2);
    const item = sub.items.data[0] as Stripe.SubscriptionItem;
    expect(item.current_period_end - item.current_period_start).toBeGreaterThanOrEqual(28 * DAY);
    expect(sub.items.data.map((i) => i.price.id).sort()).toEqual([catalog.base.id, catalog.metered.id].sort());

    const first = await stripe.invoices.retrieve(sub.latest_invoice as string);
    expect(first).toMatchObject({ status: "paid", billing_reason: "subscription_create", amount_paid: 2500, customer: customer.id });
    expect(first.parent?.subscription_details?.subscription).toBe(sub.id);

    await emulator.admin.flushWebhooks();
    expect(receiver.rejected).toEqual([]);
    expect(receiver.types()).toEqual(expect.arrayContaining(["checkout.session.completed", "customer.subscription.created", "invoice.paid"]));
    const completed = receiver.ofType<Stripe.CheckoutSessionCompletedEvent>("checkout.session.completed")[0];
    expect(completed?.data.object).toMatchObject({ id: session.id, subscription: sub.id, client_reference_id: "org_42", metadata: { org_id: "org_42" } });
    expect(receiver.received[0]?.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(() => stripe.webhooks.constructEvent("{}", receiver.received[0]?.signature ?? "", emulator.webhookSecret)).toThrow(Stripe.errors.StripeSignatureVerificationError);
  });

  it("validates line items like Stripe", async () => {
    await expect(
      stripe.checkout.sessions.create({ mode: "subscription", line_items: [{ price: catalog.metered.id, quantity: 1 }], success_url: "https://x" }),
    ).rejects.toMatchObject({ param: "line_items[0][quantity]" });
    await expect(
      stripe.checkout.sessions.create({ mode: "subscription", line_items: [{ price: catalog.base.id }], success_url: "https://x" }),
    ).rejects.toMatchObject({ code: "parameter_missing", param: "line_items[0][quantity]" });
  });
});

describe("test clock and invoices", () => {
  it("bills metered usage in arrears at period end, counting late events until the invoice finalizes", async () => {
    const { sub, customer } = await subscribe("usage@acme.test");
    const start = sub.items.data[0]?.current_period_start ?? 0;
    const end = sub.items.data[0]?.current_period_end ?? 0;

    await emulator.admin.advanceClock(10 * DAY);
    let usage = 0;
    for (let i = 0; i < 24; i++) {
      const value = 100 + i;
      usage += value;
      await stripe.billing.meterEvents.create({
        event_name: catalog.meter.event_name,
        payload: { stripe_customer_id: customer, value: String(value) },
        identifier: `usage-${i}`,
        timestamp: start + 3 * DAY + i * 3600,
      });
    }
    await emulator.admin.advanceClockTo(end + 60);
    const draft = (await stripe.invoices.list({ subscription: sub.id })).data[0];
    expect(draft).toMatchObject({ status: "draft", billing_reason: "subscription_cycle", period_start: start, period_end: end });

    // Usage for the last hour arrives after the period ended, before the invoice finalizes (1 h grace).
    await stripe.billing.meterEvents.create({
      event_name: catalog.meter.event_name,
      payload: { stripe_customer_id: customer, value: "500" },
      identifier: "usage-late",
      timestamp: end - 30,
    });
    usage += 500;
    await emulator.admin.advanceClock(3600);

    const invoice = await stripe.invoices.retrieve(draft?.id ?? "");
    expect(invoice).toMatchObject({ status: "paid", amount_paid: 2500 + usage * 3, total: 2500 + usage * 3, customer });
    expect(invoice.number).toMatch(/^[A-Z0-9]{8}-\d{4}$/);
    const meteredLine = invoice.lines.data.find((l) => l.pricing?.price_details?.price === catalog.metered.id);
    expect(meteredLine).toMatchObject({ quantity: usage, amount: usage * 3, period: { start, end } });
    const flatLine = invoice.lines.data.find((l) => l.pricing?.price_details?.price === catalog.base.id);
    expect(flatLine?.period.start).toBe(end);

    const renewed = await stripe.subscriptions.retrieve(sub.id);
    expect(renewed.status).toBe("active");
    expect(renewed.items.data[0]?.current_period_start).toBe(end);

    const pdf = await fetch(invoice.invoice_pdf ?? "");
    expect(pdf.headers.get("content-type")).toBe("application/pdf");
    expect(Buffer.from(await pdf.arrayBuffer()).subarray(0, 5).toString()).toBe("%PDF-");
    expect(await (await fetch(invoice.hosted_invoice_url ?? "")).text()).toContain(invoice.number ?? "?");

    await emulator.admin.flushWebhooks();
    const paidEvents = receiver.ofType<Stripe.InvoicePaidEvent>("invoice.paid").filter((e) => e.data.object.id === invoice.id);
    expect(paidEvents).toHaveLength(1);
    expect(receiver.ofType<Stripe.CustomerSubscriptionUpdatedEvent>("customer.subscription.updated").some((e) => e.data.object.id === sub.id)).toBe(true);
  });

  it("a failed payment sends invoice.payment_failed and makes the subscription past_due; paying the invoice restores it", async () => {
    const { sub, customer } = await subscribe("broke@acme.test");
    await emulator.admin.setPaymentBehavior(customer, "fail_next");
    const end = sub.items.data[0]?.current_period_end ?? 0;
    await emulator.admin.advanceClockTo(end + 3600 + 60);
    await emulator.admin.flushWebhooks();

    const failed = receiver.ofType<Stripe.InvoicePaymentFailedEvent>("invoice.payment_failed").find((e) => e.data.object.customer === customer);
    expect(failed?.data.object).toMatchObject({ status: "open", attempt_count: 1 });
    const pastDue = receiver.ofType<Stripe.CustomerSubscriptionUpdatedEvent>("customer.subscription.updated").find((e) => e.data.object.id === sub.id && e.data.object.status === "past_due");
    expect(pastDue?.data.previous_attributes).toMatchObject({ status: "active" });
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("past_due");
    const open = await stripe.invoices.retrieve(failed?.data.object.id ?? "");
    expect(open.next_payment_attempt).toBe((failed?.data.object.status_transitions.finalized_at ?? 0) + 3 * DAY);

    receiver.clear();
    const pay = await fetch(`${open.hosted_invoice_url}/pay`, form({}));
    expect(pay.status).toBe(200);
    expect((await stripe.invoices.retrieve(open.id)).status).toBe("paid");
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("active");
    await emulator.admin.flushWebhooks();
    expect(receiver.types()).toEqual(expect.arrayContaining(["invoice.paid", "customer.subscription.updated"]));
  });

  it("goes unpaid when every automatic retry fails", async () => {
    const { sub, customer } = await subscribe("never@acme.test");
    await emulator.admin.setPaymentBehavior(customer, "fail_always");
    await emulator.admin.advanceClockTo((sub.items.data[0]?.current_period_end ?? 0) + 20 * DAY);
    const after = await stripe.subscriptions.retrieve(sub.id);
    expect(after.status).toBe("unpaid");
    const invoices = await stripe.invoices.list({ subscription: sub.id, status: "open" });
    expect(invoices.data[0]?.attempt_count).toBe(4);
    expect(invoices.data[0]?.next_payment_attempt).toBeNull();
    await emulator.admin.setPaymentBehavior(customer, "succeed");
  });
});

describe("subscriptions created through the API", () => {
  it("starts incomplete when the first charge fails, and previews the next invoice with usage so far", async () => {
    const customer = await stripe.customers.create({ email: "api-sub@acme.test" });
    await emulator.admin.setPaymentBehavior(customer.id, "fail_next");
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: catalog.base.id }, { price: catalog.metered.id }],
      expand: ["latest_invoice"],
    });
    expect(sub.status).toBe("incomplete");
    const first = sub.latest_invoice as Stripe.Invoice;
    expect(first).toMatchObject({ status: "open", billing_reason: "subscription_create", amount_due: 2500 });
    await stripe.invoices.pay(first.id);
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("active");

    const now = await emulator.admin.now();
    await stripe.billing.meterEvents.create({ event_name: catalog.meter.event_name, payload: { stripe_customer_id: customer.id, value: "1000" }, timestamp: now });
    const preview = await stripe.invoices.createPreview({ customer: customer.id, subscription: sub.id });
    expect(preview.id).toMatch(/^upcoming_in_/);
    expect(preview.total).toBe(2500 + 1000 * 3);
    expect((await stripe.invoices.list({ subscription: sub.id })).data.map((i) => i.id)).not.toContain(preview.id);
  });
});

describe("customer portal and subscription changes", () => {
  it("cancels at period end from the hosted portal, then ends the subscription at period end", async () => {
    const { sub, customer } = await subscribe("leaving@acme.test");
    const portal = await stripe.billingPortal.sessions.create({ customer, return_url: "https://portal.test/billing" });
    expect(portal).toMatchObject({ object: "billing_portal.session", customer, url: `${emulator.url}/portal/${portal.id}` });
    expect(portal.id).toMatch(/^bps_/);
    const page = await (await fetch(portal.url)).text();
    expect(page).toContain("Cancel subscription");
    expect(page).toContain(sub.id);

    const res = await fetch(`${portal.url}/cancel`, form({ subscription: sub.id }));
    expect(res.status).toBe(303);
    const canceling = await stripe.subscriptions.retrieve(sub.id);
    expect(canceling).toMatchObject({ status: "active", cancel_at_period_end: true, cancel_at: sub.items.data[0]?.current_period_end });
    await emulator.admin.flushWebhooks();
    const updated = receiver.ofType<Stripe.CustomerSubscriptionUpdatedEvent>("customer.subscription.updated").find((e) => e.data.object.id === sub.id);
    expect(updated?.data.previous_attributes).toMatchObject({ cancel_at_period_end: false });

    await emulator.admin.advanceClockTo((sub.items.data[0]?.current_period_end ?? 0) + 60);
    const ended = await stripe.subscriptions.retrieve(sub.id);
    expect(ended.status).toBe("canceled");
    await emulator.admin.flushWebhooks();
    expect(receiver.ofType<Stripe.CustomerSubscriptionDeletedEvent>("customer.subscription.deleted").map((e) => e.data.object.id)).toContain(sub.id);
    expect((await stripe.subscriptions.list({ customer })).data).toHaveLength(0);
    expect((await stripe.subscriptions.list({ customer, status: "all" })).data).toHaveLength(1);
  });

  it("updates cancel_at_period_end and items (price change) and cancels immediately", async () => {
    const { sub } = await subscribe("changer@acme.test");
    const bigger = await stripe.prices.create({ product: catalog.product.id, currency: "usd", unit_amount: 9900, recurring: { interval: "month" } });
    const baseItem = sub.items.data.find((i) => i.price.id === catalog.base.id);
    const changed = await stripe.subscriptions.update(sub.id, { items: [{ id: baseItem?.id, price: bigger.id }], cancel_at_period_end: true, metadata: { plan: "large" } });
    expect(changed.items.data.find((i) => i.id === baseItem?.id)?.price.id).toBe(bigger.id);
    expect(changed).toMatchObject({ cancel_at_period_end: true, metadata: { org_id: "org_123", plan: "large" } });
    const resumed = await stripe.subscriptions.update(sub.id, { cancel_at_period_end: false });
    expect(resumed.cancel_at).toBeNull();
    const canceled = await stripe.subscriptions.cancel(sub.id);
    expect(canceled).toMatchObject({ status: "canceled", ended_at: expect.any(Number) });
    await expect(stripe.subscriptions.update(sub.id, { cancel_at_period_end: true })).rejects.toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
  });
});
