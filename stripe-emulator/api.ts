// The /v1 request pipeline: auth, rate limits, fault injection, param decoding, idempotency replay, routing, errors.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { EmulatorContext } from "./context";
import { apiError, rateLimited, StripeApiError, unrecognizedUrl } from "./errors";
import type { FaultRule, Faults } from "./faults";
import { RateCounter } from "./faults";
import { canonicalParams, decodeForm, type FormObject } from "./form-decode";
import type { IdempotencyStore } from "./idempotency";
import { newId } from "./ids";
import { expandList } from "./params";
import type { Router } from "./router";

export interface ApiDeps {
  ctx: EmulatorContext;
  router: Router;
  faults: Faults;
  idempotency: IdempotencyStore;
  apiKey: string;
  log: boolean;
}

interface Reply {
  status: number;
  body: string;
  headers: Record<string, string>;
}

function errorReply(err: StripeApiError, requestId: string): Reply {
  return {
    status: err.status,
    body: JSON.stringify({ error: { ...err.body, request_log_url: `https://dashboard.stripe.com/test/logs/${requestId}` } }, null, 2),
    headers: err.headers,
  };
}

function redact(key: string): string {
  return key.length > 8 ? `${key.slice(0, 8)}${"*".repeat(Math.max(4, key.length - 12))}${key.slice(-4)}` : "****";
}

function authenticate(req: IncomingMessage, apiKey: string): void {
  const header = req.headers.authorization ?? "";
  let key = "";
  if (/^bearer /i.test(header)) key = header.slice(7).trim();
  else if (/^basic /i.test(header)) key = Buffer.from(header.slice(6), "base64").toString("utf8").split(":")[0] ?? "";
  if (!key)
    throw new StripeApiError(401, {
      type: "invalid_request_error",
      message:
        "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
    });
  if (key !== apiKey)
    throw new StripeApiError(401, { type: "invalid_request_error", message: `Invalid API Key provided: ${redact(key)}` });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function faultReply(rule: FaultRule): StripeApiError {
  if ((rule.status ?? 500) === 429) return rateLimited(rule.retryAfterSeconds, rule.stripeShouldRetry);
  return apiError(rule.status ?? 500, rule.stripeShouldRetry);
}

export function createApiHandler(deps: ApiDeps) {
  const { ctx, router, faults, idempotency } = deps;
  const general = new RateCounter();
  const meterEvents = new RateCounter();

  function execute(req: IncomingMessage, method: string, path: string, params: FormObject, requestId: string): Reply {
    const matched = router.match(method, path);
    if (!matched) throw unrecognizedUrl(method, path);
    const idemKey = method === "POST" ? (req.headers["idempotency-key"] as string | undefined) ?? null : null;
    const endpoint = `${method} ${path}`;
    const canonical = canonicalParams(params);
    if (idemKey) {
      const stored = idempotency.check(idemKey, endpoint, canonical, ctx.clock.nowMs());
      if (stored)
        return {
          status: stored.status,
          body: stored.body,
          headers: { "Idempotent-Replayed": "true", "Original-Request": stored.requestId, "Idempotency-Key": idemKey },
        };
    }
    ctx.currentRequest = { id: requestId, idempotencyKey: idemKey };
    let reply: Reply;
    try {
      const result = matched.handler({ ctx, method, path, params, pathParams: matched.pathParams, expand: expandList(params) });
      reply = { status: 200, body: JSON.stringify(result, null, 2), headers: {} };
    } finally {
      ctx.currentRequest = { id: null, idempotencyKey: null };
    }
    if (idemKey) {
      idempotency.save(idemKey, endpoint, canonical, { status: reply.status, body: reply.body, requestId }, ctx.clock.nowMs());
      reply.headers["Idempotency-Key"] = idemKey;
    }
    return reply;
  }

  return async function handleApi(req: IncomingMessage, res: ServerResponse, path: string, query: string, body: string): Promise<void> {
    const method = (req.method ?? "GET").toUpperCase();
    const requestId = newId("req");
    const started = Date.now();
    let reply: Reply;
    let rule: FaultRule | undefined;
    try {
      authenticate(req, deps.apiKey);
      const isMeterEvent = method === "POST" && path === "/v1/billing/meter_events";
      if (isMeterEvent ? meterEvents.exceeds(ctx.settings.meterEventRateLimitPerSecond) : general.exceeds(ctx.settings.rateLimitPerSecond))
        throw rateLimited(1);
      rule = faults.pick(method, path);
      if (rule?.delayMs) await sleep(rule.delayMs);
      if (rule && (rule.action ?? "error") !== "delay" && (rule.when ?? "before") === "before") {
        if (rule.action === "reset") {
          req.socket.destroy();
          return;
        }
        throw faultReply(rule);
      }
      const params = decodeForm(method === "GET" || method === "DELETE" ? query : body);
      reply = execute(req, method, path, params, requestId);
      if (rule && (rule.action ?? "error") !== "delay") {
        if (rule.action === "reset") {
          req.socket.destroy();
          return;
        }
        throw faultReply(rule);
      }
    } catch (err) {
      if (err instanceof StripeApiError) reply = errorReply(err, requestId);
      else {
        console.error("[stripe-emulator] handler error", err);
        reply = errorReply(apiError(500), requestId);
      }
    }
    if (deps.log) console.error(`[stripe-emulator] ${method} ${path} → ${reply.status} (${Date.now() - started} ms)`);
    res.writeHead(reply.status, {
      "Content-Type": "application/json",
      "Request-Id": requestId,
      "Stripe-Version": (req.headers["stripe-version"] as string | undefined) ?? ctx.apiVersion,
      "Access-Control-Allow-Origin": "*",
      ...reply.headers,
    });
    res.end(reply.body);
  };
}
