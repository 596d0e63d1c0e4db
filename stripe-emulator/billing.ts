// Subscription lifecycle: create from checkout or the API, bill each period (flat prices in advance, metered usage in
// arrears), finalize after a grace period, charge (honouring the "next payment fails" switch), retry, cancel.
import type { EmulatorContext } from "./context";
import { fromInt, formatDecimal, multiplyToMinorUnits, parseDecimal, toNumber } from "./decimal";
import { invalidRequest, noSuchParam } from "./errors";
import { newId } from "./ids";
import { aggregate, eventsInRange } from "./metering";
import type { Metadata } from "./params";
import type { InvoiceLineObj, InvoiceObj, PriceObj, SubscriptionItemObj, SubscriptionObj } from "./types";
import { previousAttributes } from "./resources/util";

const DAY = 86_400;

function addMonthsUtc(ts: number, months: number): number {
  const d = new Date(ts * 1000);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + months;
  const targetYear = y + Math.floor(m / 12);
  const targetMonth = ((m % 12) + 12) % 12;
  const daysInTarget = new Date(Date.UTC(targetYear, targetMonth + 1, 0)).getUTCDate();
  const day = Math.min(d.getUTCDate(), daysInTarget);
  return Date.UTC(targetYear, targetMonth, day, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()) / 1000;
}

/** The `n`-th period boundary after `anchor` for a price's interval (months clamp to the month's last day). */
export function periodBoundary(anchor: number, rec: { interval: string; interval_count: number }, n: number): number {
  const k = n * rec.interval_count;
  switch (rec.interval) {
    case "day":
      return anchor + k * DAY;
    case "week":
      return anchor + k * 7 * DAY;
    case "year":
      return addMonthsUtc(anchor, 12 * k);
    default:
      return addMonthsUtc(anchor, k);
  }
}

/** The first period end strictly after `after`. */
export function nextPeriodEnd(anchor: number, rec: { interval: string; interval_count: number }, after: number): number {
  let n = 1;
  let end = periodBoundary(anchor, rec, n);
  while (end <= after) end = periodBoundary(anchor, rec, ++n);
  return end;
}

export function formatAmount(minor: number, currency: string): string {
  const major = (minor / 100).toFixed(2);
  return currency === "usd" ? `$${major}` : `${major} ${currency.toUpperCase()}`;
}

function planFromPrice(p: PriceObj): Record<string, unknown> {
  return {
    id: p.id,
    object: "plan",
    active: p.active,
    amount: p.unit_amount,
    amount_decimal: p.unit_amount_decimal,
    billing_scheme: p.billing_scheme,
    created: p.created,
    currency: p.currency,
    interval: p.recurring?.interval ?? "month",
    interval_count: p.recurring?.interval_count ?? 1,
    livemode: false,
    metadata: p.metadata,
    meter: p.recurring?.meter ?? null,
    nickname: p.nickname,
    product: p.product,
    tiers_mode: null,
    transform_usage: null,
    trial_period_days: null,
    usage_type: p.recurring?.usage_type ?? "licensed",
  };
}

export interface ItemInput {
  price: string;
  quantity?: number;
  metadata?: Metadata;
}

/** Checks item prices (exist, active, recurring, one currency and interval) and returns them. */
export function resolveItemPrices(ctx: EmulatorContext, items: ItemInput[], param: string): PriceObj[] {
  if (items.length === 0) throw invalidRequest(`Missing required param: ${param}.`, param, "parameter_missing");
  const prices = items.map((it, i) => {
    const p = ctx.store.prices.get(it.price);
    if (!p) throw noSuchParam("price", it.price, `${param}[${i}][price]`);
    if (!p.active) throw invalidRequest(`The price specified is inactive. This field only accepts active prices.`, `${param}[${i}][price]`);
    if (!p.recurring) throw invalidRequest(`The price specified is set to \`type=one_time\` but this field only accepts prices with \`type=recurring\`.`, `${param}[${i}][price]`);
    return p;
  });
  const first = prices[0] as PriceObj;
  for (const p of prices) {
    if (p.currency !== first.currency) throw invalidRequest("All prices on a subscription must have the same `currency`.", param);
    if (p.recurring?.interval !== first.recurring?.interval || p.recurring?.interval_count !== first.recurring?.interval_count)
      throw invalidRequest("All prices on a subscription must have the same `recurring.interval` and `recurring.interval_count`.", param);
  }
  return prices;
}

