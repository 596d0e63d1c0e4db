// /v1/products and /v1/prices: create, retrieve, update, list (lookup_keys, product, active, type), search;
// recurring prices (licensed or metered with recurring.meter), lookup keys with transfer_lookup_key.
import type { EmulatorContext } from "../context";
import { parseDecimal } from "../decimal";
import { invalidRequest, missingParam, noSuchParam, StripeApiError } from "../errors";
import type { FormObject } from "../form-decode";
import { newId } from "../ids";
import { matchesRange, matchesSearch, newestFirst, paginate, parseSearchQuery, searchResult } from "../list";
import {
  applyMetadata,
  optBool,
  optEnum,
  optInt,
  optNullableString,
  optObject,
  optString,
  optStringArray,
  reqString,
} from "../params";
import type { Router } from "../router";
import type { PriceObj, PriceRecurring, ProductObj } from "../types";
import { mustGet, previousAttributes, respond, respondList } from "./util";

function createProduct(ctx: EmulatorContext, params: FormObject, prefix = ""): ProductObj {
  const id = optString(params, "id", prefix) || newId("prod");
  if (ctx.store.products.has(id))
    throw new StripeApiError(400, {
      type: "invalid_request_error",
      code: "resource_already_exists",
      param: "id",
      message: "Product already exists.",
    });
  const now = ctx.now();
  const product: ProductObj = {
    id,
    object: "product",
    active: optBool(params, "active", prefix) ?? true,
    created: now,
    default_price: null,
    description: optNullableString(params, "description", prefix) ?? null,
    images: [],
    livemode: false,
    marketing_features: [],
    metadata: applyMetadata({}, params),
    name: reqString(params, "name", prefix),
    package_dimensions: null,
    shippable: null,
    statement_descriptor: optNullableString(params, "statement_descriptor", prefix) ?? null,
    tax_code: null,
    type: "service",
    unit_label: optNullableString(params, "unit_label", prefix) ?? null,
    updated: now,
    url: optNullableString(params, "url", prefix) ?? null,
  };
  ctx.store.products.set(product.id, product);
  ctx.emit("product.created", product);
  return product;
}

function releaseLookupKey(ctx: EmulatorContext, key: string, transfer: boolean, exceptId?: string): void {
  for (const other of ctx.store.prices.values()) {
    if (other.lookup_key !== key || other.id === exceptId) continue;
    if (!transfer)
      throw invalidRequest(`A price (\`${other.id}\`) already uses that lookup key.`, "lookup_key");
    const before = structuredClone(other);
    other.lookup_key = null;
    ctx.emit("price.updated", other, previousAttributes(before, other));
  }
}

function parseRecurring(ctx: EmulatorContext, rec: FormObject): PriceRecurring {
  const interval = optEnum(rec, "interval", ["day", "week", "month", "year"] as const, "recurring");
  if (!interval) throw missingParam("recurring[interval]");
  const usageType = optEnum(rec, "usage_type", ["licensed", "metered"] as const, "recurring") ?? "licensed";
  const meter = optString(rec, "meter", "recurring") ?? null;
  if (usageType === "metered" && !meter)
    throw invalidRequest("Metered prices must be backed by a billing meter: pass `recurring[meter]`.", "recurring[meter]");
  if (meter) {
    const m = ctx.store.meters.get(meter);
    if (!m) throw noSuchParam("billing meter", meter, "recurring[meter]");
    if (m.status !== "active") throw invalidRequest(`The meter ${meter} is inactive and cannot be attached to a price.`, "recurring[meter]");
    if (usageType !== "metered") throw invalidRequest("`recurring[meter]` requires `recurring[usage_type]=metered`.", "recurring[usage_type]");
  }
  return {
    interval,
    interval_count: optInt(rec, "interval_count", "recurring") ?? 1,
    meter,
    trial_period_days: optInt(rec, "trial_period_days", "recurring") ?? null,
    usage_type: usageType,
  };
}

