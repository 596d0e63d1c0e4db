// Test helpers: an emulator on a random port with an SDK client, and a local webhook receiver that verifies signatures.
import http from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";
import { startStripeEmulator, type StripeEmulator } from "@/stripe-emulator/index";
import type { StripeEmulatorOptions } from "@/stripe-emulator/types";

export async function startEmulatorWithClient(
  options: StripeEmulatorOptions = {},
  sdk: Partial<Stripe.StripeConfig> = {},
): Promise<{ emulator: StripeEmulator; stripe: Stripe }> {
  const emulator = await startStripeEmulator({ port: 0, ...options });
  const stripe = new Stripe(emulator.apiKey, { ...emulator.stripeConfig, maxNetworkRetries: 0, ...sdk });
  return { emulator, stripe };
}

export interface ReceivedEvent {
  event: Stripe.Event;
  signature: string;
}

/** A node:http webhook endpoint: verifies each delivery with `stripe.webhooks.constructEvent`; can fail on purpose. */
export class WebhookReceiver {
  readonly received: ReceivedEvent[] = [];
  readonly rejected: string[] = [];
  /** Answer 500 to the next N deliveries. */
  failNext = 0;
  private server: http.Server;
  url = "";

  constructor(private stripe: Stripe, private secret: () => string) {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        if (this.failNext > 0) {
          this.failNext--;
          res.writeHead(500).end();
          return;
        }
        const raw = Buffer.concat(chunks);
        const signature = String(req.headers["stripe-signature"] ?? "");
        try {
          const event = this.stripe.webhooks.constructEvent(raw, signature, this.secret());
          this.received.push({ event, signature });
          res.writeHead(200, { "Content-Type": "application/json" }).end('{"received":true}');
        } catch (err) {
          this.rejected.push(err instanceof Error ? err.message : String(err));
          res.writeHead(400).end();
        }
      });
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/webhooks/stripe`;
    return this.url;
  }

  types(): string[] {
    return this.received.map((r) => r.event.type);
  }

  ofType<T = Stripe.Event>(type: string): T[] {
    return this.received.filter((r) => r.event.type === type).map((r) => r.event as unknown as T);
  }

  clear(): void {
    this.received.length = 0;
    this.rejected.length = 0;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

/** Creates a product with a flat monthly price and a metered price on a new sum meter. */
export async function createCatalog(stripe: Stripe, tag: string) {
  const meter = await stripe.billing.meters.create({
    display_name: `CPU ${tag}`,
    event_name: `cpu_seconds_${tag}`,
    default_aggregation: { formula: "sum" },
    customer_mapping: { event_payload_key: "stripe_customer_id", type: "by_id" },
    value_settings: { event_payload_key: "value" },
  });
  const product = await stripe.products.create({ name: `Pro ${tag}` });
  const base = await stripe.prices.create({
    product: product.id,
    currency: "usd",
    unit_amount: 2500,
    recurring: { interval: "month" },
    lookup_key: `pro_base_${tag}`,
  });
  const metered = await stripe.prices.create({
    product: product.id,
    currency: "usd",
    unit_amount: 3,
    recurring: { interval: "month", usage_type: "metered", meter: meter.id },
    lookup_key: `pro_cpu_${tag}`,
  });
  return { meter, product, base, metered };
}

export async function waitFor(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error("waitFor: timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
}