export function makeItem(sub: { id: string }, price: PriceObj, input: ItemInput, now: number, start: number, end: number): SubscriptionItemObj {
  const item: SubscriptionItemObj = {
    id: newId("si"),
    object: "subscription_item",
    billing_thresholds: null,
    created: now,
    current_period_start: start,
    current_period_end: end,
    discounts: [],
    metadata: input.metadata ?? {},
    price: structuredClone(price),
    plan: planFromPrice(price),
    subscription: sub.id,
    tax_rates: [],
  };
  if (price.recurring?.usage_type !== "metered") item.quantity = input.quantity ?? 1;
  return item;
}

function productName(ctx: EmulatorContext, price: PriceObj): string {
  return ctx.store.products.get(price.product)?.name ?? price.product;
}

function line(ctx: EmulatorContext, inv: InvoiceObj, sub: SubscriptionObj, item: SubscriptionItemObj, quantity: bigint, start: number, end: number): InvoiceLineObj {
  const price = item.price;
  const unit = parseDecimal(price.unit_amount_decimal ?? String(price.unit_amount ?? 0)) ?? 0n;
  const amount = multiplyToMinorUnits(quantity, unit);
  const q = toNumber(quantity);
  const per = price.recurring?.usage_type === "metered" ? "unit" : (price.recurring?.interval ?? "unit");
  const unitText = price.unit_amount !== null ? formatAmount(price.unit_amount, price.currency) : `${price.unit_amount_decimal}¢`;
  return {
    id: newId("il"),
    object: "line_item",
    amount,
    currency: price.currency,
    description: `${formatDecimal(quantity)} × ${productName(ctx, price)} (at ${unitText} / ${per})`,
    discount_amounts: [],
    discountable: true,
    discounts: [],
    invoice: inv.id,
    livemode: false,
    metadata: {},
    parent: {
      type: "subscription_item_details",
      invoice_item_details: null,
      subscription_item_details: {
        invoice_item: null,
        proration: false,
        proration_details: { credited_items: null },
        subscription: sub.id,
        subscription_item: item.id,
      },
    },
    period: { start, end },
    pretax_credit_amounts: [],
    pricing: { type: "price_details", price_details: { price: price.id, product: price.product }, unit_amount_decimal: price.unit_amount_decimal },
    quantity: Number.isInteger(q) ? q : null,
    quantity_decimal: formatDecimal(quantity),
    subscription: sub.id,
    subtotal: amount,
    taxes: [],
  };
}

function usageQuantity(ctx: EmulatorContext, sub: SubscriptionObj, item: SubscriptionItemObj, start: number, end: number): bigint {
  const meterId = item.price.recurring?.meter;
  const meter = meterId ? ctx.store.meters.get(meterId) : undefined;
  if (!meter) return 0n;
  return aggregate(eventsInRange(ctx.store, meter.id, sub.customer, start, end), meter.default_aggregation.formula);
}

function setTotals(inv: InvoiceObj): void {
  const total = inv.lines.data.reduce((s, l) => s + l.amount, 0);
  inv.subtotal = inv.subtotal_excluding_tax = inv.total = inv.total_excluding_tax = total;
  inv.amount_due = Math.max(0, total);
  inv.amount_remaining = inv.status === "paid" ? 0 : inv.amount_due - inv.amount_paid;
}

export interface InvoicePlan {
  billingReason: InvoiceObj["billing_reason"];
  /** Metered usage billed in arrears for [usageStart, usageEnd). */
  usage?: { start: number; end: number };
  /** Licensed prices billed in advance for [start, end). */
  flat?: { start: number; end: number };
}