function createPrice(ctx: EmulatorContext, params: FormObject, productOverride?: string): PriceObj {
  const currency = reqString(params, "currency").toLowerCase();
  let product = productOverride ?? optString(params, "product");
  const productData = optObject(params, "product_data");
  if (!product && productData) product = createProduct(ctx, productData, "product_data").id;
  if (!product) throw invalidRequest("You must specify either `product` or `product_data` when creating a price.", "product");
  if (!ctx.store.products.has(product)) throw noSuchParam("product", product, "product");
  const scheme = optString(params, "billing_scheme");
  if (scheme && scheme !== "per_unit")
    throw invalidRequest("The Stripe emulator supports only billing_scheme=per_unit.", "billing_scheme");
  const unitAmount = optInt(params, "unit_amount");
  const unitAmountDecimal = optString(params, "unit_amount_decimal");
  if (unitAmount === undefined && !unitAmountDecimal)
    throw invalidRequest("You must pass either `unit_amount` or `unit_amount_decimal`.", "unit_amount", "parameter_missing");
  if (unitAmount !== undefined && unitAmount < 0) throw invalidRequest("This value must be greater than or equal to 0.", "unit_amount");
  if (unitAmountDecimal !== undefined && parseDecimal(unitAmountDecimal) === null)
    throw invalidRequest(`Invalid decimal: ${unitAmountDecimal}`, "unit_amount_decimal");
  const rec = optObject(params, "recurring");
  const recurring = rec ? parseRecurring(ctx, rec) : null;
  const lookupKey = optString(params, "lookup_key") || null;
  if (lookupKey) releaseLookupKey(ctx, lookupKey, optBool(params, "transfer_lookup_key") ?? false);
  const decimalText = unitAmountDecimal ?? String(unitAmount);
  const price: PriceObj = {
    id: newId("price"),
    object: "price",
    active: optBool(params, "active") ?? true,
    billing_scheme: "per_unit",
    created: ctx.now(),
    currency,
    custom_unit_amount: null,
    livemode: false,
    lookup_key: lookupKey,
    metadata: applyMetadata({}, params),
    nickname: optNullableString(params, "nickname") ?? null,
    product,
    recurring,
    tax_behavior: optEnum(params, "tax_behavior", ["unspecified", "inclusive", "exclusive"] as const) ?? "unspecified",
    tiers_mode: null,
    transform_quantity: null,
    type: recurring ? "recurring" : "one_time",
    unit_amount: unitAmount ?? (/^\d+$/.test(decimalText) ? Number(decimalText) : null),
    unit_amount_decimal: decimalText,
  };
  ctx.store.prices.set(price.id, price);
  ctx.emit("price.created", price);
  return price;
}

