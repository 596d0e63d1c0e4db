// Webhook delivery switches: duplicates (same event id, valid fresh signature), reordering, delays, retries after the
// endpoint fails; plus the state file round trip.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import Stripe from "stripe";
import { signPayload, startStripeEmulator, type StripeEmulator } from "@/stripe-emulator/index";
import { createCatalog, startEmulatorWithClient, waitFor, WebhookReceiver } from "./helpers";

let emulator: StripeEmulator;
let stripe: Stripe;
let receiver: WebhookReceiver;

beforeAll(async () => {
  ({ emulator, stripe } = await startEmulatorWithClient());
  receiver = new WebhookReceiver(stripe, () => emulator.webhookSecret);
  await emulator.admin.configureWebhooks({ url: await receiver.start(), retryBaseMs: 50 });
});
beforeEach(async () => {
  await emulator.admin.configureWebhooks({ duplicateRate: 0, reorder: false, delayMs: 0, jitterMs: 0 });
  await emulator.admin.flushWebhooks();
  await emulator.admin.clearDeliveries();
  receiver.clear();
});
afterAll(async () => {
  await emulator.stop();
  await receiver.stop();
});

describe("signatures", () => {
  it("signs like Stripe: HMAC-SHA256 of `t.payload` with the endpoint secret", async () => {
    const payload = JSON.stringify({ id: "evt_1", object: "event" });
    const header = signPayload(payload, "whsec_abc", 1_700_000_000);
    const expected = stripe.webhooks.generateTestHeaderString({ payload, secret: "whsec_abc", timestamp: 1_700_000_000 });
    expect(header).toBe(expected);
    const c = await stripe.customers.create({ email: "sig@x.test" });
    await emulator.admin.flushWebhooks();
    expect(receiver.rejected).toEqual([]);
    expect(receiver.received.map((r) => (r.event.data.object as Stripe.Customer).id)).toContain(c.id);
  });
});

describe("delivery switches", () => {
  it("duplicates every event when duplicateRate is 1", async () => {
    await emulator.admin.configureWebhooks({ duplicateRate: 1 });
    const c = await stripe.customers.create({ email: "dup@x.test" });
    await stripe.customers.update(c.id, { name: "Dup" });
    await emulator.admin.flushWebhooks();
    const ids = receiver.received.map((r) => r.event.id);
    expect(ids).toHaveLength(4);
    expect(new Set(ids).size).toBe(2);
    expect(receiver.rejected).toEqual([]);
    const deliveries = await emulator.admin.deliveries();
    expect(deliveries.filter((d) => d.duplicate)).toHaveLength(2);
  });

  it("delivers the events of one burst in reverse order when reorder is on", async () => {
    await emulator.admin.configureWebhooks({ reorder: true, reorderWindowMs: 100 });
    const catalog = await createCatalog(stripe, "reorder");
    await emulator.admin.flushWebhooks();
    receiver.clear();
    const customer = await stripe.customers.create({ email: "reorder@x.test" });
    const session = await stripe.checkout.sessions.create({
      mode: "subscription",
      customer: customer.id,
      line_items: [{ price: catalog.base.id, quantity: 1 }],
      success_url: "https://x/ok",
    });
    await emulator.admin.flushWebhooks();
    receiver.clear();
    await emulator.admin.completeCheckout(session.id);
    await emulator.admin.flushWebhooks();
    const created = (await stripe.events.list({ limit: 20 })).data.filter((e) => e.created >= session.created);
    const sent = created.map((e) => e.id).slice(0, receiver.received.length); // newest first = reverse creation order
    expect(receiver.received.map((r) => r.event.id)).toEqual(sent);
    expect(receiver.types()[0]).toBe("checkout.session.completed");
    expect(receiver.types()).toContain("customer.subscription.created");
  });

  it("delays deliveries", async () => {
    await emulator.admin.configureWebhooks({ delayMs: 1000 });
    await stripe.customers.create({ email: "late@x.test" });
    await new Promise((r) => setTimeout(r, 200));
    expect(receiver.received).toHaveLength(0);
    await waitFor(() => receiver.received.length === 1, 3_000);
  });

  it("retries when the endpoint fails, with the same event id", async () => {
    receiver.failNext = 2;
    const c = await stripe.customers.create({ email: "retry@x.test" });
    await emulator.admin.flushWebhooks();
    expect(receiver.received.map((r) => r.event.type)).toEqual(["customer.created"]);
    const deliveries = await emulator.admin.deliveries({ type: "customer.created" });
    expect(deliveries.map((d) => [d.attempt, d.ok, d.status])).toEqual([
      [1, false, 500],
      [2, false, 500],
      [3, true, 200],
    ]);
    const event = (await stripe.events.list({ type: "customer.created", limit: 1 })).data[0];
    expect((event?.data.object as Stripe.Customer).id).toBe(c.id);
    expect(event?.pending_webhooks).toBe(0);
  });
});

describe("persistence", () => {
  it("saves the state file on stop and loads it at start, clock included", async () => {
    const dir = await mkdtemp(join(tmpdir(), "stripe-emulator-"));
    const stateFile = join(dir, "state.json");
    try {
      const first = await startStripeEmulator({ stateFile });
      const s1 = new Stripe(first.apiKey, { ...first.stripeConfig });
      const c = await s1.customers.create({ email: "persist@x.test" });
      await s1.billing.meters.create({ display_name: "m", event_name: "persisted", default_aggregation: { formula: "sum" } });
      await s1.billing.meterEvents.create({ event_name: "persisted", payload: { stripe_customer_id: c.id, value: "12.5" }, identifier: "p-1" });
      await first.admin.advanceClock(3600);
      const clockBefore = await first.admin.now();
      await first.stop();

      const second = await startStripeEmulator({ stateFile });
      const s2 = new Stripe(second.apiKey, { ...second.stripeConfig });
      expect(((await s2.customers.retrieve(c.id)) as Stripe.Customer).email).toBe("persist@x.test");
      expect((await second.admin.meterTotals({ customer: c.id })).map((r) => r.value_decimal)).toEqual(["12.5"]);
      expect(await second.admin.now()).toBeGreaterThanOrEqual(clockBefore);
      await expect(
        s2.billing.meterEvents.create({ event_name: "persisted", payload: { stripe_customer_id: c.id, value: "1" }, identifier: "p-1" }),
      ).rejects.toMatchObject({ statusCode: 400 });
      await second.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
