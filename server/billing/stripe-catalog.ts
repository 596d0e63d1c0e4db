// Creates the Stripe side of the catalog idempotently: one Billing Meter and one metered price per meter, one
// flat monthly price per paid plan, each found by its lookup key (or event name) before anything is created.
import { and, eq, gt } from "drizzle-orm";
import Stripe from "stripe";
import type { Db } from "@/db/client";
import { billingMeters, plans, services } from "@/db/schema";
import { log } from "@/server/log";
import { METER_LIST, type MeterDefinition } from "@/server/metering/meters";
import { getStripe } from "./stripe-client";

export const meterPriceLookupKey = (m: MeterDefinition) => `fleetplane_meter_${m.key}`;
export const planPriceLookupKey = (planId: string) => `fleetplane_plan_${planId}`;

async function findMeter(stripe: Stripe, eventName: string): Promise<Stripe.Billing.Meter | undefined> {
  for await (const meter of stripe.billing.meters.list({ limit: 100 })) {
    if (meter.event_name === eventName) return meter;
  }
  return undefined;
}

async function findPrice(stripe: Stripe, lookupKey: string): Promise<Stripe.Price | undefined> {
  const { data } = await stripe.prices.list({ lookup_keys: [lookupKey], active: true, limit: 1 });
  return data[0];
}

async function ensureMeter(db: Db, stripe: Stripe, m: MeterDefinition): Promise<void> {
  let meter = await findMeter(stripe, m.eventName);
  if (!meter) {
    meter = await stripe.billing.meters.create(
      {
        display_name: `${m.label} (${m.unit})`,
        event_name: m.eventName,
        default_aggregation: { formula: "sum" },
        customer_mapping: { type: "by_id", event_payload_key: "stripe_customer_id" },
        value_settings: { event_payload_key: "value" },
      },
      { idempotencyKey: `fleetplane-meter-${m.eventName}` },
    );
  } else if (meter.status !== "active") {
    meter = await stripe.billing.meters.reactivate(meter.id);
  }
  const key = meterPriceLookupKey(m);
  let price = await findPrice(stripe, key);
  if (!price || !price.unit_amount_decimal?.eq(Stripe.Decimal.from(m.unitAmountCents)) || price.recurring?.meter !== meter.id) {
    // A new rate is a new price; the lookup key moves to it, and subscriptions pick it up when re-synced.
    price = await stripe.prices.create(
      {
        currency: "usd",
        unit_amount_decimal: Stripe.Decimal.from(m.unitAmountCents),
        recurring: { interval: "month", usage_type: "metered", meter: meter.id },
        product_data: { name: `${m.label} usage` },
        lookup_key: key,
        transfer_lookup_key: true,
        metadata: { fleetplane_meter: m.key },
      },
      { idempotencyKey: `fleetplane-price-${key}-${m.unitAmountCents}-${meter.id}` },
    );
  }
  await db
    .insert(billingMeters)
    .values({ meter: m.key, stripeMeterId: meter.id, stripePriceId: price.id })
    .onConflictDoUpdate({ target: billingMeters.meter, set: { stripeMeterId: meter.id, stripePriceId: price.id, syncedAt: new Date() } });
}

async function ensurePlanPrice(db: Db, stripe: Stripe, plan: typeof plans.$inferSelect, serviceName: string): Promise<void> {
  const key = planPriceLookupKey(plan.id);
  let price = await findPrice(stripe, key);
  if (!price || price.unit_amount !== plan.priceMonthlyCents) {
    price = await stripe.prices.create(
      {
        currency: "usd",
        unit_amount: plan.priceMonthlyCents,
        recurring: { interval: "month", usage_type: "licensed" },
        product_data: { name: `${serviceName} ${plan.name} (per instance)` },
        lookup_key: key,
        transfer_lookup_key: true,
        metadata: { fleetplane_plan: plan.id },
      },
      { idempotencyKey: `fleetplane-price-${key}-${plan.priceMonthlyCents}` },
    );
  }
  if (plan.stripePriceId !== price.id) await db.update(plans).set({ stripePriceId: price.id }).where(eq(plans.id, plan.id));
}

/** Brings Stripe in line with the catalog; safe to run at every start and after catalog edits. */
export async function syncStripeCatalog(db: Db): Promise<{ meters: number; plans: number }> {
  const stripe = getStripe();
  for (const m of METER_LIST) await ensureMeter(db, stripe, m);
  const paid = await db
    .select({ plan: plans, serviceName: services.name })
    .from(plans)
    .innerJoin(services, eq(services.id, plans.serviceId))
    .where(and(eq(plans.free, false), gt(plans.priceMonthlyCents, 0)));
  for (const p of paid) await ensurePlanPrice(db, stripe, p.plan, p.serviceName);
  log.info("billing", "Stripe catalog in sync", { meters: METER_LIST.length, plans: paid.length });
  return { meters: METER_LIST.length, plans: paid.length };
}
