// /v1/invoices: list (customer, subscription, status), retrieve, lines, finalize, pay, void.
import { attemptPayment, buildInvoice, finalizeInvoice, nextPeriodEnd } from "../billing";
import { invalidRequest, noSuchParam } from "../errors";
import { newId } from "../ids";
import { matchesRange, newestFirst, paginate } from "../list";
import { optString } from "../params";
import type { Router } from "../router";
import { mustGet, respond, respondList } from "./util";

export function registerInvoices(router: Router): void {
  router.add("GET", "/v1/invoices", (req) => {
    const { params } = req;
    const customer = optString(params, "customer");
    const subscription = optString(params, "subscription");
    const status = optString(params, "status");
    const items = newestFirst(req.ctx.store.invoices).filter(
      (i) =>
        (!customer || i.customer === customer) &&
        (!subscription || i.parent?.subscription_details.subscription === subscription) &&
        (!status || i.status === status) &&
        matchesRange(i.created, params, "created"),
    );
    return respondList(req, paginate(items, params, "/v1/invoices"));
  });

  // The invoice the subscription would get at the end of its current period: usage so far plus the next flat period.
  router.add("POST", "/v1/invoices/create_preview", (req) => {
    const { ctx, params } = req;
    const subId = optString(params, "subscription");
    const customer = optString(params, "customer");
    if (subId && !ctx.store.subscriptions.has(subId)) throw noSuchParam("subscription", subId, "subscription");
    if (customer && !ctx.store.customers.has(customer)) throw noSuchParam("customer", customer, "customer");
    const sub = subId
      ? ctx.store.subscriptions.get(subId)
      : [...ctx.store.subscriptions.values()].reverse().find((s) => s.customer === customer && s.status !== "canceled");
    if (!sub || sub.status === "canceled")
      throw invalidRequest("No upcoming invoices for customer: " + (customer ?? subId ?? ""), undefined, "invoice_upcoming_none");
    const item0 = sub.items.data[0];
    const start = item0?.current_period_start ?? ctx.now();
    const end = item0?.current_period_end ?? ctx.now();
    const rec = item0?.price.recurring ?? { interval: "month", interval_count: 1 };
    const flat = sub.cancel_at_period_end ? undefined : { start: end, end: nextPeriodEnd(sub.billing_cycle_anchor, rec, end) };
    const preview = buildInvoice(ctx, sub, { billingReason: "subscription_cycle", usage: { start, end }, flat }, `upcoming_${newId("in")}`);
    preview.created = end;
    preview.automatically_finalizes_at = null;
    return respond(req, preview);
  });

  router.add("GET", "/v1/invoices/:id", (req) => respond(req, mustGet(req.ctx.store.invoices, req.pathParams.id ?? "", "invoice")));

  router.add("GET", "/v1/invoices/:id/lines", (req) => {
    const inv = mustGet(req.ctx.store.invoices, req.pathParams.id ?? "", "invoice");
    return respondList(req, paginate([...inv.lines.data], req.params, `/v1/invoices/${inv.id}/lines`));
  });

  router.add("POST", "/v1/invoices/:id/finalize", (req) => {
    const inv = mustGet(req.ctx.store.invoices, req.pathParams.id ?? "", "invoice");
    if (inv.status !== "draft") throw invalidRequest("This invoice is already finalized, you can't re-finalize a non-draft invoice.");
    finalizeInvoice(req.ctx, inv);
    return respond(req, inv);
  });

  router.add("POST", "/v1/invoices/:id/pay", (req) => {
    const { ctx } = req;
    const inv = mustGet(ctx.store.invoices, req.pathParams.id ?? "", "invoice");
    if (inv.status === "paid") throw invalidRequest("Invoice is already paid", undefined, "invoice_payment_intent_requires_action");
    if (inv.status === "void") throw invalidRequest("You cannot pay a void invoice.");
    if (inv.status === "draft") finalizeInvoice(ctx, inv);
    attemptPayment(ctx, inv);
    return respond(req, inv);
  });

  router.add("POST", "/v1/invoices/:id/void", (req) => {
    const { ctx } = req;
    const inv = mustGet(ctx.store.invoices, req.pathParams.id ?? "", "invoice");
    if (inv.status !== "open") throw invalidRequest("You can only void open invoices.");
    inv.status = "void";
    inv.next_payment_attempt = null;
    inv.amount_remaining = 0;
    inv.status_transitions.voided_at = ctx.now();
    ctx.emit("invoice.voided", inv);
    return respond(req, inv);
  });
}
