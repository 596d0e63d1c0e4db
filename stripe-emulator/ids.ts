// Stripe-style object ids (prefix + random base62), e.g. cus_Q2f9…, and short random tokens.
import { randomBytes } from "node:crypto";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

export function randomToken(length: number): string {
  const bytes = randomBytes(length);
  let out = "";
  for (let i = 0; i < length; i++) out += ALPHABET[(bytes[i] ?? 0) % ALPHABET.length];
  return out;
}

/** A new id such as `cus_1Nx…` (Stripe ids are a prefix, an underscore and 14–24 base62 characters). */
export function newId(prefix: string): string {
  return `${prefix}_${randomToken(24)}`;
}
