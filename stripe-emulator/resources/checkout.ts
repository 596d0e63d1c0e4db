// /v1/checkout/sessions (subscription and payment mode, hosted page URL, line_items, expire) and
// /v1/billing_portal/sessions; `completeCheckout` is what the hosted page's Pay button runs.
import { createSubscription } from "../billing";
import type { EmulatorContext } from "../context";
import { invalidRequest, missingParam, noSuchParam } from "../errors";
import { newId } from "../ids";
import { matchesRange, newestFirst, paginate } from "../list";
import {
  applyMetadata,
  objectArray,
  optEnum,
  optInt,
  optNullableString,
  optObject,
  optString,
  reqString,
} from "../params";
import type { Router } from "../router";
import type { CheckoutLineItem, CheckoutSessionObj, CustomerObj, PortalSessionObj } from "../types";
import { mustGet, respond, respondList } from "./util";

export const DEFAULT_PORTAL_CONFIGURATION = "bpc_emulator_default";

/** Completes an open session as if the card was charged; returns the URL to redirect the browser to. */
export function completeCheckout(ctx: EmulatorContext, session: CheckoutSessionObj, form: { email?: string; name?: string }): string {
  if (session.status !== "open") throw invalidRequest(`This Checkout Session is ${session.status}.`);
  let customer: CustomerObj | undefined = session.customer ? ctx.store.customers.get(session.customer) : undefined;
  const email = form.email || session.customer_email || customer?.email || "customer@example.com";
  if (!customer) {
    const created = ctx.now();
    customer = {
      id: newId("cus"),
      object: "customer",
      address: null,
      balance: 0,
      created,
      currency: session.currency,
      default_source: null,
      delinquent: false,
      description: null,
      email,
      invoice_prefix: newId("x").slice(2, 10).toUpperCase(),
      invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
      livemode: false,
      metadata: {},
      name: form.name || null,
      next_invoice_sequence: 1,
      phone: null,
      preferred_locales: [],
      shipping: null,
      tax_exempt: "none",
      test_clock: null,
    };
    ctx.store.customers.set(customer.id, customer);
    ctx.emit("customer.created", customer);
    session.customer = customer.id;
  }
  customer.invoice_settings.default_payment_method ??= newId("pm");
  if (session.mode === "subscription") {
    const data = ctx.store.checkoutSubscriptionData.get(session.id);
    const items = (session.line_items?.data ?? []).map((li) => ({ price: li.price, quantity: li.quantity ?? undefined }));
    const { sub, invoice } = createSubscription(ctx, {
      customer: customer.id,
      items,
      metadata: data?.metadata ?? {},
      description: data?.description ?? null,
      paidByCheckout: true,
      itemsParam: "line_items",
    });
    sub.default_payment_method = customer.invoice_settings.default_payment_method;
    session.subscription = sub.id;
    session.invoice = invoice.id;
  }
  session.status = "complete";
  session.payment_status = session.amount_total > 0 ? "paid" : "no_payment_required";
  session.customer_details = { email, name: form.name || customer.name };
  session.url = null;
  ctx.emit("checkout.session.completed", session);
  return (session.success_url ?? `${ctx.publicUrl()}/checkout/${session.id}`).replace("{CHECKOUT_SESSION_ID}", session.id);
}

