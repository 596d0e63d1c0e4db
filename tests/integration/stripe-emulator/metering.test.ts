// Billing meters through the SDK: create/list/deactivate, meter events with identifier dedup and the 35-day/5-minute
// timestamp window, and event summaries that aggregate exactly per hour and day window.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import Stripe from "stripe";
import type { StripeEmulator } from "@/stripe-emulator/index";
import { startEmulatorWithClient } from "./helpers";

let emulator: StripeEmulator;
let stripe: Stripe;
let meter: Stripe.Billing.Meter;
let customer: Stripe.Customer;
const HOUR = 3600;

beforeAll(async () => {
  ({ emulator, stripe } = await startEmulatorWithClient());
  meter = await stripe.billing.meters.create({
    display_name: "vCPU seconds",
    event_name: "vcpu_seconds",
    default_aggregation: { formula: "sum" },
    customer_mapping: { event_payload_key: "stripe_customer_id", type: "by_id" },
    value_settings: { event_payload_key: "value" },
  });
  customer = await stripe.customers.create({ email: "meter@x.test" });
});
afterAll(async () => {
  await emulator.stop();
});

describe("meters", () => {
  it("creates, retrieves, lists and deactivates meters; one active meter per event name", async () => {
    expect(meter).toMatchObject({
      object: "billing.meter",
      status: "active",
      default_aggregation: { formula: "sum" },
      customer_mapping: { event_payload_key: "stripe_customer_id", type: "by_id" },
      value_settings: { event_payload_key: "value" },
    });
    expect(meter.id).toMatch(/^mtr_/);
    await expect(
      stripe.billing.meters.create({ display_name: "dup", event_name: "vcpu_seconds", default_aggregation: { formula: "sum" } }),
    ).rejects.toMatchObject({ param: "event_name" });
    const tmp = await stripe.billing.meters.create({ display_name: "tmp", event_name: "tmp_events", default_aggregation: { formula: "count" } });
    expect((await stripe.billing.meters.retrieve(tmp.id)).display_name).toBe("tmp");
    const off = await stripe.billing.meters.deactivate(tmp.id);
    expect(off.status).toBe("inactive");
    expect(off.status_transitions.deactivated_at).toBeTypeOf("number");
    expect((await stripe.billing.meters.list({ status: "active" })).data.map((m) => m.id)).not.toContain(tmp.id);
    await expect(
      stripe.billing.meterEvents.create({ event_name: "tmp_events", payload: { stripe_customer_id: customer.id } }),
    ).rejects.toMatchObject({ statusCode: 400, param: "event_name" });
  });
});

