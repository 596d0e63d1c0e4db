// /v1/subscriptions (create, retrieve, list by customer/price/status, update: cancel_at_period_end, cancel_at, items,
// metadata; cancel) and /v1/subscription_items (list, retrieve). No prorations: price changes apply from the next invoice.
import { cancelSubscriptionNow, createSubscription, type ItemInput, makeItem, resolveItemPrices } from "../billing";
import type { EmulatorContext } from "../context";
import { invalidRequest, noSuch, noSuchParam } from "../errors";
import type { FormObject } from "../form-decode";
import { matchesRange, newestFirst, paginate } from "../list";
import {
  applyMetadata,
  objectArray,
  optBool,
  optInt,
  optNullableString,
  optObject,
  optString,
  reqString,
} from "../params";
import type { Router } from "../router";
import type { SubscriptionObj } from "../types";
import { mustGet, previousAttributes, respond, respondList } from "./util";

function itemInputs(params: FormObject, name: string): ItemInput[] {
  return objectArray(params, name).map((it, i) => ({
    price: reqString(it, "price", `${name}[${i}]`),
    quantity: optInt(it, "quantity", `${name}[${i}]`),
    metadata: applyMetadata({}, it),
  }));
}

function updateItems(ctx: EmulatorContext, sub: SubscriptionObj, params: FormObject): void {
  const entries = objectArray(params, "items");
  if (entries.length === 0) return;
  const now = ctx.now();
  const start = sub.items.data[0]?.current_period_start ?? now;
  const end = sub.items.data[0]?.current_period_end ?? now;
  const items = [...sub.items.data];
  entries.forEach((it, i) => {
    const param = `items[${i}]`;
    const id = optString(it, "id", param);
    const priceId = optString(it, "price", param);
    if (id) {
      const idx = items.findIndex((x) => x.id === id);
      const existing = items[idx];
      if (!existing) throw noSuchParam("subscription item", id, `${param}[id]`);
      if (optBool(it, "deleted", param)) {
        items.splice(idx, 1);
        return;
      }
      if (priceId && priceId !== existing.price.id) {
        const [price] = resolveItemPrices(ctx, [{ price: priceId }], "items");
        if (price) {
          const replaced = makeItem(sub, price, { price: priceId, quantity: optInt(it, "quantity", param) ?? existing.quantity, metadata: existing.metadata }, existing.created, start, end);
          items[idx] = { ...replaced, id: existing.id };
        }
      } else {
        const q = optInt(it, "quantity", param);
        if (q !== undefined && existing.price.recurring?.usage_type !== "metered") existing.quantity = q;
      }
      const target = items[idx];
      if (target) target.metadata = applyMetadata(target.metadata, it);
      return;
    }
    if (!priceId) throw invalidRequest(`Missing required param: ${param}[price].`, `${param}[price]`, "parameter_missing");
    const [price] = resolveItemPrices(ctx, [{ price: priceId }], "items");
    if (price) items.push(makeItem(sub, price, { price: priceId, quantity: optInt(it, "quantity", param), metadata: applyMetadata({}, it) }, now, start, end));
  });
  if (items.length === 0) throw invalidRequest("A subscription must have at least one active plan.", "items");
  resolveItemPrices(ctx, items.map((x) => ({ price: x.price.id })), "items");
  sub.items.data = items;
}

