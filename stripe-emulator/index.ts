// Programmatic entry point: startStripeEmulator(options) serves the Stripe REST API, hosted pages and the admin API on
// one port, and returns the URL, the options to pass to `new Stripe(key, …)`, a typed admin client and stop().
import http from "node:http";
import type { AddressInfo } from "node:net";
import { StripeEmulatorAdmin } from "./admin-client";
import { createAdminHandler } from "./admin";
import { createApiHandler } from "./api";
import { processDueWork } from "./billing";
import { EmulatorClock } from "./clock";
import { EmulatorContext } from "./context";
import { Faults } from "./faults";
import { IdempotencyStore } from "./idempotency";
import { randomToken } from "./ids";
import { loadState, saveState } from "./persistence";
import { handlePage } from "./pages";
import { registerCatalog } from "./resources/catalog";
import { registerCheckout } from "./resources/checkout";
import { registerCustomers } from "./resources/customers";
import { registerEvents } from "./resources/events";
import { registerInvoices } from "./resources/invoices";
import { registerMeters } from "./resources/meters";
import { registerSubscriptions } from "./resources/subscriptions";
import { Router } from "./router";
import { Store } from "./store";
import { DEFAULT_API_KEY, DEFAULT_API_VERSION, DEFAULT_SETTINGS, type StripeEmulatorOptions } from "./types";
import { DEFAULT_WEBHOOK_CONFIG, WebhookDispatcher } from "./webhooks";

export type { StripeEmulatorOptions, EmulatorSettings, PaymentBehavior } from "./types";
export { StripeEmulatorAdmin } from "./admin-client";
export { signPayload } from "./webhooks";

export interface StripeEmulator {
  url: string;
  port: number;
  /** Pass to the SDK: `new Stripe(apiKey, { ...emulator.stripeConfig })`. */
  stripeConfig: { host: string; port: number; protocol: "http" };
  apiKey: string;
  webhookSecret: string;
  admin: StripeEmulatorAdmin;
  /** In-process access to the state (tests and benchmarks). */
  context: EmulatorContext;
  /** Writes the state file now (also done by stop()). */
  save(): Promise<void>;
  stop(): Promise<void>;
}

const MAX_BODY = 10 * 1024 * 1024;

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error("request body too large"));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function buildRouter(): Router {
  const router = new Router();
  registerCustomers(router);
  registerCatalog(router);
  registerMeters(router);
  registerCheckout(router);
  registerSubscriptions(router);
  registerInvoices(router);
  registerEvents(router);
  return router;
}

export async function startStripeEmulator(options: StripeEmulatorOptions = {}): Promise<StripeEmulator> {
  const apiKey = options.apiKey ?? DEFAULT_API_KEY;
  const webhookSecret = options.webhookSecret ?? `whsec_${randomToken(32)}`;
  const loaded = options.stateFile ? await loadState(options.stateFile) : null;
  const store = loaded?.store ?? new Store();
  const clock = new EmulatorClock(loaded?.clockOffsetMs ?? 0);
  const settings = { ...DEFAULT_SETTINGS, ...options.settings };
  const webhooks = new WebhookDispatcher({ ...DEFAULT_WEBHOOK_CONFIG, url: options.webhookUrl ?? null, secret: webhookSecret });
  const ctx = new EmulatorContext(store, clock, settings, webhooks, DEFAULT_API_VERSION, options.publicUrl);
  const faults = new Faults();
  const idempotency = new IdempotencyStore();
  const save = async () => {
    if (options.stateFile) await saveState(options.stateFile, ctx.store, clock.offset);
  };
  const handleApi = createApiHandler({ ctx, router: buildRouter(), faults, idempotency, apiKey, log: options.log ?? false });
  const handleAdmin = createAdminHandler({ ctx, faults, idempotency, save });

  const server = http.createServer((req, res) => {
    void (async () => {
      const rawUrl = req.url ?? "/";
      const q = rawUrl.indexOf("?");
      const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
      const query = q < 0 ? "" : rawUrl.slice(q + 1);
      const body = await readBody(req).catch(() => null);
      if (body === null) return;
      if (path.startsWith("/v1/")) return handleApi(req, res, path, query, body);
      if (path.startsWith("/_emulator/")) return handleAdmin(req, res, path.slice("/_emulator".length), query, body);
      if (path === "/" && req.method === "GET") {
        res.writeHead(200, { "Content-Type": "text/plain" });
        res.end(`Stripe emulator. Point the stripe SDK at ${ctx.baseUrl} (host/port/protocol). Admin API under /_emulator/.\n`);
        return;
      }
      if (handlePage(ctx, req, res, path, body)) return;
      res.writeHead(404, { "Content-Type": "text/plain" });
      res.end("not found\n");
    })().catch((err: unknown) => {
      console.error("[stripe-emulator] request failed", err);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  server.keepAliveTimeout = 5_000;

  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host}:${port}`;
  ctx.baseUrl = url;

  // Billing work also falls due as wall-clock time passes (checkout expiry, invoice finalization after the grace period).
  const tick = setInterval(() => {
    try {
      processDueWork(ctx);
    } catch (err) {
      console.error("[stripe-emulator] billing tick failed", err);
    }
  }, 1_000);
  tick.unref();

  let stopped = false;
  return {
    url,
    port,
    stripeConfig: { host, port, protocol: "http" },
    apiKey,
    webhookSecret,
    admin: new StripeEmulatorAdmin(url),
    context: ctx,
    save,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(tick);
      webhooks.stop();
      await save();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