export function registerCatalog(router: Router): void {
  router.add("POST", "/v1/products", (req) => {
    const product = createProduct(req.ctx, req.params);
    const dpd = optObject(req.params, "default_price_data");
    if (dpd) {
      const price = createPrice(req.ctx, dpd, product.id);
      product.default_price = price.id;
    }
    return respond(req, product);
  });
  router.add("GET", "/v1/products/search", (req) => {
    const clauses = parseSearchQuery(reqString(req.params, "query"));
    const hits = newestFirst(req.ctx.store.products).filter((p) => matchesSearch(p as unknown as Record<string, unknown>, clauses));
    return searchResult(hits.map((p) => respond(req, p)), "/v1/products/search", req.params);
  });
  router.add("GET", "/v1/products/:id", (req) => respond(req, mustGet(req.ctx.store.products, req.pathParams.id ?? "", "product")));
  router.add("POST", "/v1/products/:id", (req) => {
    const { ctx, params } = req;
    const product = mustGet(ctx.store.products, req.pathParams.id ?? "", "product");
    const before = structuredClone(product);
    const name = optString(params, "name");
    if (name !== undefined) product.name = name;
    const active = optBool(params, "active");
    if (active !== undefined) product.active = active;
    for (const f of ["description", "unit_label", "url", "statement_descriptor"] as const) {
      const v = optNullableString(params, f);
      if (v !== undefined) product[f] = v;
    }
    const defaultPrice = optString(params, "default_price");
    if (defaultPrice) {
      if (ctx.store.prices.get(defaultPrice)?.product !== product.id) throw noSuchParam("price", defaultPrice, "default_price");
      product.default_price = defaultPrice;
    }
    product.metadata = applyMetadata(product.metadata, params);
    product.updated = ctx.now();
    const prev = previousAttributes(before, product);
    if (prev) ctx.emit("product.updated", product, prev);
    return respond(req, product);
  });
  router.add("DELETE", "/v1/products/:id", (req) => {
    const { ctx } = req;
    const product = mustGet(ctx.store.products, req.pathParams.id ?? "", "product");
    if ([...ctx.store.prices.values()].some((p) => p.product === product.id))
      throw invalidRequest("This product cannot be deleted because it has one or more user-created prices.");
    ctx.store.products.delete(product.id);
    ctx.emit("product.deleted", product);
    return { id: product.id, object: "product", deleted: true };
  });
  router.add("GET", "/v1/products", (req) => {
    const active = optBool(req.params, "active");
    const ids = optStringArray(req.params, "ids");
    const items = newestFirst(req.ctx.store.products).filter(
      (p) =>
        (active === undefined || p.active === active) &&
        (!ids || ids.includes(p.id)) &&
        matchesRange(p.created, req.params, "created"),
    );
    return respondList(req, paginate(items, req.params, "/v1/products"));
  });

  router.add("POST", "/v1/prices", (req) => respond(req, createPrice(req.ctx, req.params)));
  router.add("GET", "/v1/prices/search", (req) => {
    const clauses = parseSearchQuery(reqString(req.params, "query"));
    const hits = newestFirst(req.ctx.store.prices).filter((p) => matchesSearch(p as unknown as Record<string, unknown>, clauses));
    return searchResult(hits.map((p) => respond(req, p)), "/v1/prices/search", req.params);
  });
  router.add("GET", "/v1/prices/:id", (req) => respond(req, mustGet(req.ctx.store.prices, req.pathParams.id ?? "", "price")));
  router.add("POST", "/v1/prices/:id", (req) => {
    const { ctx, params } = req;
    const price = mustGet(ctx.store.prices, req.pathParams.id ?? "", "price");
    const before = structuredClone(price);
    const active = optBool(params, "active");
    if (active !== undefined) price.active = active;
    const nickname = optNullableString(params, "nickname");
    if (nickname !== undefined) price.nickname = nickname;
    const lookupKey = optNullableString(params, "lookup_key");
    if (lookupKey !== undefined) {
      if (lookupKey) releaseLookupKey(ctx, lookupKey, optBool(params, "transfer_lookup_key") ?? false, price.id);
      price.lookup_key = lookupKey;
    }
    price.metadata = applyMetadata(price.metadata, params);
    const prev = previousAttributes(before, price);
    if (prev) ctx.emit("price.updated", price, prev);
    return respond(req, price);
  });
  router.add("GET", "/v1/prices", (req) => {
    const { params } = req;
    const active = optBool(params, "active");
    const product = optString(params, "product");
    const lookupKeys = optStringArray(params, "lookup_keys");
    const type = optString(params, "type");
    const currency = optString(params, "currency");
    const rec = optObject(params, "recurring");
    const items = newestFirst(req.ctx.store.prices).filter((p) => {
      if (active !== undefined && p.active !== active) return false;
      if (product && p.product !== product) return false;
      if (lookupKeys && (!p.lookup_key || !lookupKeys.includes(p.lookup_key))) return false;
      if (type && p.type !== type) return false;
      if (currency && p.currency !== currency.toLowerCase()) return false;
      if (rec) {
        if (!p.recurring) return false;
        for (const k of ["interval", "usage_type", "meter"] as const) {
          const v = optString(rec, k);
          if (v && p.recurring[k] !== v) return false;
        }
      }
      return matchesRange(p.created, params, "created");
    });
    return respondList(req, paginate(items, params, "/v1/prices"));
  });
}