/** Computes a draft invoice for a subscription without storing it (previews use it as is). */
export function buildInvoice(ctx: EmulatorContext, sub: SubscriptionObj, plan: InvoicePlan, id = newId("in")): InvoiceObj {
  const customer = ctx.store.customers.get(sub.customer);
  const now = ctx.now();
  const inv: InvoiceObj = {
    id,
    object: "invoice",
    account_country: "US",
    account_name: "Fleetplane (Stripe emulator)",
    amount_due: 0,
    amount_overpaid: 0,
    amount_paid: 0,
    amount_remaining: 0,
    amount_shipping: 0,
    attempt_count: 0,
    attempted: false,
    auto_advance: true,
    automatically_finalizes_at: now + ctx.settings.invoiceFinalizationGraceSeconds,
    billing_reason: plan.billingReason,
    collection_method: "charge_automatically",
    created: now,
    currency: sub.currency,
    customer: sub.customer,
    customer_email: customer?.email ?? null,
    customer_name: customer?.name ?? null,
    description: null,
    discounts: [],
    due_date: null,
    effective_at: null,
    ending_balance: null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    lines: { object: "list", data: [], has_more: false, url: "" },
    livemode: false,
    metadata: {},
    next_payment_attempt: null,
    number: null,
    parent: { type: "subscription_details", quote_details: null, subscription_details: { metadata: { ...sub.metadata }, subscription: sub.id } },
    period_end: plan.usage?.end ?? plan.flat?.start ?? now,
    period_start: plan.usage?.start ?? plan.flat?.start ?? now,
    starting_balance: 0,
    status: "draft",
    status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
    subtotal: 0,
    subtotal_excluding_tax: 0,
    test_clock: null,
    total: 0,
    total_excluding_tax: 0,
    total_taxes: [],
    webhooks_delivered_at: null,
  };
  inv.lines.url = `/v1/invoices/${inv.id}/lines`;
  for (const item of sub.items.data) {
    const metered = item.price.recurring?.usage_type === "metered";
    if (metered && plan.usage) inv.lines.data.push(line(ctx, inv, sub, item, usageQuantity(ctx, sub, item, plan.usage.start, plan.usage.end), plan.usage.start, plan.usage.end));
    if (!metered && plan.flat) inv.lines.data.push(line(ctx, inv, sub, item, fromInt(item.quantity ?? 1), plan.flat.start, plan.flat.end));
  }
  setTotals(inv);
  return inv;
}

/** Creates and stores a draft invoice for a subscription (emits invoice.created). */
export function createInvoice(ctx: EmulatorContext, sub: SubscriptionObj, plan: InvoicePlan): InvoiceObj {
  const inv = buildInvoice(ctx, sub, plan);
  ctx.store.invoices.set(inv.id, inv);
  sub.latest_invoice = inv.id;
  ctx.emit("invoice.created", inv);
  return inv;
}

/** Draft → open: recounts metered usage (events that arrived during the grace period count), numbers the invoice. */
export function finalizeInvoice(ctx: EmulatorContext, inv: InvoiceObj): void {
  if (inv.status !== "draft") return;
  const sub = subscriptionOf(ctx, inv);
  if (sub) {
    for (const l of inv.lines.data) {
      const item = sub.items.data.find((i) => i.id === l.parent.subscription_item_details.subscription_item);
      if (!item || item.price.recurring?.usage_type !== "metered") continue;
      const fresh = line(ctx, inv, sub, item, usageQuantity(ctx, sub, item, l.period.start, l.period.end), l.period.start, l.period.end);
      Object.assign(l, { ...fresh, id: l.id });
    }
  }
  const customer = ctx.store.customers.get(inv.customer);
  const now = ctx.now();
  inv.status = "open";
  inv.automatically_finalizes_at = null;
  inv.status_transitions.finalized_at = now;
  inv.effective_at = now;
  if (customer) inv.number = `${customer.invoice_prefix}-${String(customer.next_invoice_sequence++).padStart(4, "0")}`;
  inv.hosted_invoice_url = `${ctx.publicUrl()}/invoices/${inv.id}`;
  inv.invoice_pdf = `${ctx.publicUrl()}/invoices/${inv.id}/pdf`;
  setTotals(inv);
  ctx.emit("invoice.finalized", inv);
}

export function subscriptionOf(ctx: EmulatorContext, inv: InvoiceObj): SubscriptionObj | undefined {
  const id = inv.parent?.subscription_details.subscription;
  return id ? ctx.store.subscriptions.get(id) : undefined;
}

function setSubscriptionStatus(ctx: EmulatorContext, sub: SubscriptionObj, status: SubscriptionObj["status"]): void {
  if (sub.status === status) return;
  const before = structuredClone(sub);
  sub.status = status;
  ctx.emit("customer.subscription.updated", sub, previousAttributes(before, sub));
}

/**
 * Charges an open invoice. `outcome` forces the result (hosted pages); otherwise the customer's payment behavior
 * switch decides (`fail_next` fails once, `fail_always` until reset). Returns whether it was paid.
 */
