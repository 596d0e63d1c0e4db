// Test helper: a Stripe emulator for this test file, with the process pointed at it (SDK, webhook secret), and an
// HTTP receiver that does what /api/webhooks/stripe does, processing each event inline instead of queueing it.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { getDb } from "@/db/client";
import { resetStripeClient } from "@/server/billing/stripe-client";
import { processStripeEvent, receiveStripeWebhook } from "@/server/billing/stripe-webhooks";
import { DomainError } from "@/server/errors/domain-error";
import { resetEnvCache } from "@/server/env";
import { startStripeEmulator, type StripeEmulator } from "@/stripe-emulator";

export type TestStripe = { emulator: StripeEmulator; webhookUrl: string; received: string[]; stop: () => Promise<void> };

/** Starts an emulator (and, unless `webhooks: false`, a receiver it delivers to) and points this process at it. */
export async function startTestStripe(opts: { webhooks?: boolean } = {}): Promise<TestStripe> {
  const received: string[] = [];
  let server: http.Server | undefined;
  let webhookUrl = "";
  const secret = `whsec_test_${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
  if (opts.webhooks !== false) {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        receiveStripeWebhook(getDb(), raw, (req.headers["stripe-signature"] as string | undefined) ?? null)
          .then(async ({ id, fresh }) => {
            received.push(id);
            if (fresh) await processStripeEvent(getDb(), id);
            res.writeHead(200, { "content-type": "application/json" }).end('{"received":true}');
          })
          .catch((err: unknown) => {
            res.writeHead(err instanceof DomainError && err.code === "UNAUTHORIZED" ? 400 : 500).end(String(err));
          });
      });
    });
    await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
    webhookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  }
  const emulator = await startStripeEmulator({ port: 0, webhookSecret: secret, ...(webhookUrl ? { webhookUrl } : {}) });
  process.env.STRIPE_SECRET_KEY = emulator.apiKey;
  process.env.STRIPE_API_URL = emulator.url;
  process.env.STRIPE_WEBHOOK_SECRET = emulator.webhookSecret;
  resetEnvCache();
  resetStripeClient();
  return {
    emulator,
    webhookUrl,
    received,
    async stop() {
      await emulator.stop();
      await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    },
  };
}