describe("meter events and summaries", () => {
  it("aggregates exactly per hour window, including decimals, and as one summary over the range", async () => {
    const now = await emulator.admin.now();
    const base = Math.floor(now / HOUR) * HOUR - 5 * HOUR; // five full hours ago
    const expected = new Map<number, number>();
    let n = 0;
    for (let h = 0; h < 5; h++) {
      for (let i = 0; i < 7; i++) {
        const value = h * 1000 + i * 13 + 1;
        const ts = base + h * HOUR + i * 400;
        await stripe.billing.meterEvents.create({
          event_name: "vcpu_seconds",
          payload: { stripe_customer_id: customer.id, value: String(value) },
          identifier: `evt-${h}-${i}`,
          timestamp: ts,
        });
        expected.set(base + h * HOUR, (expected.get(base + h * HOUR) ?? 0) + value);
        n++;
      }
    }
    // Decimal values sum exactly (0.1 + 0.2 is 0.3 here).
    await stripe.billing.meterEvents.create({ event_name: "vcpu_seconds", payload: { stripe_customer_id: customer.id, value: "0.1" }, identifier: "d1", timestamp: base + 4 * HOUR + 1 });
    await stripe.billing.meterEvents.create({ event_name: "vcpu_seconds", payload: { stripe_customer_id: customer.id, value: "0.2" }, identifier: "d2", timestamp: base + 4 * HOUR + 2 });
    expected.set(base + 4 * HOUR, (expected.get(base + 4 * HOUR) ?? 0) + 0.3);

    const hourly = await stripe.billing.meters.listEventSummaries(meter.id, {
      customer: customer.id,
      start_time: base,
      end_time: base + 5 * HOUR,
      value_grouping_window: "hour",
      limit: 100,
    });
    expect(hourly.data).toHaveLength(5);
    expect(hourly.data[0]).toMatchObject({ object: "billing.meter_event_summary", meter: meter.id, livemode: false });
    expect(hourly.data.map((s) => s.start_time)).toEqual([...expected.keys()].sort((a, b) => b - a)); // newest first
    for (const s of hourly.data) {
      expect(s.end_time - s.start_time).toBe(HOUR);
      expect(s.aggregated_value).toBe(Number((expected.get(s.start_time) ?? 0).toFixed(6)));
    }
    // hour 4: 7 events of 4000 + 13·i + 1 (i = 0..6) = 28280, plus 0.1 + 0.2
    expect(hourly.data.find((s) => s.start_time === base + 4 * HOUR)?.aggregated_value).toBe(28280.3);

    const total = await stripe.billing.meters.listEventSummaries(meter.id, { customer: customer.id, start_time: base, end_time: base + 5 * HOUR });
    const sum = [...expected.values()].reduce((a, b) => a + b, 0);
    expect(total.data).toHaveLength(1);
    expect(total.data[0]?.aggregated_value).toBeCloseTo(sum, 9);

    const rows = await emulator.admin.meterTotals({ meter: meter.id, customer: customer.id });
    expect(rows.map((r) => [r.hour, r.value])).toEqual([...expected.entries()].sort((a, b) => a[0] - b[0]).map(([h, v]) => [h, Number(v.toFixed(6))]));
    expect(rows.reduce((s, r) => s + r.events, 0)).toBe(n + 2);

    await expect(
      stripe.billing.meters.listEventSummaries(meter.id, { customer: customer.id, start_time: base + 30, end_time: base + HOUR, value_grouping_window: "hour" }),
    ).rejects.toMatchObject({ statusCode: 400, param: "start_time" });
  });

  it("rejects a duplicate identifier within 24 hours with Stripe's message, and accepts it again after 24 hours", async () => {
    const c = await stripe.customers.create({ email: "dup@x.test" });
    const now = await emulator.admin.now();
    const first = await stripe.billing.meterEvents.create({ event_name: "vcpu_seconds", payload: { stripe_customer_id: c.id, value: "5" }, identifier: "org1:cpu:2026-01-01T00", timestamp: now - 60 });
    expect(first).toMatchObject({ object: "billing.meter_event", identifier: "org1:cpu:2026-01-01T00", timestamp: now - 60, payload: { value: "5" } });
    const dup = await stripe.billing.meterEvents
      .create({ event_name: "vcpu_seconds", payload: { stripe_customer_id: c.id, value: "5" }, identifier: "org1:cpu:2026-01-01T00", timestamp: now - 60 })
      .catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(dup).toMatchObject({ statusCode: 400, message: "An event already exists with identifier org1:cpu:2026-01-01T00." });
    expect((dup as Stripe.errors.StripeError).headers?.["stripe-should-retry"]).toBe("false");
    expect((await emulator.admin.meterTotals({ customer: c.id })).reduce((s, r) => s + r.value, 0)).toBe(5);

    await emulator.admin.advanceClock(24 * HOUR + 60);
    const later = await emulator.admin.now();
    await stripe.billing.meterEvents.create({ event_name: "vcpu_seconds", payload: { stripe_customer_id: c.id, value: "5" }, identifier: "org1:cpu:2026-01-01T00", timestamp: later });
  });

  it("enforces the 35-day / 5-minute timestamp window with Stripe's messages", async () => {
    const now = await emulator.admin.now();
    const old = await stripe.billing.meterEvents
      .create({ event_name: "vcpu_seconds", payload: { stripe_customer_id: customer.id, value: "1" }, timestamp: now - 36 * 86400 })
      .catch((e: unknown) => e);
    expect(old).toMatchObject({ statusCode: 400, param: "timestamp", message: expect.stringMatching(/^The event timestamp cannot be more than 35 days in past\. Expected a timestamp greater than or equal to \d+\.$/) });
    const future = await stripe.billing.meterEvents
      .create({ event_name: "vcpu_seconds", payload: { stripe_customer_id: customer.id, value: "1" }, timestamp: now + 600 })
      .catch((e: unknown) => e);
    expect(future).toMatchObject({ statusCode: 400, param: "timestamp", message: expect.stringContaining("The event timestamp cannot be in future") });
    await stripe.billing.meterEvents.create({ event_name: "vcpu_seconds", payload: { stripe_customer_id: customer.id, value: "1" }, timestamp: now + 240 });
    await stripe.billing.meterEvents.create({ event_name: "vcpu_seconds", payload: { stripe_customer_id: customer.id, value: "1" }, timestamp: now - 34 * 86400 });
  });

  it("validates the payload against the meter's customer and value keys", async () => {
    await expect(
      stripe.billing.meterEvents.create({ event_name: "vcpu_seconds", payload: { value: "1" } }),
    ).rejects.toMatchObject({ code: "parameter_missing", param: "payload[stripe_customer_id]" });
    await expect(
      stripe.billing.meterEvents.create({ event_name: "vcpu_seconds", payload: { stripe_customer_id: "cus_missing", value: "1" } }),
    ).rejects.toMatchObject({ code: "resource_missing", param: "payload[stripe_customer_id]" });
    await expect(
      stripe.billing.meterEvents.create({ event_name: "vcpu_seconds", payload: { stripe_customer_id: customer.id, value: "lots" } }),
    ).rejects.toMatchObject({ param: "payload[value]" });
  });

  it("cancels a meter event with a meter event adjustment", async () => {
    const c = await stripe.customers.create({ email: "adjust@x.test" });
    await stripe.billing.meterEvents.create({ event_name: "vcpu_seconds", payload: { stripe_customer_id: c.id, value: "30" }, identifier: "keep" });
    await stripe.billing.meterEvents.create({ event_name: "vcpu_seconds", payload: { stripe_customer_id: c.id, value: "70" }, identifier: "oops" });
    const adj = await stripe.billing.meterEventAdjustments.create({ event_name: "vcpu_seconds", type: "cancel", cancel: { identifier: "oops" } });
    expect(adj).toMatchObject({ object: "billing.meter_event_adjustment", type: "cancel", cancel: { identifier: "oops" } });
    expect((await emulator.admin.meterTotals({ customer: c.id })).reduce((s, r) => s + r.value, 0)).toBe(30);
    await expect(
      stripe.billing.meterEventAdjustments.create({ event_name: "vcpu_seconds", type: "cancel", cancel: { identifier: "never-sent" } }),
    ).rejects.toMatchObject({ param: "cancel[identifier]" });
  });

  it("groups by UTC day", async () => {
    const c = await stripe.customers.create({ email: "day@x.test" });
    const now = await emulator.admin.now();
    const today = Math.floor(now / 86400) * 86400;
    await stripe.billing.meterEvents.create({ event_name: "vcpu_seconds", payload: { stripe_customer_id: c.id, value: "7" }, timestamp: today - 86400 + 5 });
    await stripe.billing.meterEvents.create({ event_name: "vcpu_seconds", payload: { stripe_customer_id: c.id, value: "8" }, timestamp: today - 10 });
    await stripe.billing.meterEvents.create({ event_name: "vcpu_seconds", payload: { stripe_customer_id: c.id, value: "9" }, timestamp: Math.min(now, today + 1) });
    const days = await stripe.billing.meters.listEventSummaries(meter.id, { customer: c.id, start_time: today - 86400, end_time: today + 86400, value_grouping_window: "day" });
    expect(days.data.map((d) => [d.start_time, d.aggregated_value])).toEqual([[today, 9], [today - 86400, 15]]);
  });
});