export function attemptPayment(ctx: EmulatorContext, inv: InvoiceObj, outcome?: "succeed" | "fail"): boolean {
  if (inv.status !== "open") return inv.status === "paid";
  const now = ctx.now();
  let succeed = outcome === "succeed";
  if (outcome === undefined) {
    const behavior = ctx.store.paymentBehavior.get(inv.customer) ?? "succeed";
    succeed = inv.amount_due === 0 || behavior === "succeed";
    if (behavior === "fail_next" && inv.amount_due > 0) ctx.store.paymentBehavior.set(inv.customer, "succeed");
  }
  inv.attempted = true;
  if (inv.amount_due > 0) inv.attempt_count++;
  const sub = subscriptionOf(ctx, inv);
  if (succeed) {
    inv.status = "paid";
    inv.amount_paid = inv.amount_due;
    inv.amount_remaining = 0;
    inv.next_payment_attempt = null;
    inv.status_transitions.paid_at = now;
    ctx.emit("invoice.paid", inv);
    ctx.emit("invoice.payment_succeeded", inv);
    if (sub && ["past_due", "unpaid", "incomplete"].includes(sub.status)) {
      const stillOpen = [...ctx.store.invoices.values()].some((i) => i.status === "open" && subscriptionOf(ctx, i)?.id === sub.id);
      if (!stillOpen) setSubscriptionStatus(ctx, sub, "active");
    }
    return true;
  }
  const retryDays = ctx.settings.paymentRetryDays[inv.attempt_count - 1];
  const isFirstInvoice = inv.billing_reason === "subscription_create";
  inv.next_payment_attempt = retryDays !== undefined && !isFirstInvoice && outcome === undefined ? now + retryDays * DAY : null;
  ctx.emit("invoice.payment_failed", inv);
  if (sub && !isFirstInvoice) {
    if (inv.next_payment_attempt === null && outcome === undefined) {
      if (ctx.settings.retriesExhaustedAction === "canceled") cancelSubscriptionNow(ctx, sub, { invoiceNow: false, reason: "payment_failed" });
      else setSubscriptionStatus(ctx, sub, "unpaid");
    } else if (sub.status === "active") setSubscriptionStatus(ctx, sub, "past_due");
  }
  return false;
}

export interface CreateSubscriptionInput {
  customer: string;
  items: ItemInput[];
  metadata?: Metadata;
  description?: string | null;
  /** Checkout already collected the first payment. */
  paidByCheckout?: boolean;
  itemsParam?: string;
}

/** Creates an active subscription, bills its first period and emits the events Stripe sends. */
export function createSubscription(ctx: EmulatorContext, input: CreateSubscriptionInput): { sub: SubscriptionObj; invoice: InvoiceObj } {
  const prices = resolveItemPrices(ctx, input.items, input.itemsParam ?? "items");
  const first = prices[0] as PriceObj;
  const now = ctx.now();
  const end = nextPeriodEnd(now, first.recurring ?? { interval: "month", interval_count: 1 }, now);
  const sub: SubscriptionObj = {
    id: newId("sub"),
    object: "subscription",
    billing_cycle_anchor: now,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: null,
    cancellation_details: { comment: null, feedback: null, reason: null },
    collection_method: "charge_automatically",
    created: now,
    currency: first.currency,
    customer: input.customer,
    days_until_due: null,
    default_payment_method: null,
    description: input.description ?? null,
    discounts: [],
    ended_at: null,
    items: { object: "list", data: [], has_more: false, url: "" },
    latest_invoice: null,
    livemode: false,
    metadata: input.metadata ?? {},
    pause_collection: null,
    start_date: now,
    status: "incomplete",
    test_clock: null,
    trial_end: null,
    trial_start: null,
  };
  sub.items.url = `/v1/subscription_items?subscription=${sub.id}`;
  sub.items.data = prices.map((p, i) => makeItem(sub, p, input.items[i] as ItemInput, now, now, end));
  ctx.store.subscriptions.set(sub.id, sub);
  if (input.paidByCheckout) sub.status = "active";
  ctx.emit("customer.subscription.created", sub);
  const invoice = createInvoice(ctx, sub, { billingReason: "subscription_create", flat: { start: now, end }, usage: { start: now, end: now } });
  finalizeInvoice(ctx, invoice);
  const paid = attemptPayment(ctx, invoice, input.paidByCheckout ? "succeed" : undefined);
  if (paid && sub.status === "incomplete") setSubscriptionStatus(ctx, sub, "active");
  return { sub, invoice };
}