export function registerCheckout(router: Router): void {
  router.add("POST", "/v1/checkout/sessions", (req) => {
    const { ctx, params } = req;
    const mode = optEnum(params, "mode", ["payment", "setup", "subscription"] as const);
    if (!mode) throw missingParam("mode");
    if (mode === "setup") throw invalidRequest("The Stripe emulator does not support mode=setup.", "mode");
    const customer = optString(params, "customer") ?? null;
    if (customer && !ctx.store.customers.has(customer)) throw noSuchParam("customer", customer, "customer");
    const customerEmail = optString(params, "customer_email") ?? null;
    if (customer && customerEmail) throw invalidRequest("You may only specify one of these parameters: customer, customer_email.", "customer");
    const successUrl = optString(params, "success_url") ?? null;
    if (!successUrl) throw missingParam("success_url");
    const entries = objectArray(params, "line_items");
    if (entries.length === 0) throw missingParam("line_items");
    const now = ctx.now();
    const id = `cs_test_${newId("x").slice(2)}`;
    let currency: string | null = null;
    let total = 0;
    const lineItems: CheckoutLineItem[] = entries.map((it, i) => {
      const param = `line_items[${i}]`;
      const priceId = optString(it, "price", param);
      if (!priceId) throw invalidRequest(`Missing required param: ${param}[price].`, `${param}[price]`, "parameter_missing");
      const price = ctx.store.prices.get(priceId);
      if (!price) throw noSuchParam("price", priceId, `${param}[price]`);
      if (!price.active) throw invalidRequest("The price specified is inactive. This field only accepts active prices.", `${param}[price]`);
      if (mode === "subscription" && !price.recurring)
        throw invalidRequest(
          "You must provide at least one recurring price in `subscription` mode when using prices.",
          `${param}[price]`,
        );
      if (mode === "payment" && price.recurring)
        throw invalidRequest("You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.", `${param}[price]`);
      const metered = price.recurring?.usage_type === "metered";
      const quantity = optInt(it, "quantity", param);
      if (metered && quantity !== undefined)
        throw invalidRequest(`Quantity should not be specified where usage_type is \`metered\`. Remove quantity from \`${param}\`.`, `${param}[quantity]`);
      if (!metered && quantity === undefined)
        throw invalidRequest(`Quantity is required. Add \`quantity\` to \`${param}\``, `${param}[quantity]`, "parameter_missing");
      if (currency && currency !== price.currency) throw invalidRequest("All prices must use the same currency.", `${param}[price]`);
      currency = price.currency;
      const amount = metered ? 0 : (price.unit_amount ?? 0) * (quantity ?? 1);
      total += amount;
      return {
        id: newId("li"),
        object: "item",
        amount_discount: 0,
        amount_subtotal: amount,
        amount_tax: 0,
        amount_total: amount,
        currency: price.currency,
        description: ctx.store.products.get(price.product)?.name ?? price.product,
        price: price.id,
        quantity: metered ? null : (quantity ?? 1),
        metadata: {},
      };
    });
    const expiresAt = optInt(params, "expires_at") ?? now + 24 * 3600;
    if (expiresAt < now + 1800 || expiresAt > now + 24 * 3600)
      throw invalidRequest("The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.", "expires_at");
    const session: CheckoutSessionObj = {
      id,
      object: "checkout.session",
      amount_subtotal: total,
      amount_total: total,
      cancel_url: optString(params, "cancel_url") ?? null,
      client_reference_id: optNullableString(params, "client_reference_id") ?? null,
      created: now,
      currency,
      customer,
      customer_creation: customer ? null : "always",
      customer_details: null,
      customer_email: customerEmail,
      expires_at: expiresAt,
      invoice: null,
      livemode: false,
      metadata: applyMetadata({}, params),
      mode,
      payment_intent: null,
      payment_method_types: ["card"],
      payment_status: "unpaid",
      status: "open",
      subscription: null,
      success_url: successUrl,
      ui_mode: "hosted",
      url: `${ctx.publicUrl()}/checkout/${id}`,
      line_items: { object: "list", data: lineItems, has_more: false, url: `/v1/checkout/sessions/${id}/line_items` },
    };
    const subData = optObject(params, "subscription_data");
    if (subData)
      ctx.store.checkoutSubscriptionData.set(id, {
        metadata: applyMetadata({}, subData),
        description: optNullableString(subData, "description", "subscription_data") ?? null,
      });
    ctx.store.checkoutSessions.set(id, session);
    return respond(req, session);
  });

  router.add("GET", "/v1/checkout/sessions/:id", (req) => respond(req, mustGet(req.ctx.store.checkoutSessions, req.pathParams.id ?? "", "checkout.session")));

  router.add("GET", "/v1/checkout/sessions/:id/line_items", (req) => {
    const s = mustGet(req.ctx.store.checkoutSessions, req.pathParams.id ?? "", "checkout.session");
    return respondList(req, paginate([...(s.line_items?.data ?? [])], req.params, `/v1/checkout/sessions/${s.id}/line_items`));
  });

  router.add("POST", "/v1/checkout/sessions/:id/expire", (req) => {
    const { ctx } = req;
    const s = mustGet(ctx.store.checkoutSessions, req.pathParams.id ?? "", "checkout.session");
    if (s.status !== "open") throw invalidRequest(`Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "${s.status}".`);
    s.status = "expired";
    s.url = null;
    ctx.emit("checkout.session.expired", s);
    return respond(req, s);
  });

  router.add("GET", "/v1/checkout/sessions", (req) => {
    const { params } = req;
    const customer = optString(params, "customer");
    const subscription = optString(params, "subscription");
    const status = optString(params, "status");
    const items = newestFirst(req.ctx.store.checkoutSessions).filter(
      (s) =>
        (!customer || s.customer === customer) &&
        (!subscription || s.subscription === subscription) &&
        (!status || s.status === status) &&
        matchesRange(s.created, params, "created"),
    );
    return respondList(req, paginate(items, params, "/v1/checkout/sessions"));
  });

  router.add("POST", "/v1/billing_portal/sessions", (req) => {
    const { ctx, params } = req;
    const customer = reqString(params, "customer");
    if (!ctx.store.customers.has(customer)) throw noSuchParam("customer", customer, "customer");
    const id = newId("bps");
    const session: PortalSessionObj = {
      id,
      object: "billing_portal.session",
      configuration: optString(params, "configuration") ?? DEFAULT_PORTAL_CONFIGURATION,
      created: ctx.now(),
      customer,
      customer_account: null,
      flow: null,
      livemode: false,
      locale: null,
      on_behalf_of: null,
      return_url: optString(params, "return_url") ?? null,
      url: `${ctx.publicUrl()}/portal/${id}`,
    };
    ctx.store.portalSessions.set(id, session);
    return respond(req, session);
  });
}
