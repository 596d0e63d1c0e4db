// The one Stripe SDK client of this process: Stripe itself, or the bundled emulator when STRIPE_API_URL says so.
import Stripe from "stripe";
import { getEnv } from "@/server/env";

let client: Stripe | undefined;

/** Created on first use (never at import: `next build` must not need Stripe). */
export function getStripe(): Stripe {
  if (!client) {
    const env = getEnv();
    const base = env.STRIPE_API_URL ? new URL(env.STRIPE_API_URL) : null;
    client = new Stripe(env.STRIPE_SECRET_KEY, {
      maxNetworkRetries: 2,
      timeout: 20_000,
      appInfo: { name: "Fleetplane" },
      ...(base ? { host: base.hostname, port: Number(base.port || (base.protocol === "https:" ? 443 : 80)), protocol: base.protocol.replace(":", "") as "http" | "https" } : {}),
    });
  }
  return client;
}

/** For tests that point the process at another emulator. */
export function resetStripeClient(): void {
  client = undefined;
}

/** Whether Stripe said the request will never succeed as sent (4xx other than 409/429). */
export function isPermanentStripeError(err: unknown): boolean {
  if (!(err instanceof Stripe.errors.StripeError)) return false;
  const status = err.statusCode ?? 0;
  return status >= 400 && status < 500 && status !== 409 && status !== 429;
}

export { Stripe };