/** Cancels now (DELETE /v1/subscriptions/:id, customer deletion, exhausted retries). */
export function cancelSubscriptionNow(ctx: EmulatorContext, sub: SubscriptionObj, opts: { invoiceNow: boolean; reason: string }): void {
  if (sub.status === "canceled") return;
  const now = ctx.now();
  const start = sub.items.data[0]?.current_period_start ?? now;
  if (opts.invoiceNow && sub.items.data.some((i) => i.price.recurring?.usage_type === "metered")) {
    const inv = createInvoice(ctx, sub, { billingReason: "subscription_cycle", usage: { start, end: now } });
    finalizeInvoice(ctx, inv);
    attemptPayment(ctx, inv);
  }
  sub.status = "canceled";
  sub.canceled_at ??= now;
  sub.ended_at = now;
  sub.cancel_at_period_end = false;
  sub.cancellation_details = { comment: null, feedback: null, reason: opts.reason };
  ctx.emit("customer.subscription.deleted", sub);
}

/** At the end of a period: final invoice and cancel (cancel_at_period_end), or invoice and roll to the next period. */
function renewSubscription(ctx: EmulatorContext, sub: SubscriptionObj): void {
  const item0 = sub.items.data[0];
  if (!item0) return;
  const start = item0.current_period_start;
  const end = item0.current_period_end;
  const rec = item0.price.recurring ?? { interval: "month", interval_count: 1 };
  if (sub.cancel_at_period_end || (sub.cancel_at !== null && sub.cancel_at <= end)) {
    if (sub.items.data.some((i) => i.price.recurring?.usage_type === "metered"))
      createInvoice(ctx, sub, { billingReason: "subscription_cycle", usage: { start, end } });
    sub.status = "canceled";
    sub.ended_at = end;
    sub.cancellation_details = { comment: null, feedback: null, reason: "cancellation_requested" };
    ctx.emit("customer.subscription.deleted", sub);
    return;
  }
  const before = structuredClone(sub);
  const next = nextPeriodEnd(sub.billing_cycle_anchor, rec, end);
  for (const item of sub.items.data) {
    item.current_period_start = end;
    item.current_period_end = next;
  }
  createInvoice(ctx, sub, { billingReason: "subscription_cycle", usage: { start, end }, flat: { start: end, end: next } });
  ctx.emit("customer.subscription.updated", sub, previousAttributes(before, sub));
}

type DueWork = { at: number; run: () => void };

function nextDue(ctx: EmulatorContext, target: number): DueWork | undefined {
  let best: DueWork | undefined;
  const consider = (at: number | null | undefined, run: () => void) => {
    if (at === null || at === undefined || at > target) return;
    if (!best || at < best.at) best = { at, run };
  };
  for (const sub of ctx.store.subscriptions.values()) {
    if (sub.status === "canceled" || sub.status === "incomplete" || sub.status === "incomplete_expired") continue;
    consider(sub.items.data[0]?.current_period_end, () => renewSubscription(ctx, sub));
  }
  for (const inv of ctx.store.invoices.values()) {
    if (inv.status === "draft") consider(inv.automatically_finalizes_at, () => {
      finalizeInvoice(ctx, inv);
      attemptPayment(ctx, inv);
    });
    else if (inv.status === "open") consider(inv.next_payment_attempt, () => attemptPayment(ctx, inv));
  }
  for (const cs of ctx.store.checkoutSessions.values()) {
    if (cs.status === "open") consider(cs.expires_at, () => {
      cs.status = "expired";
      cs.url = null;
      ctx.emit("checkout.session.expired", cs);
    });
  }
  return best;
}

let lastPrune = 0;

/** Runs, in time order, every piece of billing work due up to the clock's current time. */
export function processDueWork(ctx: EmulatorContext): number {
  const target = ctx.now();
  let steps = 0;
  try {
    for (let work = nextDue(ctx, target); work && steps < 100_000; work = nextDue(ctx, target)) {
      ctx.clock.pin(work.at * 1000);
      work.run();
      steps++;
    }
  } finally {
    ctx.clock.pin(null);
  }
  if (target - lastPrune >= 60) {
    lastPrune = target;
    ctx.store.pruneIdentifiers(target - DAY);
  }
  return steps;
}
