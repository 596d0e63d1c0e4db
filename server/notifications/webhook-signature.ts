// Webhook signatures, Stripe-like: `Fleetplane-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
// The key is the endpoint's whole secret string (`whsec_…`) as UTF-8; receivers recompute the HMAC over the raw
// request body, compare in constant time and refuse timestamps older than their tolerance (replays).
import { createHmac, timingSafeEqual } from "node:crypto";

export const SIGNATURE_HEADER = "Fleetplane-Signature";
export const EVENT_ID_HEADER = "Fleetplane-Event-Id";

/** Default replay window of verifyWebhookSignature, as Stripe's: five minutes. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

function hmacHex(secret: string, timestamp: number, body: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.${body}`, "utf8").digest("hex");
}

/** The header value for `body` sent at `timestamp` (unix seconds). */
export function signWebhookPayload(secret: string, body: string, timestamp = Math.floor(Date.now() / 1000)): string {
  return `t=${timestamp},v1=${hmacHex(secret, timestamp, body)}`;
}

/**
 * Whether `header` is a valid signature of `body` with `secret` made within `toleranceSeconds` of `now`.
 * Accepts several v1 entries (as during a secret change); what a receiver's code should do.
 */
export function verifyWebhookSignature(
  secret: string,
  body: string,
  header: string | null | undefined,
  opts: { toleranceSeconds?: number; now?: number } = {},
): boolean {
  if (!header) return false;
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(",")) {
    const [k, v] = part.trim().split("=", 2) as [string, string | undefined];
    if (k === "t" && v && /^\d+$/.test(v)) timestamp = Number(v);
    else if (k === "v1" && v && /^[0-9a-f]{64}$/.test(v)) signatures.push(v);
  }
  if (timestamp === undefined || signatures.length === 0) return false;
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (opts.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) return false;
  const expected = Buffer.from(hmacHex(secret, timestamp, body), "hex");
  return signatures.some((s) => timingSafeEqual(Buffer.from(s, "hex"), expected));
}
