// Fault injection through the SDK: 500s retried by maxNetworkRetries (before and after processing, where the
// Idempotency-Key makes the retry harmless), 429 bursts with Retry-After, connection resets, and the rate limits.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import Stripe from "stripe";
import type { StripeEmulator } from "@/stripe-emulator/index";
import { startEmulatorWithClient } from "./helpers";

let emulator: StripeEmulator;
let stripe: Stripe;
let retrying: Stripe;

beforeAll(async () => {
  ({ emulator, stripe } = await startEmulatorWithClient());
  retrying = new Stripe(emulator.apiKey, { ...emulator.stripeConfig, maxNetworkRetries: 5 });
  await stripe.billing.meters.create({ display_name: "Requests", event_name: "requests", default_aggregation: { formula: "sum" } });
});
afterEach(async () => {
  await emulator.admin.clearFaults();
  await emulator.admin.updateSettings({ rateLimitPerSecond: null, meterEventRateLimitPerSecond: null });
});
afterAll(async () => {
  await emulator.stop();
});

describe("injected 500s", () => {
  it("surfaces a 500 as StripeAPIError without retries, and the SDK retries through it with maxNetworkRetries", async () => {
    await emulator.admin.addFault({ path: "/v1/customers", method: "POST", status: 500, count: 1 });
    const err = await stripe.customers.create({ email: "f@x.test" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(err).toMatchObject({ statusCode: 500 });

    const fault = await emulator.admin.addFault({ path: "/v1/customers*", status: 503, count: 2 });
    const c = await retrying.customers.create({ email: "retry@x.test" });
    expect(c.id).toMatch(/^cus_/);
    expect((await emulator.admin.listFaults()).find((f) => f.id === fault.id)?.fired).toBe(2);
    expect((await stripe.customers.list({ email: "retry@x.test" })).data).toHaveLength(1);
  });

  it("a 500 after processing is replayed from the idempotency key on retry: the event is recorded once", async () => {
    const c = await stripe.customers.create({ email: "after@x.test" });
    await emulator.admin.addFault({ path: "/v1/billing/meter_events", status: 500, count: 1, when: "after" });
    const ev = await retrying.billing.meterEvents.create({ event_name: "requests", payload: { stripe_customer_id: c.id, value: "42" }, identifier: "after-1" });
    expect(ev.identifier).toBe("after-1");
    expect((await emulator.admin.meterTotals({ customer: c.id })).map((r) => r.value)).toEqual([42]);
    // A new request (another process, another idempotency key) with the same identifier is a duplicate.
    await expect(
      stripe.billing.meterEvents.create({ event_name: "requests", payload: { stripe_customer_id: c.id, value: "42" }, identifier: "after-1" }),
    ).rejects.toMatchObject({ statusCode: 400, message: "An event already exists with identifier after-1." });
  });

  it("keeps totals exact under 10% random 500s (before and after processing) with SDK retries", async () => {
    const c = await stripe.customers.create({ email: "chaos@x.test" });
    await emulator.admin.addFault({ path: "/v1/billing/meter_events", status: 500, rate: 0.05, when: "before" });
    await emulator.admin.addFault({ path: "/v1/billing/meter_events", status: 500, rate: 0.05, when: "after" });
    const now = await emulator.admin.now();
    let expected = 0;
    for (let batch = 0; batch < 4; batch++) {
      await Promise.all(
        Array.from({ length: 25 }, (_, i) => {
          const value = batch * 25 + i + 1;
          expected += value;
          return retrying.billing.meterEvents.create({
            event_name: "requests",
            payload: { stripe_customer_id: c.id, value: String(value) },
            identifier: `chaos-${batch}-${i}`,
            timestamp: now - 120,
          });
        }),
      );
    }
    const fired = (await emulator.admin.listFaults()).reduce((s, f) => s + f.fired, 0);
    expect(fired).toBeGreaterThan(0);
    const rows = await emulator.admin.meterTotals({ customer: c.id });
    expect(rows.reduce((s, r) => s + r.value, 0)).toBe(expected);
    expect(rows.reduce((s, r) => s + r.events, 0)).toBe(100);
  }, 30_000);

  it("a connection reset is retried by the SDK", async () => {
    await emulator.admin.addFault({ path: "/v1/products", method: "POST", action: "reset", count: 1 });
    const p = await retrying.products.create({ name: "After reset" });
    expect(p.name).toBe("After reset");
  });
});

describe("429 bursts", () => {
  it("answers a burst of 429s with Retry-After as StripeRateLimitError; the SDK does not retry them by default", async () => {
    await emulator.admin.addFault({ path: "/v1/billing/meter_events", status: 429, count: 2, retryAfterSeconds: 1 });
    const c = await stripe.customers.create({ email: "429@x.test" });
    const params = { event_name: "requests", payload: { stripe_customer_id: c.id, value: "1" }, identifier: "rl-1" };
    for (let i = 0; i < 2; i++) {
      const err = await retrying.billing.meterEvents.create(params).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
      expect(err).toMatchObject({ statusCode: 429, code: "rate_limit" });
      expect((err as Stripe.errors.StripeError).headers?.["retry-after"]).toBe("1");
    }
    expect((await retrying.billing.meterEvents.create(params)).identifier).toBe("rl-1");
  });

  it("with stripeShouldRetry the SDK retries 429s itself", async () => {
    await emulator.admin.addFault({ path: "/v1/customers", status: 429, count: 2, stripeShouldRetry: true });
    expect((await retrying.customers.create({ email: "retry429@x.test" })).email).toBe("retry429@x.test");
  });

  it("enforces the configured meter event rate limit per second", async () => {
    const c = await stripe.customers.create({ email: "limit@x.test" });
    await emulator.admin.updateSettings({ meterEventRateLimitPerSecond: 5 });
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) =>
        stripe.billing.meterEvents.create({ event_name: "requests", payload: { stripe_customer_id: c.id, value: "1" }, identifier: `lim-${i}` }),
      ),
    );
    const limited = results.filter((r) => r.status === "rejected" && r.reason instanceof Stripe.errors.StripeRateLimitError).length;
    expect(limited).toBeGreaterThanOrEqual(10); // even if the burst straddles a second boundary
    expect(results.length - limited).toBeGreaterThanOrEqual(5);
  });
});
