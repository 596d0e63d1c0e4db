// The admin API under /_emulator/…: test clock, fault injection, webhook switches and delivery log, payment failure
// switch per customer, hosted-page shortcuts, meter totals, settings, reset and save. JSON in, JSON out, no auth.
import type { IncomingMessage, ServerResponse } from "node:http";
import { attemptPayment, finalizeInvoice, processDueWork } from "./billing";
import type { EmulatorContext } from "./context";
import { StripeApiError } from "./errors";
import type { FaultRuleInput, Faults } from "./faults";
import type { IdempotencyStore } from "./idempotency";
import { meterTotals } from "./metering";
import { completeCheckout } from "./resources/checkout";
import type { EmulatorSettings, PaymentBehavior } from "./types";
import type { WebhookConfig } from "./webhooks";
import { formatDecimal } from "./decimal";

export interface AdminDeps {
  ctx: EmulatorContext;
  faults: Faults;
  idempotency: IdempotencyStore;
  save: () => Promise<void>;
}

class AdminError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}

function parseBody(body: string): Record<string, unknown> {
  if (!body.trim()) return {};
  try {
    const v = JSON.parse(body) as unknown;
    if (v && typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    /* fall through */
  }
  throw new AdminError(400, "body must be a JSON object");
}

const num = (v: unknown): number | undefined => (v === undefined || v === null || v === "" ? undefined : Number(v));

export function createAdminHandler(deps: AdminDeps) {
  const { ctx, faults } = deps;
  const store = () => ctx.store;

  async function route(method: string, path: string, query: URLSearchParams, body: Record<string, unknown>): Promise<[number, unknown]> {
    let m: RegExpExecArray | null;
    if (path === "/health") return [200, { ok: true, now: ctx.now() }];
    if (path === "/clock" && method === "GET") return [200, { now: ctx.now(), offsetSeconds: Math.round(ctx.clock.offset / 1000), iso: new Date(ctx.clock.nowMs()).toISOString() }];
    if (path === "/clock/advance" && method === "POST") {
      const to = num(body.to);
      const seconds = num(body.seconds) ?? 0;
      const target = to !== undefined ? to * 1000 : ctx.clock.nowMs() + seconds * 1000;
      ctx.clock.advanceTo(target);
      const processed = processDueWork(ctx);
      return [200, { now: ctx.now(), processed }];
    }
    if (path === "/process" && method === "POST") return [200, { processed: processDueWork(ctx) }];

    if (path === "/faults" && method === "GET") return [200, { data: faults.list() }];
    if (path === "/faults" && method === "POST") return [200, faults.add(body as FaultRuleInput)];
    if (path === "/faults" && method === "DELETE") {
      faults.clear();
      return [200, { ok: true }];
    }
    if ((m = /^\/faults\/([^/]+)$/.exec(path)) && method === "DELETE") return [200, { ok: faults.remove(m[1] ?? "") }];

    if (path === "/webhooks" && method === "GET") return [200, { ...ctx.webhooks.config }];
    if (path === "/webhooks" && (method === "PUT" || method === "POST")) {
      Object.assign(ctx.webhooks.config, body as Partial<WebhookConfig>);
      return [200, { ...ctx.webhooks.config }];
    }
    if (path === "/webhooks/deliveries" && method === "GET") {
      const event = query.get("event");
      const type = query.get("type");
      return [200, { data: ctx.webhooks.deliveries.filter((d) => (!event || d.eventId === event) && (!type || d.type === type)) }];
    }
    if (path === "/webhooks/deliveries" && method === "DELETE") {
      ctx.webhooks.deliveries.length = 0;
      return [200, { ok: true }];
    }
    if (path === "/webhooks/flush" && method === "POST") return [200, { idle: await ctx.webhooks.idle(num(body.timeoutMs) ?? 10_000) }];
    if (path === "/webhooks/resend" && method === "POST") {
      const ev = store().events.get(String(body.event ?? ""));
      if (!ev) throw new AdminError(404, `no such event ${String(body.event)}`);
      return [200, { queued: ctx.webhooks.enqueue(ev) }];
    }

    if ((m = /^\/customers\/([^/]+)\/payment-behavior$/.exec(path)) && method === "POST") {
      const id = m[1] ?? "";
      if (!store().customers.has(id)) throw new AdminError(404, `no such customer ${id}`);
      const mode = String(body.mode ?? "fail_next") as PaymentBehavior;
      if (!["succeed", "fail_next", "fail_always"].includes(mode)) throw new AdminError(400, "mode must be succeed, fail_next or fail_always");
      store().paymentBehavior.set(id, mode);
      return [200, { customer: id, mode }];
    }
    if ((m = /^\/checkout\/([^/]+)\/complete$/.exec(path)) && method === "POST") {
      const s = store().checkoutSessions.get(m[1] ?? "");
      if (!s) throw new AdminError(404, `no such checkout session ${m[1]}`);
      ctx.currentRequest = { id: null, idempotencyKey: null };
      const redirect = completeCheckout(ctx, s, { email: body.email as string | undefined, name: body.name as string | undefined });
      return [200, { redirect, subscription: s.subscription, customer: s.customer }];
    }
    if ((m = /^\/invoices\/([^/]+)\/pay$/.exec(path)) && method === "POST") {
      const inv = store().invoices.get(m[1] ?? "");
      if (!inv) throw new AdminError(404, `no such invoice ${m[1]}`);
      if (inv.status === "draft") finalizeInvoice(ctx, inv);
      const outcome = body.outcome === "fail" ? "fail" : body.outcome === "auto" ? undefined : "succeed";
      return [200, { paid: attemptPayment(ctx, inv, outcome), status: inv.status }];
    }

    if (path === "/meter-totals" && method === "GET")
      return [
        200,
        {
          data: meterTotals(store(), {
            meter: query.get("meter") ?? undefined,
            customer: query.get("customer") ?? undefined,
            from: num(query.get("from")),
            to: num(query.get("to")),
          }),
        },
      ];
    if (path === "/meter-events" && method === "GET") {
      const meter = query.get("meter");
      const customer = query.get("customer");
      const data: unknown[] = [];
      for (const [meterId, byCustomer] of store().meterEvents) {
        if (meter && meter !== meterId) continue;
        for (const [cus, list] of byCustomer) {
          if (customer && customer !== cus) continue;
          for (const e of list) data.push({ meter: meterId, customer: cus, identifier: e.identifier, timestamp: e.timestamp, value: formatDecimal(e.value), created: e.created });
        }
      }
      return [200, { data }];
    }
    if (path === "/state" && method === "GET") {
      const s = store();
      let meterEvents = 0;
      for (const byCustomer of s.meterEvents.values()) for (const list of byCustomer.values()) meterEvents += list.length;
      return [
        200,
        {
          now: ctx.now(),
          customers: s.customers.size,
          products: s.products.size,
          prices: s.prices.size,
          meters: s.meters.size,
          meterEvents,
          checkoutSessions: s.checkoutSessions.size,
          subscriptions: s.subscriptions.size,
          invoices: s.invoices.size,
          events: s.events.size,
        },
      ];
    }
    if (path === "/settings" && method === "GET") return [200, { ...ctx.settings }];
    if (path === "/settings" && (method === "PUT" || method === "POST")) {
      Object.assign(ctx.settings, body as Partial<EmulatorSettings>);
      return [200, { ...ctx.settings }];
    }
    if (path === "/reset" && method === "POST") {
      store().clear();
      deps.idempotency.clear();
      faults.clear();
      ctx.webhooks.deliveries.length = 0;
      return [200, { ok: true }];
    }
    if (path === "/save" && method === "POST") {
      await deps.save();
      return [200, { ok: true }];
    }
    throw new AdminError(404, `unknown admin route ${method} /_emulator${path}`);
  }

  return async function handleAdmin(req: IncomingMessage, res: ServerResponse, path: string, query: string, body: string): Promise<void> {
    try {
      const [status, result] = await route((req.method ?? "GET").toUpperCase(), path, new URLSearchParams(query), parseBody(body));
      json(res, status, result);
    } catch (err) {
      if (err instanceof AdminError) json(res, err.status, { error: err.message });
      else if (err instanceof StripeApiError) json(res, err.status, { error: err.body.message });
      else json(res, 500, { error: String(err) });
    }
  };
}
