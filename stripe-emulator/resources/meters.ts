// /v1/billing/meters (create, retrieve, update, list, deactivate, reactivate), meter events with identifier dedup and
// Stripe's timestamp window, and event summaries (exact aggregates per hour or day window).
import { parseDecimal, toNumber } from "../decimal";
import { invalidRequest, missingParam, noSuch, noSuchParam, StripeApiError } from "../errors";
import { newId, randomToken } from "../ids";
import { newestFirst, paginate } from "../list";
import { aggregate, eventsInRange } from "../metering";
import { optEnum, optInt, optObject, optString, reqInt, reqString } from "../params";
import type { Router } from "../router";
import type { MeterObj } from "../types";
import { mustGet, previousAttributes, respond, respondList } from "./util";

const DAY = 86_400;
const DEDUP_WINDOW = DAY;
const MAX_PAST = 35 * DAY;
const MAX_FUTURE = 300;

export function registerMeters(router: Router): void {
  router.add("POST", "/v1/billing/meters", (req) => {
    const { ctx, params } = req;
    const displayName = reqString(params, "display_name");
    const eventName = reqString(params, "event_name");
    const agg = optObject(params, "default_aggregation");
    if (!agg) throw missingParam("default_aggregation");
    const formula = optEnum(agg, "formula", ["sum", "count", "last"] as const, "default_aggregation");
    if (!formula) throw missingParam("default_aggregation[formula]");
    const mapping = optObject(params, "customer_mapping");
    const valueSettings = optObject(params, "value_settings");
    if ([...ctx.store.meters.values()].some((m) => m.event_name === eventName && m.status === "active"))
      throw invalidRequest(`An active meter with event_name \`${eventName}\` already exists.`, "event_name");
    const now = ctx.now();
    const meter: MeterObj = {
      id: newId("mtr"),
      object: "billing.meter",
      created: now,
      customer_mapping: {
        event_payload_key: mapping ? reqString(mapping, "event_payload_key", "customer_mapping") : "stripe_customer_id",
        type: "by_id",
      },
      default_aggregation: { formula },
      display_name: displayName,
      event_name: eventName,
      event_time_window: optEnum(params, "event_time_window", ["day", "hour"] as const) ?? null,
      livemode: false,
      status: "active",
      status_transitions: { deactivated_at: null },
      updated: now,
      value_settings: { event_payload_key: valueSettings ? reqString(valueSettings, "event_payload_key", "value_settings") : "value" },
    };
    ctx.store.meters.set(meter.id, meter);
    ctx.emit("billing.meter.created", meter);
    return respond(req, meter);
  });

  router.add("GET", "/v1/billing/meters", (req) => {
    const status = optEnum(req.params, "status", ["active", "inactive"] as const);
    const items = newestFirst(req.ctx.store.meters).filter((m) => !status || m.status === status);
    return respondList(req, paginate(items, req.params, "/v1/billing/meters"));
  });

  const getMeter = (req: { ctx: { store: { meters: Map<string, MeterObj> } }; pathParams: Record<string, string> }) =>
    mustGet(req.ctx.store.meters, req.pathParams.id ?? "", "billing meter");

  router.add("GET", "/v1/billing/meters/:id", (req) => respond(req, getMeter(req)));

  router.add("POST", "/v1/billing/meters/:id", (req) => {
    const meter = getMeter(req);
    const before = structuredClone(meter);
    const name = optString(req.params, "display_name");
    if (name) meter.display_name = name;
    meter.updated = req.ctx.now();
    req.ctx.emit("billing.meter.updated", meter, previousAttributes(before, meter));
    return respond(req, meter);
  });

  for (const [action, status] of [["deactivate", "inactive"], ["reactivate", "active"]] as const) {
    router.add("POST", `/v1/billing/meters/:id/${action}`, (req) => {
      const { ctx } = req;
      const meter = getMeter(req);
      if (meter.status === status) throw invalidRequest(`The meter is already ${status}.`);
      if (status === "active" && [...ctx.store.meters.values()].some((m) => m.event_name === meter.event_name && m.status === "active"))
        throw invalidRequest(`An active meter with event_name \`${meter.event_name}\` already exists.`, "event_name");
      const before = structuredClone(meter);
      meter.status = status;
      meter.status_transitions.deactivated_at = status === "inactive" ? ctx.now() : null;
      meter.updated = ctx.now();
      ctx.emit(`billing.meter.${action}d`, meter, previousAttributes(before, meter));
      return respond(req, meter);
    });
  }

  router.add("POST", "/v1/billing/meter_events", (req) => {
    const { ctx, params } = req;
    const eventName = reqString(params, "event_name");
    const payload = optObject(params, "payload");
    if (!payload) throw missingParam("payload");
    const now = ctx.now();
    const timestamp = optInt(params, "timestamp") ?? now;
    if (timestamp < now - MAX_PAST)
      throw invalidRequest(
        `The event timestamp cannot be more than 35 days in past. Expected a timestamp greater than or equal to ${now - MAX_PAST}.`,
        "timestamp",
      );
    if (timestamp > now + MAX_FUTURE)
      throw invalidRequest(
        `The event timestamp cannot be in future. Expected a timestamp less than or equal to ${now + MAX_FUTURE}.`,
        "timestamp",
      );
    const meter = [...ctx.store.meters.values()].find((m) => m.event_name === eventName && m.status === "active");
    if (!meter) throw invalidRequest(`No active meter found with event_name \`${eventName}\`.`, "event_name");
    const customerKey = meter.customer_mapping.event_payload_key;
    const customer = optString(payload, customerKey, "payload");
    if (!customer) throw missingParam(`payload[${customerKey}]`);
    if (!ctx.store.customers.has(customer)) throw noSuchParam("customer", customer, `payload[${customerKey}]`);
    const valueKey = meter.value_settings.event_payload_key;
    const rawValue = optString(payload, valueKey, "payload");
    let value = parseDecimal(rawValue ?? "1");
    if (meter.default_aggregation.formula !== "count") {
      if (rawValue === undefined) throw missingParam(`payload[${valueKey}]`);
      if (value === null) throw invalidRequest(`Invalid value for payload[${valueKey}]: must be a number, got "${rawValue}".`, `payload[${valueKey}]`);
    }
    value ??= 0n;
    const identifier = optString(params, "identifier") || `emu_${randomToken(20)}`;
    const seen = ctx.store.identifiers.get(identifier);
    if (seen !== undefined && seen > now - DEDUP_WINDOW)
      throw new StripeApiError(
        400,
        { type: "invalid_request_error", message: `An event already exists with identifier ${identifier}.` },
        { "Stripe-Should-Retry": "false" },
      );
    ctx.store.addMeterEvent(meter.id, { identifier, customer, timestamp, value, created: now, receivedAtMs: Date.now() });
    const stringPayload: Record<string, string> = {};
    for (const [k, v] of Object.entries(payload)) if (typeof v === "string") stringPayload[k] = v;
    return { object: "billing.meter_event", created: now, event_name: eventName, identifier, livemode: false, payload: stringPayload, timestamp };
  });

  // Cancels a meter event by identifier (Stripe allows it within 24 hours of the event's creation).
  router.add("POST", "/v1/billing/meter_event_adjustments", (req) => {
    const { ctx, params } = req;
    const eventName = reqString(params, "event_name");
    const type = optEnum(params, "type", ["cancel"] as const);
    if (!type) throw missingParam("type");
    const cancel = optObject(params, "cancel");
    const identifier = cancel ? reqString(cancel, "identifier", "cancel") : undefined;
    if (!identifier) throw missingParam("cancel[identifier]");
    const meter = [...ctx.store.meters.values()].find((m) => m.event_name === eventName);
    if (!meter) throw invalidRequest(`No meter found with event_name \`${eventName}\`.`, "event_name");
    const now = ctx.now();
    for (const list of ctx.store.meterEvents.get(meter.id)?.values() ?? []) {
      const idx = list.findIndex((r) => r.identifier === identifier);
      const rec = list[idx];
      if (!rec) continue;
      if (rec.created < now - DAY) throw invalidRequest("Meter events can only be canceled within 24 hours of their creation.", "cancel[identifier]");
      list.splice(idx, 1);
      return { object: "billing.meter_event_adjustment", cancel: { identifier }, event_name: eventName, livemode: false, status: "pending", type };
    }
    throw invalidRequest(`No meter event found with identifier ${identifier}.`, "cancel[identifier]");
  });

  router.add("GET", "/v1/billing/meters/:id/event_summaries", (req) => {
    const { ctx, params } = req;
    const meter = ctx.store.meters.get(req.pathParams.id ?? "");
    if (!meter) throw noSuch("billing meter", req.pathParams.id ?? "");
    const customer = reqString(params, "customer");
    const start = reqInt(params, "start_time");
    const end = reqInt(params, "end_time");
    const window = optEnum(params, "value_grouping_window", ["hour", "day"] as const);
    for (const [name, t] of [["start_time", start], ["end_time", end]] as const) {
      if (t % 60 !== 0) throw invalidRequest(`${name} must be aligned with minute boundaries.`, name);
      if (window === "hour" && t % 3600 !== 0) throw invalidRequest(`${name} must be aligned with hour boundaries for value_grouping_window=hour.`, name);
      if (window === "day" && t % DAY !== 0) throw invalidRequest(`${name} must be aligned with UTC day boundaries for value_grouping_window=day.`, name);
    }
    if (end <= start) throw invalidRequest("end_time must be after start_time.", "end_time");
    const visibleBefore = Date.now() - ctx.settings.aggregationDelayMs;
    const records = eventsInRange(ctx.store, meter.id, customer, start, end, visibleBefore);
    const summary = (s: number, e: number, value: bigint) => ({
      id: `mtrusg_${Buffer.from(`${meter.id}:${customer}:${s}:${e}`).toString("base64url")}`,
      object: "billing.meter_event_summary" as const,
      aggregated_value: toNumber(value),
      end_time: e,
      livemode: false,
      meter: meter.id,
      start_time: s,
    });
    let summaries: Array<ReturnType<typeof summary>>;
    if (!window) summaries = [summary(start, end, aggregate(records, meter.default_aggregation.formula))];
    else {
      const size = window === "hour" ? 3600 : DAY;
      const buckets = new Map<number, typeof records>();
      for (const r of records) {
        const b = start + Math.floor((r.timestamp - start) / size) * size;
        const list = buckets.get(b);
        if (list) list.push(r);
        else buckets.set(b, [r]);
      }
      summaries = [...buckets.keys()]
        .sort((a, b) => b - a)
        .map((b) => summary(b, b + size, aggregate(buckets.get(b) ?? [], meter.default_aggregation.formula)));
    }
    return paginate(summaries, params, `/v1/billing/meters/${meter.id}/event_summaries`);
  });
}

