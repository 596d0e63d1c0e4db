// /v1/customers: create, retrieve, update, delete, list (email, created), search (email, name, metadata).
import { newId, randomToken } from "../ids";
import { matchesRange, matchesSearch, newestFirst, paginate, parseSearchQuery, searchResult } from "../list";
import { applyMetadata, optNullableString, optObject, optString, reqString } from "../params";
import type { Router } from "../router";
import type { CustomerObj } from "../types";
import { cancelSubscriptionNow } from "../billing";
import { mustGet, previousAttributes, respond, respondList } from "./util";

export function registerCustomers(router: Router): void {
  router.add("POST", "/v1/customers", (req) => {
    const { params, ctx } = req;
    const customer: CustomerObj = {
      id: newId("cus"),
      object: "customer",
      address: null,
      balance: 0,
      created: ctx.now(),
      currency: null,
      default_source: null,
      delinquent: false,
      description: optNullableString(params, "description") ?? null,
      email: optNullableString(params, "email") ?? null,
      invoice_prefix: randomToken(8).toUpperCase(),
      invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
      livemode: false,
      metadata: applyMetadata({}, params),
      name: optNullableString(params, "name") ?? null,
      next_invoice_sequence: 1,
      phone: optNullableString(params, "phone") ?? null,
      preferred_locales: [],
      shipping: null,
      tax_exempt: "none",
      test_clock: null,
    };
    ctx.store.customers.set(customer.id, customer);
    ctx.emit("customer.created", customer);
    return respond(req, customer);
  });

  router.add("GET", "/v1/customers/search", (req) => {
    const clauses = parseSearchQuery(reqString(req.params, "query"));
    const hits = newestFirst(req.ctx.store.customers).filter((c) => matchesSearch(c as unknown as Record<string, unknown>, clauses));
    return searchResult(hits.map((c) => respond(req, c)), "/v1/customers/search", req.params);
  });

  router.add("GET", "/v1/customers/:id", (req) => respond(req, mustGet(req.ctx.store.customers, req.pathParams.id ?? "", "customer")));

  router.add("POST", "/v1/customers/:id", (req) => {
    const { params, ctx } = req;
    const customer = mustGet(ctx.store.customers, req.pathParams.id ?? "", "customer");
    const before = structuredClone(customer);
    for (const field of ["email", "name", "description", "phone"] as const) {
      const v = optNullableString(params, field);
      if (v !== undefined) customer[field] = v;
    }
    customer.metadata = applyMetadata(customer.metadata, params);
    const invoiceSettings = optObject(params, "invoice_settings");
    if (invoiceSettings) {
      const pm = optNullableString(invoiceSettings, "default_payment_method", "invoice_settings");
      if (pm !== undefined) customer.invoice_settings.default_payment_method = pm;
    }
    const prev = previousAttributes(before, customer);
    if (prev) ctx.emit("customer.updated", customer, prev);
    return respond(req, customer);
  });

  router.add("DELETE", "/v1/customers/:id", (req) => {
    const { ctx } = req;
    const customer = mustGet(ctx.store.customers, req.pathParams.id ?? "", "customer");
    for (const sub of ctx.store.subscriptions.values())
      if (sub.customer === customer.id && sub.status !== "canceled") cancelSubscriptionNow(ctx, sub, { invoiceNow: false, reason: "cancellation_requested" });
    ctx.store.customers.delete(customer.id);
    ctx.emit("customer.deleted", customer);
    return { id: customer.id, object: "customer", deleted: true };
  });

  router.add("GET", "/v1/customers", (req) => {
    const email = optString(req.params, "email");
    const items = newestFirst(req.ctx.store.customers).filter(
      (c) => (email === undefined || c.email === email) && matchesRange(c.created, req.params, "created"),
    );
    return respondList(req, paginate(items, req.params, "/v1/customers"));
  });
}
