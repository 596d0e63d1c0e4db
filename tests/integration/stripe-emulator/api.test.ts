// Stripe emulator through the real `stripe` SDK: customers, products and prices (lookup keys), lists, search, expand,
// the error envelope as the SDK's typed errors, bad keys, idempotency replay and mismatch, form decoding.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import Stripe from "stripe";
import type { StripeEmulator } from "@/stripe-emulator/index";
import { decodeForm } from "@/stripe-emulator/form-decode";
import { startEmulatorWithClient } from "./helpers";

let emulator: StripeEmulator;
let stripe: Stripe;

beforeAll(async () => {
  ({ emulator, stripe } = await startEmulatorWithClient());
});
afterAll(async () => {
  await emulator.stop();
});

describe("form decoding", () => {
  it("decodes nested keys, indexed and appended arrays, and metadata maps", () => {
    const parsed = decodeForm(
      "line_items[0][price]=price_1&line_items[0][quantity]=2&line_items[1][price]=price_2&expand[]=a&expand[]=b.c&metadata[0]=zero&metadata[k%20x]=v+w&payload[value]=1.5",
    );
    expect(parsed).toEqual({
      line_items: [{ price: "price_1", quantity: "2" }, { price: "price_2" }],
      expand: ["a", "b.c"],
      metadata: { "0": "zero", "k x": "v w" },
      payload: { value: "1.5" },
    });
  });
});

describe("customers", () => {
  it("creates, retrieves, updates, lists and deletes with Stripe's object shape", async () => {
    const created = await stripe.customers.create({ email: "ops@acme.test", name: "Acme", metadata: { org_id: "org_1" } });
    expect(created).toMatchObject({ object: "customer", livemode: false, email: "ops@acme.test", metadata: { org_id: "org_1" } });
    expect(created.id).toMatch(/^cus_/);
    expect(created.created).toBeGreaterThan(1_600_000_000);
    expect(created.created).toBeLessThan(Date.now()); // seconds, not ms

    const updated = await stripe.customers.update(created.id, { name: "Acme Inc", metadata: { org_id: "", plan: "pro" } });
    expect(updated.name).toBe("Acme Inc");
    expect(updated.metadata).toEqual({ plan: "pro" });
    expect((await stripe.customers.retrieve(created.id)) as Stripe.Customer).toMatchObject({ name: "Acme Inc" });

    const found = await stripe.customers.search({ query: "metadata['plan']:'pro' AND email:'ops@acme.test'" });
    expect(found.data.map((c) => c.id)).toEqual([created.id]);

    const deleted = await stripe.customers.del(created.id);
    expect(deleted).toMatchObject({ id: created.id, deleted: true });
    await expect(stripe.customers.retrieve(created.id)).rejects.toMatchObject({ statusCode: 404, code: "resource_missing" });
  });

  it("paginates newest first with has_more and starting_after, and auto-pagination walks every page", async () => {
    const tag = `page-${Date.now()}@x.test`;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await stripe.customers.create({ email: tag })).id);
    const first = await stripe.customers.list({ email: tag, limit: 2 });
    expect(first).toMatchObject({ object: "list", has_more: true, url: "/v1/customers" });
    expect(first.data.map((c) => c.id)).toEqual([ids[4], ids[3]]);
    const second = await stripe.customers.list({ email: tag, limit: 2, starting_after: ids[3] });
    expect(second.data.map((c) => c.id)).toEqual([ids[2], ids[1]]);
    const all: string[] = [];
    for await (const c of stripe.customers.list({ email: tag, limit: 2 })) all.push(c.id);
    expect(all).toEqual([...ids].reverse());
  });
});

