// CLI: `tsx stripe-emulator/main.ts --port 12111 [--webhook-url URL] [--webhook-secret whsec_…] [--api-key sk_test_…]
// [--state-file PATH] [--public-url URL] [--host 127.0.0.1] [--log]`; prints the URL and the SDK options.
import { parseArgs } from "node:util";
import { startStripeEmulator } from "./index";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: process.env.STRIPE_EMULATOR_PORT ?? "12111" },
    host: { type: "string", default: "127.0.0.1" },
    "webhook-url": { type: "string", default: process.env.STRIPE_EMULATOR_WEBHOOK_URL },
    "webhook-secret": { type: "string", default: process.env.STRIPE_WEBHOOK_SECRET },
    "api-key": { type: "string", default: process.env.STRIPE_EMULATOR_API_KEY },
    "state-file": { type: "string", default: process.env.STRIPE_EMULATOR_STATE_FILE },
    "public-url": { type: "string", default: process.env.STRIPE_EMULATOR_PUBLIC_URL },
    log: { type: "boolean", default: false },
  },
});

const emulator = await startStripeEmulator({
  port: Number(values.port),
  host: values.host,
  webhookUrl: values["webhook-url"],
  webhookSecret: values["webhook-secret"],
  apiKey: values["api-key"],
  stateFile: values["state-file"],
  publicUrl: values["public-url"],
  log: values.log,
});

console.log(`stripe-emulator listening on ${emulator.url}`);
console.log(`  SDK:      new Stripe("${emulator.apiKey}", ${JSON.stringify(emulator.stripeConfig)})`);
console.log(`  webhooks: ${values["webhook-url"] ?? "(none; set with PUT /_emulator/webhooks)"} secret ${emulator.webhookSecret}`);
console.log(`  admin:    ${emulator.url}/_emulator/health`);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void emulator.stop().then(() => process.exit(0));
  });
}