export function registerSubscriptions(router: Router): void {
  router.add("POST", "/v1/subscriptions", (req) => {
    const { ctx, params } = req;
    const customer = reqString(params, "customer");
    if (!ctx.store.customers.has(customer)) throw noSuchParam("customer", customer, "customer");
    const { sub } = createSubscription(ctx, {
      customer,
      items: itemInputs(params, "items"),
      metadata: applyMetadata({}, params),
      description: optNullableString(params, "description") ?? null,
    });
    return respond(req, sub);
  });

  router.add("GET", "/v1/subscriptions/:id", (req) => respond(req, mustGet(req.ctx.store.subscriptions, req.pathParams.id ?? "", "subscription")));

  router.add("POST", "/v1/subscriptions/:id", (req) => {
    const { ctx, params } = req;
    const sub = mustGet(ctx.store.subscriptions, req.pathParams.id ?? "", "subscription");
    const before = structuredClone(sub);
    if (sub.status === "canceled") {
      const allowed = new Set(["metadata", "cancellation_details", "expand"]);
      if (Object.keys(params).some((k) => !allowed.has(k)))
        throw invalidRequest("A canceled subscription can only update its cancellation_details and metadata.");
    }
    const now = ctx.now();
    const periodEnd = sub.items.data[0]?.current_period_end ?? now;
    const atEnd = optBool(params, "cancel_at_period_end");
    if (atEnd !== undefined) {
      sub.cancel_at_period_end = atEnd;
      sub.cancel_at = atEnd ? periodEnd : null;
      sub.canceled_at = atEnd ? now : null;
    }
    if (params.cancel_at !== undefined) {
      const at = optString(params, "cancel_at");
      if (!at) {
        sub.cancel_at = null;
        sub.cancel_at_period_end = false;
        sub.canceled_at = null;
      } else if (at === "max_period_end" || at === "min_period_end") {
        sub.cancel_at = periodEnd;
        sub.canceled_at = now;
      } else {
        const ts = optInt(params, "cancel_at") ?? periodEnd;
        if (ts <= now) throw invalidRequest("cancel_at must be in the future.", "cancel_at");
        sub.cancel_at = ts;
        sub.cancel_at_period_end = ts === periodEnd;
        sub.canceled_at = now;
      }
    }
    const details = optObject(params, "cancellation_details");
    if (details && sub.cancellation_details) {
      const comment = optNullableString(details, "comment", "cancellation_details");
      if (comment !== undefined) sub.cancellation_details.comment = comment;
      const feedback = optNullableString(details, "feedback", "cancellation_details");
      if (feedback !== undefined) sub.cancellation_details.feedback = feedback;
    }
    const description = optNullableString(params, "description");
    if (description !== undefined) sub.description = description;
    sub.metadata = applyMetadata(sub.metadata, params);
    updateItems(ctx, sub, params);
    const prev = previousAttributes(before, sub);
    if (prev) ctx.emit("customer.subscription.updated", sub, prev);
    return respond(req, sub);
  });

  router.add("DELETE", "/v1/subscriptions/:id", (req) => {
    const { ctx, params } = req;
    const sub = mustGet(ctx.store.subscriptions, req.pathParams.id ?? "", "subscription");
    if (sub.status === "canceled") throw invalidRequest(`No such subscription: '${sub.id}'`, "id", "resource_missing");
    cancelSubscriptionNow(ctx, sub, { invoiceNow: optBool(params, "invoice_now") ?? false, reason: "cancellation_requested" });
    return respond(req, sub);
  });

  router.add("GET", "/v1/subscriptions", (req) => {
    const { params } = req;
    const customer = optString(params, "customer");
    const price = optString(params, "price");
    const status = optString(params, "status");
    const items = newestFirst(req.ctx.store.subscriptions).filter((s) => {
      if (customer && s.customer !== customer) return false;
      if (price && !s.items.data.some((i) => i.price.id === price)) return false;
      if (!status) { if (s.status === "canceled" || s.status === "incomplete_expired") return false; }
      else if (status === "ended") { if (s.status !== "canceled" && s.status !== "incomplete_expired") return false; }
      else if (status !== "all" && s.status !== status) return false;
      return matchesRange(s.created, params, "created");
    });
    return respondList(req, paginate(items, params, "/v1/subscriptions"));
  });

  router.add("GET", "/v1/subscription_items", (req) => {
    const subId = reqString(req.params, "subscription");
    const sub = req.ctx.store.subscriptions.get(subId);
    if (!sub) throw noSuchParam("subscription", subId, "subscription");
    return respondList(req, paginate([...sub.items.data], req.params, "/v1/subscription_items"));
  });

  router.add("GET", "/v1/subscription_items/:id", (req) => {
    const id = req.pathParams.id ?? "";
    for (const sub of req.ctx.store.subscriptions.values()) {
      const item = sub.items.data.find((i) => i.id === id);
      if (item) return respond(req, item);
    }
    throw noSuch("subscription_item", id);
  });
}