describe("products and prices", () => {
  it("finds prices by lookup key, moves a key with transfer_lookup_key, and expands the product", async () => {
    const product = await stripe.products.create({ name: "Managed Postgres", id: `prod_pg_${Date.now()}` });
    const meter = await stripe.billing.meters.create({ display_name: "GiB hours", event_name: `gib_hours_${Date.now()}`, default_aggregation: { formula: "sum" } });
    const key = `pg_small_${Date.now()}`;
    const monthly = await stripe.prices.create({ product: product.id, currency: "usd", unit_amount: 1500, recurring: { interval: "month" }, lookup_key: key });
    expect(monthly).toMatchObject({ object: "price", type: "recurring", lookup_key: key, recurring: { interval: "month", interval_count: 1, usage_type: "licensed", meter: null } });
    const usage = await stripe.prices.create({
      product: product.id,
      currency: "usd",
      unit_amount_decimal: "0.25" as unknown as Stripe.Decimal,
      recurring: { interval: "month", usage_type: "metered", meter: meter.id },
      lookup_key: `${key}_usage`,
    });
    expect(usage.recurring).toMatchObject({ usage_type: "metered", meter: meter.id });
    expect(String(usage.unit_amount_decimal)).toBe("0.25");

    await expect(
      stripe.prices.create({ product: product.id, currency: "usd", unit_amount: 1600, recurring: { interval: "month" }, lookup_key: key }),
    ).rejects.toMatchObject({ type: "StripeInvalidRequestError", param: "lookup_key" });

    const replacement = await stripe.prices.create({
      product: product.id,
      currency: "usd",
      unit_amount: 1600,
      recurring: { interval: "month" },
      lookup_key: key,
      transfer_lookup_key: true,
    });
    const found = await stripe.prices.list({ lookup_keys: [key, `${key}_usage`], expand: ["data.product"] });
    expect(found.data.map((p) => p.id).sort()).toEqual([replacement.id, usage.id].sort());
    expect((found.data[0]?.product as Stripe.Product).name).toBe("Managed Postgres");
    expect((await stripe.prices.retrieve(monthly.id)).lookup_key).toBeNull();

    await expect(
      stripe.prices.create({ product: product.id, currency: "usd", unit_amount: 1, recurring: { interval: "month", usage_type: "metered" } }),
    ).rejects.toMatchObject({ param: "recurring[meter]" });
  });
});

describe("errors", () => {
  it("surfaces the error envelope as typed SDK errors with code and param", async () => {
    const missing = await stripe.checkout.sessions.create({ mode: "subscription", success_url: "http://x" }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(missing).toMatchObject({ statusCode: 400, code: "parameter_missing", param: "line_items", type: "StripeInvalidRequestError" });

    const notFound = await stripe.subscriptions.retrieve("sub_nope").catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(notFound).toMatchObject({ statusCode: 404, code: "resource_missing", param: "id", message: "No such subscription: 'sub_nope'" });

    const badInt = await stripe.customers.list({ limit: "many" as unknown as number }).catch((e: unknown) => e);
    expect(badInt).toMatchObject({ code: "parameter_invalid_integer", param: "limit" });
  });

  it("rejects a wrong secret key with 401 and an unknown URL with 404", async () => {
    const other = new Stripe("sk_test_wrong_key_1234", { ...emulator.stripeConfig, maxNetworkRetries: 0 });
    const err = await other.customers.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(err).toMatchObject({ statusCode: 401, message: expect.stringContaining("Invalid API Key provided: sk_test_") });
    const res = await fetch(`${emulator.url}/v1/nothing_here`, { headers: { Authorization: `Bearer ${emulator.apiKey}` } });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe("invalid_request_error");
  });
});

describe("idempotency keys", () => {
  it("replays the stored response for the same key and params, and rejects other params", async () => {
    const key = `idem-${Date.now()}`;
    const a = await stripe.customers.create({ email: "idem@x.test" }, { idempotencyKey: key });
    const b = await stripe.customers.create({ email: "idem@x.test" }, { idempotencyKey: key });
    expect(b.id).toBe(a.id);
    expect(b.lastResponse.headers["idempotent-replayed"]).toBe("true");
    expect((await stripe.customers.list({ email: "idem@x.test" })).data).toHaveLength(1);

    const mismatch = await stripe.customers.create({ email: "other@x.test" }, { idempotencyKey: key }).catch((e: unknown) => e);
    expect(mismatch).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(mismatch).toMatchObject({ statusCode: 400, message: expect.stringContaining("same parameters") });

    const otherEndpoint = await stripe.products.create({ name: "x" }, { idempotencyKey: key }).catch((e: unknown) => e);
    expect(otherEndpoint).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
  });

  it("records the request and idempotency key on the events a request caused", async () => {
    const key = `idem-evt-${Date.now()}`;
    const c = await stripe.customers.create({ email: "evt@x.test" }, { idempotencyKey: key });
    const events = await stripe.events.list({ type: "customer.created", limit: 100 });
    const event = events.data.find((e) => (e.data.object as Stripe.Customer).id === c.id);
    expect(event?.request).toMatchObject({ idempotency_key: key, id: expect.stringMatching(/^req_/) });
    expect(event?.api_version).toBe("2026-10-28.endive");
    expect((await stripe.events.retrieve(event?.id ?? "")).id).toBe(event?.id);
  });
});
